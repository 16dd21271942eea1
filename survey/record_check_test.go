package survey_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/survey"
)

// TestRecordVerifyCatchesRewrittenResults rewrites a closed survey's results
// in the database: the respondents' count (a livelihood decision's survey
// counts as held only when it reached its target, the survey_required
// gate), an answer's count (the public charts), a response removed. The
// survey_closed entry records how many answered and what the results were,
// and verification must name it.
func TestRecordVerifyCatchesRewrittenResults(t *testing.T) {
	cases := []struct {
		name, sql string // $1: survey id
		problem   string
	}{
		{"Respondents", `UPDATE survey_tally_shards SET count = count + 30 WHERE survey_id = $1 AND question_id = 0 AND answer_key = 'respondents'`,
			"respondents"},
		{"AnswerCount", `UPDATE survey_tally_shards SET count = count + 2 WHERE survey_id = $1 AND question_id <> 0 AND answer_key = 'c:o1'`,
			"results"},
		{"AnswersRewritten", `UPDATE survey_responses SET answers = (SELECT answers FROM survey_responses WHERE survey_id = $1 ORDER BY id OFFSET 1 LIMIT 1)
			WHERE id = (SELECT max(id) FROM survey_responses WHERE survey_id = $1)`, "responses differ"},
		{"ResponseRemoved", `DELETE FROM survey_responses WHERE id = (SELECT max(id) FROM survey_responses WHERE survey_id = $1)`,
			"responses"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := testenv.New(t)
			ctx := context.Background()
			e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
			e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
			staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
			d, err := e.Consultation.CreateDecision(ctx, &staff, consultation.DecisionInput{Title: "平顶山市中小学课后服务管理办法",
				Category: consultation.CategorySocialManagement, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
			if err != nil {
				t.Fatal(err)
			}
			sv, err := e.Survey.CreateSurvey(ctx, &staff, survey.Input{Title: "课后服务民意调查", DecisionID: &d.ID,
				ClosesAt: e.Clock.Now().Add(20 * 24 * time.Hour), PrivacyNotice: "仅用于决策参考，保存一年。"})
			if err != nil {
				t.Fatal(err)
			}
			if sv, _, err = e.Survey.AddQuestion(ctx, &staff, sv.ID, survey.QuestionInput{Kind: survey.KindSingleChoice, Title: "是否赞成",
				Required: true, Config: survey.Config{Options: []survey.Option{{Label: "赞成"}, {Label: "反对"}}}}); err != nil {
				t.Fatal(err)
			}
			if sv, err = e.Survey.OpenSurvey(ctx, &staff, sv.ID); err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				r, _ := e.Account(identity.RoleResident, "")
				if _, _, err := e.Survey.SubmitResponse(ctx, &r, sv.ID, survey.ResponseInput{Answers: []survey.Answer{
					{QuestionID: sv.Questions[0].ID, Choices: []string{[]string{"o1", "o2"}[i%2]}}}}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.Survey.CloseSurvey(ctx, &staff, sv.ID); err != nil {
				t.Fatal(err)
			}
			if r, err := record.Verify(ctx, e.DB, d.ID); err != nil || !r.OK {
				t.Fatalf("intact record: %+v, %v", r, err)
			}
			var closed int64
			if err := e.DB.QueryRow(ctx, `SELECT seq FROM record_entries WHERE decision_id = $1 AND kind = 'survey_closed'`, d.ID).
				Scan(&closed); err != nil {
				t.Fatal(err)
			}
			if _, err := e.DB.Exec(ctx, c.sql, sv.ID); err != nil {
				t.Fatal(err)
			}
			r, err := record.Verify(ctx, e.DB, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.FirstBadSeq != closed || !strings.Contains(r.Problem, c.problem) {
				t.Fatalf("want entry %d broken (%s), got %+v", closed, c.problem, r)
			}
		})
	}
}
