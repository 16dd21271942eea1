package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
)

// reviewPagesEnv is a decision under legality review (domain other, no
// flags, a closed consultation and a published empty adoption report), with
// an assigned legal adviser, and the clock past the review period.
type reviewPagesEnv struct {
	*testenv.Env
	staff, reviewer, adviser, other identity.Account
	reviewerToken, adviserToken     string
	otherToken                      string
	d                               consultation.Decision
	hash                            string
	review                          consultation.LegalityReview
}

// newReviewCity is the city of the review pages: the government with its
// executive meeting's composition (Decree 713 Art. 30), which
// publishThroughPages meets with three of four members, the education
// bureau leading the decision with the title (just created), the justice bureau's
// reviewer and a legal adviser.
func newReviewCity(t *testing.T, title string) *reviewPagesEnv {
	t.Helper()
	ctx := context.Background()
	e := &reviewPagesEnv{Env: testenv.New(t)}
	e.City("pdsszf", "jyj", "sfj")
	e.staff, _ = e.Account(identity.RoleAgencyStaff, "jyj")
	admin, _ := e.Account(identity.RoleAdmin, "")
	if _, err := e.Consultation.SetMeetingComposition(ctx, &admin, "pdsszf", []consultation.MeetingCompositionMember{
		{Name: "张市长", Position: "市长", IsHead: true}, {Name: "李副市长", Position: "副市长"}, {Name: "王秘书长", Position: "秘书长"},
		{Name: "赵副市长", Position: "副市长"}}); err != nil {
		t.Fatal(err)
	}
	e.reviewer, e.reviewerToken = e.Account(identity.RoleReviewer, "sfj")
	e.adviser, e.adviserToken = e.Account(identity.RoleLegalAdviser, "")
	d, err := e.Consultation.CreateDecision(ctx, &e.staff, consultation.DecisionInput{Title: title, Summary: "简介", Category: consultation.CategoryOther, Domain: consultation.DomainOther, DecisionBody: "pdsszf", LeadAgency: "jyj"})
	if err != nil {
		t.Fatal(err)
	}
	e.d = d
	return e
}

// submitForReview submits the version with hash for legality review,
// assigns the legal adviser and lets the review period pass: 21 calendar
// days are at least 7 working days even across a holiday.
func (e *reviewPagesEnv) submitForReview(t *testing.T, hash string) {
	t.Helper()
	ctx, svc := context.Background(), e.Consultation
	r, err := svc.SubmitLegalityReview(ctx, &e.staff, e.d.ID, consultation.SubmissionInput{VersionHash: hash,
		LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}, Materials: "附：起草过程说明。"})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if e.review, err = svc.AssignLegalAdviser(ctx, &e.reviewer, r.ID, []int64{e.adviser.ID}); err != nil {
		t.Fatalf("assign: %v", err)
	}
	e.Clock.Advance(21 * 24 * time.Hour)
}

// newHandlingEnv is the decision in handling, ready to be submitted.
func newHandlingEnv(t *testing.T) *reviewPagesEnv {
	t.Helper()
	ctx := context.Background()
	e := newReviewCity(t, "平顶山市城区义务教育学校招生入学办法")
	e.other, e.otherToken = e.Account(identity.RoleLegalAdviser, "")
	svc, d := e.Consultation, e.d
	v, err := svc.CreateDraftVersion(ctx, &e.staff, d.ID, consultation.DraftVersionInput{Text: draftText,
		Explanation: "为落实义务教育法，起草本办法。", LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}})
	if err != nil {
		t.Fatal(err)
	}
	e.OpenConsultation(&e.staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台逐条发表意见"})
	e.CloseConsultations()
	if _, err := svc.GenerateAdoptionReport(ctx, &e.staff, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PublishAdoptionReport(ctx, &e.staff, d.ID); err != nil {
		t.Fatal(err)
	}
	e.hash = v.ContentHash
	return e
}

func newReviewPagesEnv(t *testing.T) *reviewPagesEnv {
	t.Helper()
	e := newHandlingEnv(t)
	e.submitForReview(t, e.hash)
	// Sessions expire while the clock runs: sign in again now.
	e.reviewerToken, e.adviserToken, e.otherToken = e.signIn(t, e.reviewer), e.signIn(t, e.adviser), e.signIn(t, e.other)
	return e
}

func (e *reviewPagesEnv) signIn(t *testing.T, a identity.Account) string {
	t.Helper()
	s, err := e.Identity.CreateSession(context.Background(), identity.LoginInput{Login: *a.Phone, Password: testenv.Password, ClientAddr: "test"})
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	return s.Token
}

func (e *reviewPagesEnv) reviewPath(prefix string) string {
	return prefix + strconv.FormatInt(e.review.ID, 10)
}

// findingsForm fills the three questions of Art. 27.
func findingsForm(f url.Values) url.Values {
	for i := range consultation.ReviewQuestions {
		pre := "findings[" + strconv.Itoa(i) + "]."
		f.Set(pre+"finding", "compliant")
		f.Set(pre+"reasoning", "经审查，符合规定。")
		f.Set(pre+"cited_provisions", "《重大行政决策程序暂行条例》第二十七条")
	}
	return f
}

// TestReviewPagesRefuseOthers: residents get 403 on the queue, an
// unassigned adviser 404 on the opinion page, and anonymous visitors are
// sent to log in.
func TestReviewPagesRefuseOthers(t *testing.T) {
	e := newReviewPagesEnv(t)
	_, residentToken := e.Account(identity.RoleResident, "")
	resident := newBrowser(t, e.URL, residentToken)
	status, body := resident.get("/review")
	wantStatus(t, "resident on /review", status, http.StatusForbidden, body)
	status, body = resident.get(e.reviewPath("/review/"))
	wantStatus(t, "resident on review page", status, http.StatusForbidden, body)
	status, body = resident.get("/adviser")
	wantStatus(t, "resident on /adviser", status, http.StatusForbidden, body)

	other := newBrowser(t, e.URL, e.otherToken)
	status, body = other.get(e.reviewPath("/adviser/reviews/"))
	wantStatus(t, "unassigned adviser", status, http.StatusNotFound, body)
	status, body = other.post(e.reviewPath("/adviser/reviews/"), findingsForm(url.Values{"overall": {"lawful"}, "password": {testenv.Password}}))
	wantStatus(t, "unassigned adviser signs", status, http.StatusNotFound, body)
	status, body = other.get("/adviser")
	wantStatus(t, "unassigned adviser's list", status, http.StatusOK, body)
	if strings.Contains(body, e.d.Title) {
		t.Error("an unassigned adviser's list shows the package")
	}

	anon := newBrowser(t, e.URL, "")
	status, loc := anon.get("/review")
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
		t.Errorf("anonymous on /review: %d %s", status, loc)
	}

	// The assigned adviser and the reviewer see the package.
	adviser := newBrowser(t, e.URL, e.adviserToken)
	status, body = adviser.get("/adviser")
	wantStatus(t, "adviser's list", status, http.StatusOK, body)
	if !strings.Contains(body, e.reviewPath("/adviser/reviews/")) {
		t.Errorf("adviser's list lacks the package: %s", snippet(body))
	}
	reviewer := newBrowser(t, e.URL, e.reviewerToken)
	status, body = reviewer.get("/review?status=received")
	wantStatus(t, "queue", status, http.StatusOK, body)
	if !strings.Contains(body, e.reviewPath("/review/")) {
		t.Errorf("queue lacks the package: %s", snippet(body))
	}
	status, body = reviewer.get(e.reviewPath("/review/"))
	wantStatus(t, "review page", status, http.StatusOK, body)
	wantContains(t, "review page", body, "履行决策法定程序的说明", "送审稿即征求意见稿", `autocomplete="current-password"`, "尚无法律意见")
}

// TestWrongPasswordShownAtPasswordField: a wrong re-entered password keeps
// the form and puts the error next to the password field; nothing is signed.
func TestWrongPasswordShownAtPasswordField(t *testing.T) {
	e := newReviewPagesEnv(t)
	adviser := newBrowser(t, e.URL, e.adviserToken)
	status, body := adviser.post(e.reviewPath("/adviser/reviews/"), findingsForm(url.Values{"overall": {"lawful"}, "password": {"wrong-password-1"}}))
	wantStatus(t, "wrong password", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, `id="f-password-error"`) || !strings.Contains(body, "密码不正确") {
		t.Errorf("no error at the password field: %s", snippet(body))
	}
	if !strings.Contains(body, "经审查，符合规定。") {
		t.Error("the findings were not kept")
	}
	if strings.Contains(body, "wrong-password-1") {
		t.Error("the password was echoed")
	}
	ops, err := e.Consultation.ListLegalOpinions(context.Background(), &e.reviewer, e.review.ID)
	if err != nil || len(ops) != 0 {
		t.Fatalf("opinions after a wrong password: %v %v", ops, err)
	}

	// A missing reasoning is shown at its field.
	f := findingsForm(url.Values{"overall": {"lawful"}, "password": {testenv.Password}})
	f.Set("findings[1].reasoning", "")
	status, body = adviser.post(e.reviewPath("/adviser/reviews/"), f)
	wantStatus(t, "missing reasoning", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, `id="f-findings-1-reasoning-error"`) {
		t.Errorf("no error at the reasoning: %s", snippet(body))
	}

	// The reviewer's conclusion form behaves the same.
	reviewer := newBrowser(t, e.URL, e.reviewerToken)
	status, body = reviewer.post(e.reviewPath("/review/")+"/conclusion", findingsForm(url.Values{"outcome": {"lawful"}, "password": {"nope-nope-1"}}))
	if status == http.StatusUnprocessableEntity && !strings.Contains(body, `id="f-password-error"`) {
		t.Errorf("conclusion: no error at the password field: %s", snippet(body))
	} else if status != http.StatusUnprocessableEntity && status != http.StatusConflict {
		t.Errorf("conclusion with a wrong password: %d %s", status, snippet(body))
	}
}

// concluded signs an opinion and a lawful conclusion through the service.
func (e *reviewPagesEnv) concluded(t *testing.T) {
	t.Helper()
	fs := e.lawfulOpinion(t)
	if _, err := e.Consultation.SignReviewConclusion(context.Background(), &e.reviewer, e.review.ID, consultation.ConclusionInput{Findings: fs,
		Outcome: consultation.OutcomeLawful, Password: testenv.Password}); err != nil {
		t.Fatalf("conclusion: %v", err)
	}
}

// lawfulOpinion signs the adviser's lawful opinion through the service and
// returns its findings.
func (e *reviewPagesEnv) lawfulOpinion(t *testing.T) []consultation.QuestionFinding {
	t.Helper()
	fs := testenv.CompliantFindings("经审查，符合规定。")
	if _, err := e.Consultation.CreateLegalOpinion(context.Background(), &e.adviser, e.review.ID, consultation.OpinionInput{Findings: fs,
		Overall: consultation.OutcomeLawful, Password: testenv.Password}); err != nil {
		t.Fatalf("opinion: %v", err)
	}
	return fs
}

// publishThroughPages records the deliberation and the Party report and
// publishes the decision through the lead unit's forms.
func (e *reviewPagesEnv) publishThroughPages(t *testing.T) {
	t.Helper()
	staff := newBrowser(t, e.URL, e.signIn(t, e.staff))
	base := "/staff/decisions/" + strconv.FormatInt(e.d.ID, 10)
	status, body := staff.get(base + "/publication")
	wantStatus(t, "staff publication page", status, http.StatusOK, body)
	today := e.Clock.Now().In(shanghaiZone).Format(time.DateOnly)
	delib := url.Values{"version_hash": {e.review.VersionHash}, "meeting_kind": {"mayor_office"}, "meeting_date": {today},
		"session": {"市政府第28次常务会议"}, "outcome": {"adopted"}}
	// Picked from the composition (the head last): three of four present.
	for k, v := range meetingPicks(map[string]string{"李副市长": "for", "王秘书长": "for", "赵副市长": "absent", "张市长": ""}) {
		delib[k] = v
	}
	// A meeting kind other than executive or plenary is refused at its field.
	status, body = staff.post(base+"/deliberation", delib)
	wantStatus(t, "mayor's office meeting", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, `id="f-meeting_kind-error"`) {
		t.Errorf("no error at the meeting kind: %s", snippet(body))
	}
	// Publishing before the Party report is refused with the gates.
	delib.Set("meeting_kind", "executive")
	status, loc := staff.post(base+"/deliberation", delib)
	wantStatus(t, "deliberation", status, http.StatusSeeOther, loc)
	pub := url.Values{"pub_version_hash": {e.review.VersionHash}, "channels": {"平顶山市人民政府网站\n平顶山市人民政府公报"},
		"published_on": {today}, "document_number": {"平政〔2026〕12号"}}
	status, body = staff.post(base+"/publication", pub)
	if status < 400 || !strings.Contains(body, `id="refusal"`) {
		t.Errorf("publication before the Party report: %d %s", status, snippet(body))
	}
	status, loc = staff.post(base+"/party-report", url.Values{"report_date": {today}, "reference_number": {"平政文〔2026〕8号"}, "committee": {"中共平顶山市委"}})
	wantStatus(t, "party report", status, http.StatusSeeOther, loc)
	status, loc = staff.post(base+"/publication", pub)
	wantStatus(t, "publication", status, http.StatusSeeOther, loc)
}

// meetingPicks is the deliberation form's answer for the composition of
// newReviewPagesEnv (rows in speaking order: 李副市长, 王秘书长, 赵副市长, the
// head 张市长 last): a vote (for, against, abstain; "" for the head) marks
// a member present, "absent" absent (on a business trip).
func meetingPicks(picks map[string]string) url.Values {
	f := url.Values{}
	for i, name := range []string{"李副市长", "王秘书长", "赵副市长", "张市长"} {
		pre := "members[" + strconv.Itoa(i) + "]."
		switch v, ok := picks[name]; {
		case !ok:
		case v == "absent":
			f.Set(pre+"attend", "absent")
			f.Set(pre+"reason", "出差")
		default:
			f.Set(pre+"attend", "present")
			f.Set(pre+"vote", v)
		}
	}
	return f
}

// TestDeliberationPicksMembersFromComposition (outside check staff2): the
// meeting form took members as typed names, nine blank rows, and the head
// typed once more; staff could not tell who of the composition was
// missing, and a misspelt name was refused as a non-member. Now each
// member of the kept composition is a row (the head marked and last), each
// stated present or absent; the quorum counts the picked members, and the
// record names the absent ones with their reason. A meeting recorded
// before absences were kept still reads.
func TestDeliberationPicksMembersFromComposition(t *testing.T) {
	e := newReviewPagesEnv(t)
	e.concluded(t)
	staff := newBrowser(t, e.URL, e.signIn(t, e.staff))
	base := "/staff/decisions/" + strconv.FormatInt(e.d.ID, 10)
	status, body := staff.get(base + "/publication")
	wantStatus(t, "publication page", status, http.StatusOK, body)
	wantContains(t, "meeting form", body, `name="members[3].attend" value="present"`, `name="members[3].attend" value="absent"`,
		"张市长</strong>（市长） <span class=\"tag\">行政首长</span>", "至少3名")
	if strings.Contains(body, `name="members[0].name"`) || strings.Contains(body, `name="head_name"`) {
		t.Error("the form still asks staff to type the members' or the head's names")
	}
	if strings.Index(body, "赵副市长</strong>") > strings.Index(body, "张市长</strong>") {
		t.Error("the head is not the last row")
	}
	// The old form defaulted every vote to 赞成.
	if strings.Contains(body, `<option value="for" selected>`) {
		t.Error("a vote is preselected")
	}
	today := e.Clock.Now().In(shanghaiZone).Format(time.DateOnly)
	form := func(picks map[string]string) url.Values {
		f := meetingPicks(picks)
		for k, v := range (url.Values{"version_hash": {e.review.VersionHash}, "meeting_kind": {"executive"}, "meeting_date": {today},
			"outcome": {"adopted"}}) {
			f[k] = v
		}
		return f
	}
	// A member left unstated is named; nothing is recorded.
	status, body = staff.post(base+"/deliberation", form(map[string]string{"李副市长": "for", "王秘书长": "for", "张市长": ""}))
	wantStatus(t, "unstated member", status, http.StatusUnprocessableEntity, body)
	wantContains(t, "unstated member", body, `id="members-error"`, "尚未选择：赵副市长")
	// A member present without a vote is asked in Chinese, not with the
	// API's codes.
	status, body = staff.post(base+"/deliberation", form(map[string]string{"李副市长": "", "王秘书长": "for", "赵副市长": "absent", "张市长": ""}))
	wantStatus(t, "no vote", status, http.StatusUnprocessableEntity, body)
	wantContains(t, "no vote", body, "请选择“李副市长”的表决意见：赞成、反对或弃权")
	if strings.Contains(body, "abstain（") {
		t.Error("the refusal names the API's vote codes")
	}
	// Two of four present: no quorum, counted from the picks.
	status, body = staff.post(base+"/deliberation", form(map[string]string{"李副市长": "for", "王秘书长": "absent", "赵副市长": "absent", "张市长": ""}))
	wantStatus(t, "no quorum", status, http.StatusUnprocessableEntity, body)
	wantContains(t, "no quorum", body, "出席的组成人员2名，未超过组成人员（4名）的半数", "第三十条")
	if list, _ := e.Consultation.ListDeliberations(context.Background(), &e.staff, e.d.ID); len(list) != 0 {
		t.Fatalf("%d meetings recorded by refused forms", len(list))
	}
	// The head absent: refused at the members.
	status, body = staff.post(base+"/deliberation", form(map[string]string{"李副市长": "for", "王秘书长": "for", "赵副市长": "for", "张市长": "absent"}))
	wantStatus(t, "head absent", status, http.StatusUnprocessableEntity, body)
	wantContains(t, "head absent", body, `id="members-error"`, "张市长")
	status, loc := staff.post(base+"/deliberation", form(map[string]string{"李副市长": "for", "王秘书长": "abstain", "赵副市长": "absent", "张市长": ""}))
	wantStatus(t, "meeting", status, http.StatusSeeOther, loc)
	list, err := e.Consultation.ListDeliberations(context.Background(), &e.staff, e.d.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("meetings: %v %v", list, err)
	}
	g := list[0]
	if !g.AbsencesRecorded || len(g.Absences) != 1 || g.Absences[0] != (consultation.MeetingAbsence{Name: "赵副市长", Position: "副市长", Reason: "出差"}) ||
		g.HeadName != "张市长" || len(g.Members) != 3 || g.Members[0].Position != "副市长" || g.Members[2].Name != "张市长" {
		t.Fatalf("meeting: %+v", g)
	}
	status, body = staff.get(base + "/publication")
	wantStatus(t, "page after the meeting", status, http.StatusOK, body)
	wantContains(t, "meeting record", body, "出席组成人员3名（组成人员共4名）", "缺席：赵副市长（出差）")
	// A meeting recorded before absences were kept reads as such.
	e.AsSuperuser(t, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE deliberations SET absences = NULL WHERE id = $1`, g.ID)
		return err
	})
	status, body = staff.get(base + "/publication")
	wantStatus(t, "page with an old meeting", status, http.StatusOK, body)
	wantContains(t, "old meeting", body, "出席组成人员3名（组成人员共4名）", "仅记载出席人员")
}

// shanghaiZone is the zone of the dates a person enters.
var shanghaiZone = workday.Location()

// TestLeadUnitPagesThroughPublication: the lead unit's review page, the
// deliberation, Party report and publication forms, and the public
// publication page with its feedback form.
func TestLeadUnitPagesThroughPublication(t *testing.T) {
	e := newReviewPagesEnv(t)
	staff := newBrowser(t, e.URL, e.signIn(t, e.staff))
	status, body := staff.get("/staff/decisions/" + strconv.FormatInt(e.d.ID, 10) + "/review")
	wantStatus(t, "staff review page", status, http.StatusOK, body)
	if !strings.Contains(body, "履行决策法定程序的说明") || !strings.Contains(body, e.review.VersionHash) {
		t.Errorf("staff review page lacks the package: %s", snippet(body))
	}
	e.concluded(t)
	e.publishThroughPages(t)

	id := strconv.FormatInt(e.d.ID, 10)
	// The head decides and casts no vote: the meeting's record says so
	// instead of ending the head's line with a bare colon.
	status, body = staff.get("/staff/decisions/" + id + "/publication")
	wantStatus(t, "staff publication page after the meeting", status, http.StatusOK, body)
	if strings.Contains(body, "张市长（市长）：</li>") || !strings.Contains(body, "张市长（市长）：主持并作出决定") {
		t.Errorf("the head's line in the meeting record: %s", snippet(body))
	}
	anon := newBrowser(t, e.URL, "")
	status, body = anon.get("/decisions/" + id + "/publication")
	wantStatus(t, "publication page", status, http.StatusOK, body)
	wantContains(t, "publication page", body, "平政〔2026〕12号", "第三条", "划片招生",
		"/decisions/"+id+"/adoption-report", "决策程序", "登录后提出意见")
	resident, token := e.Account(identity.RoleResident, "")
	_ = resident
	rb := newBrowser(t, e.URL, token)
	status, body = rb.post("/decisions/"+id+"/feedback", url.Values{"body": {""}})
	wantStatus(t, "empty feedback", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, `id="f-body-error"`) {
		t.Errorf("no error at the feedback body: %s", snippet(body))
	}
	status, loc := rb.post("/decisions/"+id+"/feedback", url.Values{"body": {"希望增加学位供给。"}})
	wantStatus(t, "feedback", status, http.StatusSeeOther, loc)
	status, body = rb.get("/decisions/" + id + "/publication")
	wantStatus(t, "publication page after feedback", status, http.StatusOK, body)
	if !strings.Contains(body, "已收到1条意见") {
		t.Errorf("feedback count not shown: %s", snippet(body))
	}
}

// TestSubmitReturnAndResubmitThroughPages: the lead unit submits through its
// page (the version hash pre-filled), the reviewer asks for materials, the
// lead unit resubmits, and the reviewer returns the package with a reason.
func TestSubmitReturnAndResubmitThroughPages(t *testing.T) {
	e := newHandlingEnv(t)
	staff := newBrowser(t, e.URL, e.staffToken(t))
	base := "/staff/decisions/" + strconv.FormatInt(e.d.ID, 10) + "/review"
	status, body := staff.get(base)
	wantStatus(t, "submit form", status, http.StatusOK, body)
	if !strings.Contains(body, `value="`+e.hash+`"`) {
		t.Errorf("version hash not pre-filled: %s", snippet(body))
	}
	status, body = staff.post(base, url.Values{"version_hash": {e.hash}, "legal_basis": {""}})
	wantStatus(t, "no legal basis", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, `id="f-legal_basis-error"`) {
		t.Errorf("no error at the legal basis: %s", snippet(body))
	}
	status, loc := staff.post(base, url.Values{"version_hash": {e.hash}, "legal_basis": {"《中华人民共和国义务教育法》第十二条"}, "materials": {"起草过程说明"}})
	wantStatus(t, "submit", status, http.StatusSeeOther, loc)
	list, _, err := e.Consultation.ListLegalityReviews(context.Background(), &e.staff, consultation.ReviewFilter{DecisionID: e.d.ID})
	if err != nil || len(list) != 1 {
		t.Fatalf("reviews: %v %v", list, err)
	}
	rpath := "/review/" + strconv.FormatInt(list[0].ID, 10)

	reviewer := newBrowser(t, e.URL, e.signIn(t, e.reviewer))
	status, body = reviewer.post(rpath+"/request-materials", url.Values{"request_reason": {""}})
	wantStatus(t, "request without reason", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, `id="f-request_reason-error"`) {
		t.Errorf("no error at the reason: %s", snippet(body))
	}
	status, loc = reviewer.post(rpath+"/request-materials", url.Values{"request_reason": {"请补充专家意见"}})
	wantStatus(t, "request materials", status, http.StatusSeeOther, loc)
	status, body = reviewer.post(rpath+"/advisers", url.Values{"adviser_id": {strconv.FormatInt(e.staff.ID, 10)}})
	wantStatus(t, "assign a non-adviser", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, `id="f-adviser_id-error"`) {
		t.Errorf("no error at the adviser ids: %s", snippet(body))
	}

	status, body = staff.get(base)
	wantStatus(t, "staff page after request", status, http.StatusOK, body)
	if !strings.Contains(body, "请补充专家意见") {
		t.Errorf("request reason not shown: %s", snippet(body))
	}
	status, loc = staff.post(base+"/resubmit", url.Values{"more_materials": {"专家意见：可行。"}})
	wantStatus(t, "resubmit", status, http.StatusSeeOther, loc)

	status, loc = reviewer.post(rpath+"/return", url.Values{"return_reason": {"第二条适用范围不清"}})
	wantStatus(t, "return", status, http.StatusSeeOther, loc)
	d, err := e.Consultation.GetDecision(context.Background(), &e.staff, e.d.ID)
	if err != nil || d.Status != consultation.StatusHandling {
		t.Fatalf("after return: %v %v", d.Status, err)
	}
}

func (e *reviewPagesEnv) staffToken(t *testing.T) string { return e.signIn(t, e.staff) }

// TestStaffPagesOfferOnlyWhatCanBeDone (outside check staff2): the review
// page offered the decision body's staff the submission form, which only
// the lead unit may use, and the deliberation page offered the meeting,
// Party report and publication forms to a decision still in handling, each
// refused on submission. The pages now offer a form only to whom and when
// it can be used, and otherwise say what comes first, with the article.
func TestStaffPagesOfferOnlyWhatCanBeDone(t *testing.T) {
	e := newHandlingEnv(t)
	bodyStaff, bodyToken := e.Account(identity.RoleAgencyStaff, "pdsszf")
	base := "/staff/decisions/" + strconv.FormatInt(e.d.ID, 10)
	lead, body := newBrowser(t, e.URL, e.staffToken(t)), newBrowser(t, e.URL, bodyToken)
	submit := `action="` + base + `/review"`
	_, page := lead.get(base + "/review")
	wantContains(t, "lead unit's review page", page, submit)
	status, page := body.get(base + "/review")
	wantStatus(t, "decision body's review page", status, http.StatusOK, page)
	wantContains(t, "decision body's review page", page, `id="lead-only"`)
	if strings.Contains(page, submit) {
		t.Error("the decision body is offered the submission form")
	}
	for _, b := range []*browser{lead, body} {
		status, page = b.get(base + "/publication")
		wantStatus(t, "deliberation page in handling", status, http.StatusOK, page)
		wantContains(t, "deliberation page in handling", page, `id="next-step"`, "第二十五条", "第三十条")
		for _, form := range []string{"/deliberation", "/party-report", "/publication"} {
			if strings.Contains(page, `action="`+base+form+`"`) {
				t.Errorf("a decision in handling offers the %s form", form)
			}
		}
	}
	// Under review with a valid conclusion: the meeting can be recorded by
	// either; the Party report and publication wait for the adopting one.
	e.submitForReview(t, e.hash)
	e.concluded(t)
	_, page = newBrowser(t, e.URL, e.signIn(t, bodyStaff)).get(base + "/publication")
	wantContains(t, "deliberation page after the conclusion", page, `action="`+base+`/deliberation"`, `id="publish-next"`)
	if strings.Contains(page, `action="`+base+`/publication"`) {
		t.Error("publication offered before the meeting")
	}
}
