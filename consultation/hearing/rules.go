package hearing

import (
	"fmt"
	"strings"
	"time"

	"github.com/canyu-gov/canyu/internal/errs"
)

// MaterialsLeadDays is how many calendar days before the hearing its
// materials must reach every participant: "听证会材料应当于召开听证会7日前
// 送达听证参加人" (Decree 713 Art. 17(3)). Counted on calendar dates in
// Asia/Shanghai: delivered on 3 March, the hearing may be on 10 March.
const MaterialsLeadDays = 7

// materialsInTime reports whether materials delivered on the date delivered
// reach the participant in time for a hearing on the date of startsAt.
func materialsInTime(delivered, startsAt time.Time) bool {
	return !delivered.After(dateOf(startsAt).AddDate(0, 0, -MaterialsLeadDays))
}

// The date-order rules of a hearing, each refused at its boundary with the
// article. Art. 17 fixes the order (notice and draft first, the selection
// method before selecting, the list before the hearing, materials 7 days
// before); the law fixes no number of days for the notice, so the platform
// holds the order and the one figure the law gives.
func errRule(code, msg string) error {
	return &errs.Error{Kind: errs.KindConflict, Code: code, Basis: BasisProcess, Message: msg}
}

var (
	// Applications must close early enough that the draw, the list and
	// the materials can still come 7 days before the hearing.
	errCloseTooLate = func(startsAt time.Time) error {
		last := dateOf(startsAt).AddDate(0, 0, -MaterialsLeadDays)
		return &errs.Error{Kind: errs.KindInvalid, Code: "hearing_applications_close_too_late", Basis: BasisProcess,
			Fields: []errs.FieldError{{Field: "applications_close_at", Message: "报名截止不能晚于" + last.Format("2006年1月2日")}},
			Message: fmt.Sprintf("报名截止时间须不晚于听证会召开前%d日（%s），以便遴选后按期送达听证材料", MaterialsLeadDays,
				last.Format("2006年1月2日"))}
	}
	errNoticeTooLate = errRule("hearing_notice_too_late",
		"听证公告须在报名截止前提前公布，报名截止时间已过，请重新安排听证会")
	errNoticeNotPublished = errRule("hearing_notice_not_published", "须先公布听证公告（决策草案及其说明、听证时间和地点）")
	errMethodTooLate      = errRule("hearing_selection_method_too_late", "遴选办法须在报名截止前公布，报名截止时间已过")
	errMethodNotPublished = errRule("hearing_selection_method_not_published", "须先公布听证参加人遴选办法")
	errApplicationsClosed = errRule("hearing_applications_closed", "听证报名已截止")
	errApplicationsOpen   = errRule("hearing_applications_still_open", "报名尚未截止，不能抽签：抽签须在报名截止后进行")
	errNotDrawn           = errRule("hearing_not_drawn", "尚未抽签遴选听证参加人")
	errAlreadyDrawn       = errRule("hearing_already_drawn", "已经抽签，抽签结果不能更改")
	errListTooLate        = errRule("hearing_participants_too_late", "听证参加人名单须在听证会召开前公布，听证会时间已到")
	errListNotPublished   = errRule("hearing_participants_not_published", "须先公布听证参加人名单")
	errMaterialsTooLate   = func(startsAt time.Time) error {
		last := dateOf(startsAt).AddDate(0, 0, -MaterialsLeadDays)
		return errRule("hearing_materials_too_late", fmt.Sprintf("听证会材料须于召开听证会%d日前送达听证参加人，最迟送达日期为%s",
			MaterialsLeadDays, last.Format("2006年1月2日")))
	}
	errNotHeldYet      = errRule("hearing_not_held_yet", "听证会尚未召开，不能制作听证笔录")
	errMinutesMissing  = errRule("hearing_minutes_not_recorded", "尚未制作听证笔录")
	errMinutesLocked   = errRule("hearing_minutes_locked", "听证笔录已经全体听证参加人签字确认并锁定，不能更改")
	errMinutesSigned   = errRule("hearing_minutes_signing_started", "已有听证参加人签字确认笔录，笔录不能再修改")
	errReportPublished = errRule("hearing_report_published", "听证报告已公布")
	errCancelled       = errRule("hearing_cancelled", "听证会已取消")
	// A hearing publishes the draft; a decision withheld from consultation
	// (Art. 14: 依法不予公开的决策事项除外) holds none, and hears views by
	// other means (a forum, written requests) recorded as activities.
	errWithheld = &errs.Error{Kind: errs.KindConflict, Code: "hearing_decision_not_disclosable", Basis: BasisChannels,
		Message: "该决策事项依法不予公开，不能举行公开的听证会（听证公告须公布决策草案）；可以通过座谈会、书面征求意见等方式听取意见"}
	errAlreadyHeld = errRule("hearing_already_held", "听证会已开始，不能再变更、取消或撤回报名；未出席的听证参加人由承办单位注明缺席")
	errWithdrawn   = errRule("hearing_application_withdrawn", "该报名已撤回")
)

// sideWithoutApplicants refuses a draw while a declared side has no
// application: every side must be represented (Art. 16), and once drawn
// nobody else can apply.
func sideWithoutApplicants(sides []string) error {
	return errRule("hearing_side_without_applicants", "听证参加人须涵盖听证公告列明的各方，"+strings.Join(sides, "、")+
		"无人报名，不能抽签：请延长报名时间（听证会相应延期）后再抽签，或取消听证会")
}
