package hearing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
	"github.com/canyu-gov/canyu/internal/workday"
)

// ActivityKind is one of the ways to hear the public in Decree 713 Art. 14.
type ActivityKind string

// The kinds of Art. 14.
const (
	KindForum              ActivityKind = "forum"               // 座谈会
	KindHearing            ActivityKind = "hearing"             // 听证会
	KindSiteVisit          ActivityKind = "site_visit"          // 实地走访
	KindWrittenRequest     ActivityKind = "written_request"     // 书面征求意见
	KindOnlineConsultation ActivityKind = "online_consultation" // 向社会公开征求意见
	KindQuestionnaire      ActivityKind = "questionnaire"       // 问卷调查
	KindOpinionPoll        ActivityKind = "opinion_poll"        // 民意调查
)

// ActivityKinds lists the kinds in display order.
var ActivityKinds = []ActivityKind{KindForum, KindHearing, KindSiteVisit, KindWrittenRequest, KindOnlineConsultation,
	KindQuestionnaire, KindOpinionPoll}

// ActivityKindNames are the Chinese names of the kinds.
var ActivityKindNames = map[ActivityKind]string{
	KindForum: "座谈会", KindHearing: "听证会", KindSiteVisit: "实地走访", KindWrittenRequest: "书面征求意见",
	KindOnlineConsultation: "网上公开征求意见", KindQuestionnaire: "问卷调查", KindOpinionPoll: "民意调查",
}

// Activity is one participation activity of a decision.
type Activity struct {
	ID           int64        `db:"id" json:"id"`
	DecisionID   int64        `db:"decision_id" json:"decision_id"`
	Kind         ActivityKind `db:"kind" json:"kind"`
	Title        string       `db:"title" json:"title"`
	StartsOn     time.Time    `db:"starts_on" json:"starts_on"`
	EndsOn       time.Time    `db:"ends_on" json:"ends_on"`
	Place        string       `db:"place" json:"place"`
	Participants []string     `db:"participants" json:"participants"`
	Materials    string       `db:"materials" json:"materials"`
	Minutes      string       `db:"minutes" json:"minutes"`
	CreatedBy    int64        `db:"created_by" json:"-"`
	CreatedAt    time.Time    `db:"created_at" json:"created_at"`
}

// ActivityInput is a new activity. Participants names the organisations
// or sides that took part (e.g. 市教育局, 家长代表, 学校代表), never private
// persons: the law needs who was heard, not their personal data.
type ActivityInput struct {
	Kind         ActivityKind
	Title        string
	StartsOn     string // YYYY-MM-DD, Asia/Shanghai
	EndsOn       string // YYYY-MM-DD; empty: the same day
	Place        string
	Participants []string
	Materials    string
	Minutes      string
}

const activityColumns = `id, decision_id, kind, title, starts_on, ends_on, place, participants, materials, minutes, created_by, created_at`

// parseDate reads a calendar date (Asia/Shanghai).
func parseDate(field, v string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, v, workday.Location())
	if err != nil {
		return time.Time{}, errs.InvalidField("invalid_date", field, "日期格式应为2026-03-01")
	}
	return t, nil
}

// dateOf is the calendar date of t in Asia/Shanghai, as midnight UTC of that
// date (how PostgreSQL dates come back).
func dateOf(t time.Time) time.Time {
	l := t.In(workday.Location())
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

func (in *ActivityInput) check() error {
	if _, ok := ActivityKindNames[in.Kind]; !ok {
		return errs.InvalidField("invalid_activity_kind", "kind", "活动类型无效")
	}
	in.Title, in.Place, in.Materials, in.Minutes = cleanText(in.Title), cleanText(in.Place), cleanText(in.Materials), cleanText(in.Minutes)
	if err := requireText("title", "活动名称", in.Title, 200); err != nil {
		return err
	}
	if len([]rune(in.Place)) > 200 || len([]rune(in.Materials)) > 20000 || len([]rune(in.Minutes)) > 100000 {
		return errs.Invalid("activity_text_too_long", "地点、材料或纪要过长")
	}
	var ps []string
	for _, p := range in.Participants {
		if p = cleanText(p); p != "" {
			if len([]rune(p)) > 100 {
				return errs.InvalidField("participant_too_long", "participants", "参加单位或方面的名称过长")
			}
			ps = append(ps, p)
		}
	}
	if len(ps) > 100 {
		return errs.InvalidField("too_many_participants", "participants", "参加单位或方面最多100个")
	}
	in.Participants = ps
	if in.Participants == nil {
		in.Participants = []string{}
	}
	return nil
}

// CreateParticipationActivity records a participation activity of a
// decision (Art. 14) and appends it to the process record. Only staff of the
// lead unit may call it, before legality review. Codes: decision_not_found,
// not_lead_unit_staff, invalid_activity_kind, title_required, invalid_date,
// activity_dates_out_of_order, participation_not_allowed_in_stage.
func (s *Service) CreateParticipationActivity(ctx context.Context, actor *identity.Account, decisionID int64, in ActivityInput) (Activity, error) {
	if _, err := s.leadDecision(ctx, actor, decisionID); err != nil {
		return Activity{}, err
	}
	if err := in.check(); err != nil {
		return Activity{}, err
	}
	start, err := parseDate("starts_on", in.StartsOn)
	if err != nil {
		return Activity{}, err
	}
	end := start
	if in.EndsOn != "" {
		if end, err = parseDate("ends_on", in.EndsOn); err != nil {
			return Activity{}, err
		}
	}
	if end.Before(start) {
		return Activity{}, errs.InvalidField("activity_dates_out_of_order", "ends_on", "结束日期不能早于开始日期")
	}
	var out Activity
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := lockOpenStage(ctx, tx, decisionID, "登记公众参与活动"); err != nil {
			return err
		}
		out, err = insertActivity(ctx, tx, actor, decisionID, in, start, end, s.now())
		if err != nil {
			return err
		}
		ev, err := evidence("participation_activities", out.ID, out)
		if err != nil {
			return err
		}
		return s.Record.Append(ctx, tx, decisionID, consultation.RecordActor(actor), RecordActivityCreated, map[string]any{
			"activity_id": out.ID, "kind": out.Kind, "title": out.Title, "starts_on": in.StartsOn, "place": out.Place,
			"participants": out.Participants}, ev)
	})
	return out, err
}

func insertActivity(ctx context.Context, tx pgx.Tx, actor *identity.Account, decisionID int64, in ActivityInput, start, end, now time.Time) (Activity, error) {
	rows, err := tx.Query(ctx, `INSERT INTO participation_activities (decision_id, kind, title, starts_on, ends_on, place, participants,
		materials, minutes, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING `+activityColumns,
		decisionID, in.Kind, in.Title, start, end, in.Place, in.Participants, in.Materials, in.Minutes, actor.ID, now)
	if err != nil {
		return Activity{}, errs.Internal(err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Activity])
	if err != nil {
		return Activity{}, errs.Internal(err)
	}
	return a, nil
}

// ListParticipationActivities lists the activities of a decision, oldest
// first, with how many offline opinions each produced. Anyone who may see
// the decision may call it. Codes: decision_not_found.
func (s *Service) ListParticipationActivities(ctx context.Context, actor *identity.Account, decisionID int64) ([]Activity, error) {
	if _, err := s.Consultation.GetDecision(ctx, actor, decisionID); err != nil {
		return nil, err
	}
	return pgrows.All[Activity](ctx, s.DB, `SELECT `+activityColumns+` FROM participation_activities WHERE decision_id = $1
		ORDER BY starts_on, id`, decisionID)
}
