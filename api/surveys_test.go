package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// surveyEnv is a city with its government, 市教育局 (which runs the
// surveys), 市卫健委, and a token for each kind of caller.
type surveyEnv struct {
	*testenv.Env
	staff, other, resident, admin string
	residentAcct                  identity.Account
	accounts                      []identity.Account // of the four tokens, in that order
}

func newSurveyEnv(t *testing.T) *surveyEnv {
	t.Helper()
	e := newCity(t, "pdsszf", "jyj", "wjw")
	s := &surveyEnv{Env: e}
	for _, a := range []struct {
		role   identity.Role
		agency string
		tok    *string
	}{{identity.RoleAgencyStaff, "jyj", &s.staff}, {identity.RoleAgencyStaff, "wjw", &s.other},
		{identity.RoleResident, "", &s.resident}, {identity.RoleAdmin, "", &s.admin}} {
		var acct identity.Account
		acct, *a.tok = e.Account(a.role, a.agency)
		s.accounts = append(s.accounts, acct)
	}
	s.residentAcct = s.accounts[2]
	return s
}

// signInAgain gives the four accounts fresh sessions (after the clock has
// moved past their expiry).
func (s *surveyEnv) signInAgain(t *testing.T) {
	t.Helper()
	for i, tok := range []*string{&s.staff, &s.other, &s.resident, &s.admin} {
		ses, err := s.Identity.CreateSession(context.Background(), identity.LoginInput{Login: *s.accounts[i].Phone, Password: testenv.Password, ClientAddr: "test"})
		if err != nil {
			t.Fatal(err)
		}
		*tok = ses.Token
	}
}

type surveyJSON struct {
	ID                 int64  `json:"id"`
	Status             string `json:"status"`
	OpensAt            string `json:"opens_at"`
	ClosesAt           string `json:"closes_at"`
	AcceptingResponses bool   `json:"accepting_responses"`
	DecisionID         *int64 `json:"decision_id"`
	Questions          []struct {
		ID       int64  `json:"id"`
		Position int    `json:"position"`
		Kind     string `json:"kind"`
		Title    string `json:"title"`
		Config   struct {
			Options []struct {
				ID    string `json:"id"`
				Label string `json:"label"`
			} `json:"options"`
		} `json:"config"`
		Condition *struct {
			QuestionID int64    `json:"question_id"`
			OptionIDs  []string `json:"option_ids"`
		} `json:"condition"`
	} `json:"questions"`
}

// qid returns the id of the question with the title.
func (s surveyJSON) qid(t *testing.T, title string) int64 {
	t.Helper()
	for _, q := range s.Questions {
		if q.Title == title {
			return q.ID
		}
	}
	t.Fatalf("no question %q", title)
	return 0
}

func surveyBody(closes time.Time, edit func(map[string]any)) map[string]any {
	b := map[string]any{"title": "城区义务教育学校招生入学办法民意调查", "description": "了解市民对招生入学办法的意见。",
		"closes_at": closes.Format(time.RFC3339), "anonymous": true, "results_public_after_close": true,
		"privacy_notice": "平顶山市教育局收集本问卷答案，仅用于招生入学办法的决策参考，保存至决策公布后一年。"}
	if edit != nil {
		edit(b)
	}
	return b
}

func (s *surveyEnv) createSurvey(t *testing.T, edit func(map[string]any)) int64 {
	t.Helper()
	var out surveyJSON
	s.Do("POST", "/surveys", s.staff, surveyBody(s.Clock.Now().Add(14*24*time.Hour), edit)).Expect(t, 201, "").JSON(t, &out)
	return out.ID
}

func (s *surveyEnv) addQuestion(t *testing.T, id int64, q map[string]any) surveyJSON {
	t.Helper()
	var out surveyJSON
	s.Do("POST", fmt.Sprintf("/surveys/%d/questions", id), s.staff, q).Expect(t, 201, "").JSON(t, &out)
	return out
}

// The questions of the standard survey: every kind, a condition and a
// sensitive question.
var (
	qDistrict = map[string]any{"kind": "single_choice", "title": "您居住的区", "required": true,
		"config": map[string]any{"options": []map[string]any{{"id": "xh", "label": "新华区"}, {"id": "wd", "label": "卫东区"}, {"id": "zh", "label": "湛河区"}}}}
	qHasChild = map[string]any{"kind": "single_choice", "title": "家中是否有适龄儿童", "required": true,
		"config": map[string]any{"options": []map[string]any{{"id": "yes", "label": "有"}, {"id": "no", "label": "没有"}}}}
	qConcerns = map[string]any{"kind": "multiple_choice", "title": "您最关注的问题",
		"config": map[string]any{"options": []map[string]any{{"id": "dist", "label": "划片范围"}, {"id": "fair", "label": "公平"}, {"id": "info", "label": "信息公开"}},
			"min_choices": 1, "max_choices": 2, "allow_other": true}}
	qSatisfaction = map[string]any{"kind": "scale", "title": "您对现行办法的满意度", "config": map[string]any{"scale_min": 1, "scale_max": 5, "min_label": "非常不满意", "max_label": "非常满意"}}
	qMatrix       = map[string]any{"kind": "matrix", "title": "请评价以下方面", "config": map[string]any{"scale_min": 1, "scale_max": 5,
		"rows": []map[string]any{{"id": "r1", "label": "报名便利"}, {"id": "r2", "label": "政策宣传"}}}}
	qSuggestion = map[string]any{"kind": "text", "title": "您的建议", "config": map[string]any{"max_length": 200}}
	qCommute    = map[string]any{"kind": "number", "title": "孩子上学单程分钟数", "config": map[string]any{"number_min": 0, "number_max": 180, "integer": true}}
	qRanking    = map[string]any{"kind": "ranking", "title": "请按重要性排序", "config": map[string]any{"options": []map[string]any{{"id": "near", "label": "就近"}, {"id": "quality", "label": "质量"}, {"id": "cost", "label": "费用"}}}}
)

// standardSurvey builds the standard survey and returns it (not opened).
// 孩子的健康状况 is sensitive and shown only to those with a child.
func (s *surveyEnv) standardSurvey(t *testing.T, edit func(map[string]any)) surveyJSON {
	t.Helper()
	id := s.createSurvey(t, edit)
	var sv surveyJSON
	for _, q := range []map[string]any{qDistrict, qHasChild, qConcerns, qSatisfaction, qMatrix, qSuggestion, qCommute, qRanking} {
		sv = s.addQuestion(t, id, q)
	}
	sv = s.addQuestion(t, id, map[string]any{"kind": "text", "title": "孩子的健康状况", "sensitive": true,
		"condition": map[string]any{"question_id": sv.qid(t, "家中是否有适龄儿童"), "option_ids": []string{"yes"}}})
	return sv
}

func (s *surveyEnv) open(t *testing.T, id int64) {
	t.Helper()
	s.Do("POST", fmt.Sprintf("/surveys/%d/open", id), s.staff, nil).Expect(t, 200, "")
}

func (s *surveyEnv) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// answers is a full valid response to the standard survey.
func answers(sv surveyJSON, t *testing.T, district string, child bool) []map[string]any {
	a := []map[string]any{
		{"question_id": sv.qid(t, "您居住的区"), "choices": []string{district}},
		{"question_id": sv.qid(t, "您对现行办法的满意度"), "value": 4},
		{"question_id": sv.qid(t, "请评价以下方面"), "rows": map[string]int{"r1": 5, "r2": 3}},
		{"question_id": sv.qid(t, "您最关注的问题"), "choices": []string{"fair", "other"}, "other_text": "=HYPERLINK(\"x\")"},
		{"question_id": sv.qid(t, "您的建议"), "text": "希望划片范围提前公布"},
		{"question_id": sv.qid(t, "请按重要性排序"), "ranking": []string{"quality", "near", "cost"}},
	}
	if child {
		a = append(a, map[string]any{"question_id": sv.qid(t, "家中是否有适龄儿童"), "choices": []string{"yes"}},
			map[string]any{"question_id": sv.qid(t, "孩子上学单程分钟数"), "number": 25})
	} else {
		a = append(a, map[string]any{"question_id": sv.qid(t, "家中是否有适龄儿童"), "choices": []string{"no"}})
	}
	return a
}

func TestSurveyBuilderAPI(t *testing.T) {
	s := newSurveyEnv(t)
	closes := s.Clock.Now().Add(7 * 24 * time.Hour)
	s.Do("POST", "/surveys", s.staff, surveyBody(closes, func(b map[string]any) { delete(b, "privacy_notice") })).Expect(t, 422, "privacy_notice_required")
	s.Do("POST", "/surveys", s.staff, surveyBody(closes, func(b map[string]any) {
		b["opens_at"] = closes.Add(time.Hour).Format(time.RFC3339)
	})).Expect(t, 422, "survey_window_invalid")
	s.Do("POST", "/surveys", s.resident, surveyBody(closes, nil)).Expect(t, 403, "")
	s.Do("POST", "/surveys", "", surveyBody(closes, nil)).Expect(t, 401, "")

	sv := s.standardSurvey(t, nil)
	path := fmt.Sprintf("/surveys/%d", sv.ID)
	if len(sv.Questions) != 9 || sv.Questions[8].Condition == nil || sv.Questions[8].Position != 9 {
		t.Fatalf("built %+v", sv.Questions)
	}
	district, hasChild := sv.qid(t, "您居住的区"), sv.qid(t, "家中是否有适龄儿童")

	// Conditions name an earlier choice question and its options.
	cases := []struct {
		name     string
		position int
		cond     map[string]any
		code     string
	}{
		{"later question", 3, map[string]any{"question_id": sv.qid(t, "孩子的健康状况"), "option_ids": []string{"yes"}}, "condition_not_earlier"},
		{"not a choice question", 0, map[string]any{"question_id": sv.qid(t, "您对现行办法的满意度"), "option_ids": []string{"1"}}, "condition_not_choice"},
		{"unknown option", 0, map[string]any{"question_id": district, "option_ids": []string{"sh"}}, "condition_option_unknown"},
		{"no options", 0, map[string]any{"question_id": district, "option_ids": []string{}}, "condition_invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.Do("POST", path+"/questions", s.staff, map[string]any{"kind": "text", "title": "追问", "position": c.position, "condition": c.cond}).Expect(t, 422, c.code)
		})
	}
	if n := s.count(t, `SELECT count(*) FROM survey_questions WHERE survey_id = $1`, sv.ID); n != 9 {
		t.Fatalf("%d questions after refused additions", n)
	}
	// Moving the condition's source after the question that depends on it,
	// or deleting it, is refused.
	healthPath := fmt.Sprintf("%s/questions/%d", path, sv.qid(t, "孩子的健康状况"))
	childPath := fmt.Sprintf("%s/questions/%d", path, hasChild)
	moved := map[string]any{}
	for k, v := range qHasChild {
		moved[k] = v
	}
	moved["position"] = 9
	s.Do("PUT", childPath, s.staff, moved).Expect(t, 422, "condition_not_earlier")
	s.Do("DELETE", childPath, s.staff, nil).Expect(t, 409, "survey_question_referenced")
	// Moving the dependent question first is fine; then it may go.
	var got surveyJSON
	s.Do("PUT", healthPath, s.staff, map[string]any{"kind": "text", "title": "孩子的健康状况", "sensitive": true, "position": 3,
		"condition": map[string]any{"question_id": hasChild, "option_ids": []string{"yes"}}}).Expect(t, 200, "").JSON(t, &got)
	if got.Questions[2].Title != "孩子的健康状况" || got.Questions[8].Title != "请按重要性排序" {
		t.Fatalf("order after move: %+v", got.Questions)
	}
	for i, q := range got.Questions {
		if q.Position != i+1 {
			t.Fatalf("positions %+v", got.Questions)
		}
	}
	// Only the survey's agency builds it; a draft is invisible to others.
	s.Do("PUT", healthPath, s.other, map[string]any{"kind": "text", "title": "x"}).Expect(t, 403, "not_survey_owner")
	s.Do("GET", path, s.resident, nil).Expect(t, 404, "survey_not_found")
	s.Do("GET", path, "", nil).Expect(t, 404, "survey_not_found")
	s.Do("GET", path, s.admin, nil).Expect(t, 200, "")
	s.Do("POST", path+"/open", s.other, nil).Expect(t, 403, "not_survey_owner")

	empty := s.createSurvey(t, nil)
	s.Do("POST", fmt.Sprintf("/surveys/%d/open", empty), s.staff, nil).Expect(t, 409, "survey_has_no_questions")

	s.open(t, sv.ID)
	s.Do("GET", path, "", nil).Expect(t, 200, "").JSON(t, &got)
	if got.Status != "open" || !got.AcceptingResponses || len(got.Questions) != 9 {
		t.Fatalf("opened: %+v", got)
	}
	// From opening on the survey is fixed.
	s.Do("PUT", path, s.staff, surveyBody(closes, nil)).Expect(t, 409, "survey_not_editable")
	s.Do("POST", path+"/questions", s.staff, qSuggestion).Expect(t, 409, "survey_not_editable")
	s.Do("PUT", healthPath, s.staff, map[string]any{"kind": "text", "title": "x"}).Expect(t, 409, "survey_not_editable")
	s.Do("DELETE", healthPath, s.staff, nil).Expect(t, 409, "survey_not_editable")
	s.Do("POST", path+"/open", s.staff, nil).Expect(t, 409, "survey_not_draft")

	var list struct {
		Surveys []surveyJSON `json:"surveys"`
	}
	s.Do("GET", "/surveys", "", nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Surveys) != 1 || list.Surveys[0].ID != sv.ID {
		t.Fatalf("public list %+v", list.Surveys)
	}
	s.Do("GET", "/surveys?mine=true", s.staff, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Surveys) != 2 {
		t.Fatalf("staff list %d", len(list.Surveys))
	}
}

func TestSurveyResponseAPI(t *testing.T) {
	s := newSurveyEnv(t)
	sv := s.standardSurvey(t, nil)
	s.open(t, sv.ID)
	path := fmt.Sprintf("/surveys/%d/responses", sv.ID)
	health := sv.qid(t, "孩子的健康状况")

	cases := []struct {
		name    string
		answers []map[string]any
		consent bool
		code    string
	}{
		{"hidden question answered", append(answers(sv, t, "xh", false), map[string]any{"question_id": health, "text": "过敏"}), false, "answer_to_hidden_question"},
		{"sensitive without consent", append(answers(sv, t, "xh", true), map[string]any{"question_id": health, "text": "过敏"}), false, "sensitive_consent_required"},
		{"required missing", answers(sv, t, "xh", true)[1:], false, "answer_required"},
		{"scale out of range", append(answers(sv, t, "xh", true)[2:], map[string]any{"question_id": sv.qid(t, "您居住的区"), "choices": []string{"xh"}},
			map[string]any{"question_id": sv.qid(t, "您对现行办法的满意度"), "value": 6}), false, "answer_out_of_range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.Do("POST", path, s.resident, map[string]any{"answers": c.answers, "sensitive_consent": c.consent}).Expect(t, 422, c.code)
			if !strings.Contains(string(r.Body), "body.answers.") {
				t.Fatalf("no answer named: %s", r.Body)
			}
		})
	}
	if n := s.count(t, `SELECT count(*) FROM survey_responses`); n != 0 {
		t.Fatalf("%d responses stored from refused submissions", n)
	}
	s.Do("POST", path, s.staff, map[string]any{"answers": answers(sv, t, "xh", false)}).Expect(t, 403, "")
	acct, tok := s.Account(identity.RoleResident, "")
	s.DB.Exec(context.Background(), `UPDATE accounts SET verified_at = NULL WHERE id = $1`, acct.ID)
	s.Do("POST", path, tok, map[string]any{"answers": answers(sv, t, "xh", false)}).Expect(t, 403, "phone_not_verified")

	s.Do("GET", path+"/mine", s.resident, nil).Expect(t, 404, "survey_response_not_found")
	body := map[string]any{"answers": append(answers(sv, t, "wd", true), map[string]any{"question_id": health, "text": "过敏性鼻炎"}), "sensitive_consent": true}
	key := map[string]string{"Idempotency-Key": "resp-1"}
	var first, again, mine struct {
		ID      int64            `json:"id"`
		Answers []map[string]any `json:"answers"`
	}
	r := s.DoHeaders("POST", path, s.resident, body, key).Expect(t, 201, "")
	r.JSON(t, &first)
	if h, ok := r.Header["Idempotent-Replayed"]; ok {
		t.Fatalf("first response marked replayed: %q", h)
	}
	if len(first.Answers) != 9 {
		t.Fatalf("stored answers %+v", first.Answers)
	}
	// A retry with the same key returns the first response, even with
	// another body; without it (or with another key) it is a second response.
	r = s.DoHeaders("POST", path, s.resident, map[string]any{"answers": answers(sv, t, "xh", false)}, key).Expect(t, 201, "")
	r.JSON(t, &again)
	if again.ID != first.ID || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry answered %+v (%v), first %d", again, r.Header, first.ID)
	}
	s.Do("POST", path, s.resident, body).Expect(t, 409, "survey_already_answered")
	s.DoHeaders("POST", path, s.resident, body, map[string]string{"Idempotency-Key": "resp-2"}).Expect(t, 409, "survey_already_answered")
	s.Do("GET", path+"/mine", s.resident, nil).Expect(t, 200, "").JSON(t, &mine)
	if mine.ID != first.ID {
		t.Fatalf("mine %d, first %d", mine.ID, first.ID)
	}
	if n := s.count(t, `SELECT count(*) FROM survey_responses`); n != 1 {
		t.Fatalf("%d responses stored", n)
	}
	if n := s.count(t, `SELECT count FROM survey_tallies WHERE question_id = 0`); n != 1 {
		t.Fatalf("respondents tally %d", n)
	}
}

// TestSurveyConcurrentDoubleResponse: the same resident submits twice at
// the same moment; the database lets one in and the other gets 409.
func TestSurveyConcurrentDoubleResponse(t *testing.T) {
	s := newSurveyEnv(t)
	sv := s.standardSurvey(t, nil)
	s.open(t, sv.ID)
	path := fmt.Sprintf("/surveys/%d/responses", sv.ID)
	const rounds = 5
	for i := 0; i < rounds; i++ {
		_, tok := s.Account(identity.RoleResident, "")
		body := map[string]any{"answers": answers(sv, t, "zh", false)}
		var wg sync.WaitGroup
		start := make(chan struct{})
		statuses := make([]*testenv.Response, 2)
		for j := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[j] = s.Do("POST", path, tok, body)
			}()
		}
		close(start)
		wg.Wait()
		created, refused := 0, 0
		for _, r := range statuses {
			switch {
			case r.Status == 201:
				created++
			case r.Status == 409 && r.Code() == "survey_already_answered":
				refused++
			default:
				t.Fatalf("round %d: %d %s", i, r.Status, r.Body)
			}
		}
		if created != 1 || refused != 1 {
			t.Fatalf("round %d: %d created, %d refused", i, created, refused)
		}
	}
	if n := s.count(t, `SELECT count(*) FROM survey_responses WHERE survey_id = $1`, sv.ID); n != rounds {
		t.Fatalf("%d responses", n)
	}
	if n := s.count(t, `SELECT count FROM survey_tallies WHERE survey_id = $1 AND question_id = 0`, sv.ID); n != rounds {
		t.Fatalf("respondent tally %d", n)
	}
}

// TestSurveyWindowAPI: answers are accepted from opens_at (inclusive) to
// closes_at (exclusive); the survey then closes by itself, and each step is
// in the linked decision's record.
func TestSurveyWindowAPI(t *testing.T) {
	s := newSurveyEnv(t)
	decision := s.handlingDecision(t, "education_culture")
	opens := s.Clock.Now().Add(24 * time.Hour)
	closes := opens.Add(7 * 24 * time.Hour)
	var sv surveyJSON
	s.Do("POST", "/surveys", s.staff, surveyBody(closes, func(b map[string]any) {
		b["opens_at"] = opens.Format(time.RFC3339)
		b["decision_id"] = decision
	})).Expect(t, 201, "").JSON(t, &sv)
	sv = s.addQuestion(t, sv.ID, qDistrict)
	s.open(t, sv.ID)
	// The close is a job in PostgreSQL, due at the end.
	if n := s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'close_survey' AND scheduled_at = $1
		AND args->>'survey_id' = $2`, closes, strconv.FormatInt(sv.ID, 10)); n != 1 {
		t.Fatalf("%d close jobs", n)
	}
	path := fmt.Sprintf("/surveys/%d/responses", sv.ID)
	respond := func() *testenv.Response {
		_, tok := s.Account(identity.RoleResident, "")
		return s.Do("POST", path, tok, map[string]any{"answers": []map[string]any{{"question_id": sv.Questions[0].ID, "choices": []string{"xh"}}}})
	}
	steps := []struct {
		at     time.Time
		status int
	}{
		{opens.Add(-time.Second), 409},
		{opens, 201},
		{closes.Add(-time.Second), 201},
		{closes, 409},
	}
	for _, st := range steps {
		s.Clock.Set(st.at)
		r := respond()
		if r.Status != st.status || (st.status == 409 && r.Code() != "survey_not_open") {
			t.Fatalf("at %v: %d %s", st.at, r.Status, r.Body)
		}
	}
	// Results are not public before the close. (Anonymous: the clock moved
	// past the resident's session, and an expired bearer token is refused.)
	s.Do("GET", fmt.Sprintf("/surveys/%d/results", sv.ID), "", nil).Expect(t, 403, "survey_results_not_public")
	if n, err := s.Survey.CloseDueSurveys(context.Background()); err != nil || n != 1 {
		t.Fatalf("closed %d: %v", n, err)
	}
	var got surveyJSON
	s.Do("GET", fmt.Sprintf("/surveys/%d", sv.ID), "", nil).Expect(t, 200, "").JSON(t, &got)
	if got.Status != "closed" || got.AcceptingResponses {
		t.Fatalf("after the end: %+v", got)
	}
	var res struct {
		Respondents int64 `json:"respondents"`
	}
	s.Do("GET", fmt.Sprintf("/surveys/%d/results", sv.ID), "", nil).Expect(t, 200, "").JSON(t, &res)
	if res.Respondents != 2 {
		t.Fatalf("respondents %d", res.Respondents)
	}
	var payload string
	if err := s.DB.QueryRow(context.Background(), `SELECT string_agg(kind || ' ' || payload, E'\n' ORDER BY seq) FROM record_entries
		WHERE decision_id = $1 AND kind LIKE 'survey_%'`, decision).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(payload, "survey_opened") || !strings.Contains(payload, "survey_closed") || !strings.Contains(payload, `"respondents":2`) {
		t.Fatalf("record: %s", payload)
	}
	var v struct {
		OK bool `json:"ok"`
	}
	// Anonymous: verifying is public, and the staff session has expired.
	s.Do("POST", fmt.Sprintf("/decisions/%d/record/verify", decision), "", nil).Expect(t, 200, "").JSON(t, &v)
	if !v.OK {
		t.Fatal("record chain broken")
	}
}

// handlingDecision creates a decision of 市教育局 in the domain and takes
// it through a consultation into handling; it returns its id. The clock is
// left after the consultation's end.
func (s *surveyEnv) handlingDecision(t *testing.T, domain string) int64 {
	t.Helper()
	var d struct {
		ID int64 `json:"id"`
	}
	s.Do("POST", "/decisions", s.staff, map[string]any{"title": "平顶山市城区义务教育学校招生入学办法", "category": "public_services",
		"domain": domain, "decision_body": "pdsszf", "lead_agency": "jyj"}).Expect(t, 201, "").JSON(t, &d)
	s.Do("POST", fmt.Sprintf("/decisions/%d/versions", d.ID), s.staff, map[string]any{
		"text": "第一条 为规范城区义务教育学校招生入学工作，制定本办法。\n第二条 本办法适用于本市城区公办义务教育学校。", "explanation": "起草说明"}).Expect(t, 201, "")
	s.Do("POST", fmt.Sprintf("/decisions/%d/consultation", d.ID), s.staff, map[string]any{
		"ends_at": s.Clock.Now().Add(consultation.MinConsultationWindow).Format(time.RFC3339), "ways_to_comment": "登录本平台提出意见"}).Expect(t, 201, "")
	s.CloseConsultations()
	s.signInAgain(t)
	return d.ID
}

func surveyGate(t *testing.T, s *surveyEnv, decision int64) (applies, passed bool) {
	t.Helper()
	acct, err := s.Identity.Authenticate(context.Background(), s.staff)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Consultation.DecisionGates(context.Background(), &acct, decision)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != consultation.StatusHandling || rep.NextStage != consultation.StatusUnderReview {
		t.Fatalf("decision in %s → %s", rep.Status, rep.NextStage)
	}
	for _, g := range rep.Gates {
		if g.Code == "survey_required" {
			return true, g.Passed
		}
	}
	return false, false
}

// TestSurveyGateAPI: a livelihood decision may enter legality review only
// after a linked survey has closed or a waiver reason was recorded.
func TestSurveyGateAPI(t *testing.T) {
	s := newSurveyEnv(t)
	withSurvey := s.handlingDecision(t, "education_culture")
	if applies, passed := surveyGate(t, s, withSurvey); !applies || passed {
		t.Fatalf("before any survey: applies %v passed %v", applies, passed)
	}
	var sv surveyJSON
	s.Do("POST", "/surveys", s.staff, surveyBody(s.Clock.Now().Add(7*24*time.Hour), func(b map[string]any) { b["decision_id"] = withSurvey })).
		Expect(t, 201, "").JSON(t, &sv)
	s.addQuestion(t, sv.ID, qDistrict)
	s.open(t, sv.ID)
	if _, passed := surveyGate(t, s, withSurvey); passed {
		t.Fatal("an open survey passes the gate")
	}
	s.Do("POST", fmt.Sprintf("/surveys/%d/close", sv.ID), s.other, nil).Expect(t, 403, "not_survey_owner")
	s.Do("POST", fmt.Sprintf("/surveys/%d/close", sv.ID), s.staff, nil).Expect(t, 200, "")
	s.Do("POST", fmt.Sprintf("/surveys/%d/close", sv.ID), s.staff, nil).Expect(t, 409, "survey_not_open")
	// Issue 13: a survey nobody answered measured nothing.
	if _, passed := surveyGate(t, s, withSurvey); passed {
		t.Fatal("a closed survey with zero responses passes the gate")
	}
	// One response: the platform's floor. The body may ask for more.
	var sv2 surveyJSON
	s.Do("POST", "/surveys", s.staff, surveyBody(s.Clock.Now().Add(7*24*time.Hour), func(b map[string]any) { b["decision_id"] = withSurvey })).
		Expect(t, 201, "").JSON(t, &sv2)
	sv2 = s.addQuestion(t, sv2.ID, qDistrict)
	s.open(t, sv2.ID)
	s.Do("POST", fmt.Sprintf("/surveys/%d/responses", sv2.ID), s.resident, map[string]any{"answers": []map[string]any{
		{"question_id": sv2.qid(t, "您居住的区"), "choices": []string{"xh"}}}}).Expect(t, 201, "")
	s.Do("POST", fmt.Sprintf("/surveys/%d/close", sv2.ID), s.staff, nil).Expect(t, 200, "")
	if _, passed := surveyGate(t, s, withSurvey); !passed {
		t.Fatal("a closed survey with one response does not pass the gate")
	}
	s.Do("PUT", "/decision-bodies/pdsszf/settings", s.admin, map[string]any{"survey_min_responses": 2, "catalogue_required": false,
		"feedback_threshold": 0}).Expect(t, 200, "")
	if _, passed := surveyGate(t, s, withSurvey); passed {
		t.Fatal("one response passes a body minimum of two")
	}
	s.Do("PUT", "/decision-bodies/pdsszf/settings", s.admin, map[string]any{"survey_min_responses": 1, "catalogue_required": false,
		"feedback_threshold": 0}).Expect(t, 200, "")
	if _, passed := surveyGate(t, s, withSurvey); !passed {
		t.Fatal("one response fails a body minimum of one")
	}

	// A survey can only be linked to a decision the agency leads.
	s.Do("POST", "/surveys", s.other, surveyBody(s.Clock.Now().Add(time.Hour), func(b map[string]any) { b["decision_id"] = withSurvey })).
		Expect(t, 422, "survey_decision_not_lead_unit")
	s.Do("POST", "/surveys", s.staff, surveyBody(s.Clock.Now().Add(time.Hour), func(b map[string]any) { b["decision_id"] = 999999 })).
		Expect(t, 422, "survey_decision_not_found")

	waived := s.handlingDecision(t, "health")
	path := fmt.Sprintf("/decisions/%d/survey-waiver", waived)
	s.Do("POST", path, s.other, map[string]any{"reason": "理由"}).Expect(t, 403, "not_lead_unit_staff")
	s.Do("POST", path, s.resident, map[string]any{"reason": "理由"}).Expect(t, 403, "")
	s.Do("POST", path, s.staff, map[string]any{"reason": "  "}).Expect(t, 422, "waiver_reason_required")
	if _, passed := surveyGate(t, s, waived); passed {
		t.Fatal("passes before the waiver")
	}
	s.Do("POST", path, s.staff, map[string]any{"reason": "本事项已于去年开展过同一内容的民意调查"}).Expect(t, 201, "")
	s.Do("POST", path, s.staff, map[string]any{"reason": "再次"}).Expect(t, 409, "survey_requirement_already_waived")
	if _, passed := surveyGate(t, s, waived); !passed {
		t.Fatal("the waiver does not pass the gate")
	}
	if n := s.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1 AND kind = 'survey_requirement_waived'
		AND payload LIKE '%去年开展过%'`, waived); n != 1 {
		t.Fatalf("%d waiver entries", n)
	}

	other := s.handlingDecision(t, "other")
	if applies, _ := surveyGate(t, s, other); applies {
		t.Fatal("the gate applies outside the livelihood domains")
	}
	s.Do("POST", fmt.Sprintf("/decisions/%d/survey-waiver", other), s.staff, map[string]any{"reason": "理由"}).Expect(t, 409, "survey_not_required")
}

// TestSurveyAnonymityAPI: an anonymous survey's rows name no account, and
// nothing in results or exports leads back to one; an identified survey
// keeps the account in the row but still exports no personal data.
func TestSurveyAnonymityAPI(t *testing.T) {
	s := newSurveyEnv(t)
	anon := s.standardSurvey(t, nil)
	named := s.standardSurvey(t, func(b map[string]any) { b["anonymous"] = false })
	for _, sv := range []surveyJSON{anon, named} {
		s.open(t, sv.ID)
		s.Do("POST", fmt.Sprintf("/surveys/%d/responses", sv.ID), s.resident, map[string]any{"answers": answers(sv, t, "xh", true)}).Expect(t, 201, "")
	}
	var nulls, linked int
	s.DB.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE account_id IS NULL), count(*) FILTER (WHERE account_id = $1)
		FROM survey_responses`, s.residentAcct.ID).Scan(&nulls, &linked)
	if nulls != 1 || linked != 1 {
		t.Fatalf("anonymous rows %d, linked rows %d", nulls, linked)
	}
	var rk string
	s.DB.QueryRow(context.Background(), `SELECT respondent_key FROM survey_responses WHERE survey_id = $1`, anon.ID).Scan(&rk)
	if len(rk) != 64 || strings.Contains(rk, strconv.FormatInt(s.residentAcct.ID, 10)+":") {
		t.Fatalf("respondent key %q", rk)
	}
	personal := []string{*s.residentAcct.Phone, s.residentAcct.DisplayName, s.residentAcct.Pseudonym, `"account`}
	for _, sv := range []surveyJSON{anon, named} {
		results := s.Do("GET", fmt.Sprintf("/surveys/%d/results", sv.ID), s.staff, nil).Expect(t, 200, "")
		csvBody := s.Do("GET", fmt.Sprintf("/surveys/%d/responses/export?format=csv", sv.ID), s.staff, nil).Expect(t, 200, "")
		xlsxBody := s.Do("GET", fmt.Sprintf("/surveys/%d/responses/export?format=xlsx", sv.ID), s.staff, nil).Expect(t, 200, "")
		resultsXLSX := s.Do("GET", fmt.Sprintf("/surveys/%d/results/export", sv.ID), s.staff, nil).Expect(t, 200, "")
		rows := xlsxRows(t, xlsxBody.Body)
		texts := map[string]string{"results": string(results.Body), "csv": string(csvBody.Body), "xlsx": fmt.Sprint(rows),
			"results xlsx": fmt.Sprint(xlsxRows(t, resultsXLSX.Body))}
		for name, text := range texts {
			for _, p := range personal {
				if strings.Contains(text, p) {
					t.Errorf("survey %d %s contains %q", sv.ID, name, p)
				}
			}
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvBody.Body, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || len(rows) != 2 || len(recs[0]) != len(rows[0]) {
			t.Fatalf("csv %d rows, xlsx %d rows", len(recs), len(rows))
		}
		header := strings.Join(recs[0], "|")
		for _, col := range []string{"第3题 您最关注的问题：公平", "第3题 您最关注的问题：信息公开", "第3题 您最关注的问题：其他（内容）", "第5题 请评价以下方面：报名便利", "第8题 请按重要性排序：质量（名次）"} {
			if !strings.Contains(header, col) {
				t.Errorf("no column %q in %s", col, header)
			}
		}
		// Staff read the columns in Chinese: 第3题, not Q3.
		if !strings.Contains(texts["results xlsx"], "第1题 ") || strings.Contains(header+texts["results xlsx"], "Q1.") {
			t.Errorf("question numbers not in Chinese: %s", header)
		}
		if strings.Contains(header, "提交时间") == (sv.ID == anon.ID) {
			t.Errorf("survey %d: time column %v", sv.ID, header)
		}
		// The typed "other" text is not a formula in the CSV.
		if !strings.Contains(string(csvBody.Body), `'=HYPERLINK`) {
			t.Error("formula not neutralised")
		}
	}
	s.Do("GET", fmt.Sprintf("/surveys/%d/responses/export", anon.ID), s.other, nil).Expect(t, 403, "not_survey_owner")
	s.Do("GET", fmt.Sprintf("/surveys/%d/responses/export", anon.ID), s.resident, nil).Expect(t, 403, "")
}

func xlsxRows(t *testing.T, b []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestSurveyResultsAPI checks results and a cross-tabulation against
// counts worked out by hand.
func TestSurveyResultsAPI(t *testing.T) {
	s := newSurveyEnv(t)
	sv := s.standardSurvey(t, nil)
	s.open(t, sv.ID)
	path := fmt.Sprintf("/surveys/%d", sv.ID)
	for _, r := range []struct {
		district string
		child    bool
	}{{"xh", true}, {"xh", false}, {"wd", true}, {"xh", true}} {
		_, tok := s.Account(identity.RoleResident, "")
		s.Do("POST", path+"/responses", tok, map[string]any{"answers": answers(sv, t, r.district, r.child)}).Expect(t, 201, "")
	}
	var res struct {
		Respondents         int64 `json:"respondents"`
		TextAnswersIncluded bool  `json:"text_answers_included"`
		Questions           []struct {
			Title    string `json:"title"`
			Answered int64  `json:"answered"`
			Options  []struct {
				ID      string  `json:"id"`
				Count   int64   `json:"count"`
				Percent float64 `json:"percent"`
			} `json:"options"`
			Mean    *float64 `json:"mean"`
			Median  *float64 `json:"median"`
			Ranking []struct {
				ID          string  `json:"id"`
				AverageRank float64 `json:"average_rank"`
			} `json:"ranking"`
			TextAnswers []string `json:"text_answers"`
		} `json:"questions"`
	}
	s.Do("GET", path+"/results", s.staff, nil).Expect(t, 200, "").JSON(t, &res)
	if res.Respondents != 4 || !res.TextAnswersIncluded {
		t.Fatalf("respondents %d", res.Respondents)
	}
	byTitle := map[string]int{}
	for i, q := range res.Questions {
		byTitle[q.Title] = i
	}
	d := res.Questions[byTitle["您居住的区"]]
	if d.Options[0].Count != 3 || d.Options[0].Percent != 75 || d.Options[1].Count != 1 || d.Options[2].Count != 0 {
		t.Fatalf("district %+v", d.Options)
	}
	if c := res.Questions[byTitle["孩子上学单程分钟数"]]; c.Answered != 3 || *c.Mean != 25 || *c.Median != 25 {
		t.Fatalf("commute %+v", c)
	}
	if r := res.Questions[byTitle["请按重要性排序"]]; r.Ranking[1].ID != "quality" || r.Ranking[1].AverageRank != 1 {
		t.Fatalf("ranking %+v", r.Ranking)
	}
	if txt := res.Questions[byTitle["您的建议"]].TextAnswers; len(txt) != 4 {
		t.Fatalf("text answers %v", txt)
	}
	// Text answers are for the survey's staff only; results are not public
	// while the survey is open.
	s.Do("GET", path+"/results", s.other, nil).Expect(t, 403, "survey_results_not_public")

	var ct struct {
		Counts      [][]int64 `json:"counts"`
		RowTotals   []int64   `json:"row_totals"`
		Respondents int64     `json:"respondents"`
	}
	q := fmt.Sprintf("%s/crosstab?row_question=%d&column_question=%d", path, sv.qid(t, "您居住的区"), sv.qid(t, "家中是否有适龄儿童"))
	s.Do("GET", q, s.staff, nil).Expect(t, 200, "").JSON(t, &ct)
	want := [][]int64{{2, 1}, {1, 0}, {0, 0}}
	if fmt.Sprint(ct.Counts) != fmt.Sprint(want) || ct.Respondents != 4 || fmt.Sprint(ct.RowTotals) != "[3 1 0]" {
		t.Fatalf("crosstab %+v", ct)
	}
	s.Do("GET", fmt.Sprintf("%s/crosstab?row_question=%d&column_question=%d", path, sv.qid(t, "您居住的区"), sv.qid(t, "您的建议")), s.staff, nil).
		Expect(t, 422, "crosstab_question_not_choice")

	s.Do("POST", path+"/close", s.staff, nil).Expect(t, 200, "")
	var public struct {
		TextAnswersIncluded bool `json:"text_answers_included"`
		Questions           []struct {
			TextAnswers []string `json:"text_answers"`
		} `json:"questions"`
	}
	s.Do("GET", path+"/results", "", nil).Expect(t, 200, "").JSON(t, &public)
	for _, q := range public.Questions {
		if len(q.TextAnswers) > 0 || public.TextAnswersIncluded {
			t.Fatal("public results carry text answers")
		}
	}
	// The public crosstab of so few respondents shows no cell but the
	// empty ones: the one respondent of 卫东区 and whether they have a
	// child were there for anyone to read (outside check sec2).
	var publicCT struct {
		Counts    [][]*int64 `json:"counts"`
		RowTotals []int64    `json:"row_totals"`
	}
	s.Do("GET", q, "", nil).Expect(t, 200, "").JSON(t, &publicCT)
	var cells []string
	for _, row := range publicCT.Counts {
		for _, c := range row {
			if c == nil {
				cells = append(cells, "-")
			} else {
				cells = append(cells, fmt.Sprint(*c))
			}
		}
	}
	if got := strings.Join(cells, " "); got != "- - - - 0 0" || fmt.Sprint(publicCT.RowTotals) != "[3 1 0]" {
		t.Errorf("the public crosstab shows %s (row totals %v), want - - - - 0 0", got, publicCT.RowTotals)
	}
	s.Do("GET", q, s.staff, nil).Expect(t, 200, "").JSON(t, &ct)
	if fmt.Sprint(ct.Counts) != fmt.Sprint(want) {
		t.Errorf("the survey's staff see %v after the close, want every cell %v", ct.Counts, want)
	}
}
