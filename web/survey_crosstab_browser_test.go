package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/survey"
)

// TestSurveyCrosstabWithholdsSmallCells: the public results of an anonymous
// survey cross-tabulated 您住在哪栋楼 by 是否同意加装电梯 and showed the one
// respondent of building 3 with their answer (outside check sec2). To the
// public, cells of fewer than five respondents, and those hidden with them,
// read 不公开 with a note; the survey's staff still see every number.
func TestSurveyCrosstabWithholdsSmallCells(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			bg := context.Background()
			e := newPagesEnv(t)
			opts := func(labels ...string) []survey.Option {
				out := make([]survey.Option, len(labels))
				for i, l := range labels {
					out[i] = survey.Option{ID: fmt.Sprintf("o%d", i+1), Label: l}
				}
				return out
			}
			sv := e.newSurvey(t, survey.Input{Title: "老旧小区加装电梯意愿调查", Anonymous: true, ResultsPublicAfterClose: true},
				survey.QuestionInput{Kind: survey.KindSingleChoice, Title: "您住在哪栋楼", Required: true,
					Config: survey.Config{Options: opts("1号楼", "2号楼", "3号楼")}},
				survey.QuestionInput{Kind: survey.KindSingleChoice, Title: "是否同意加装电梯", Required: true,
					Config: survey.Config{Options: opts("同意", "不同意")}})
			e.openSurvey(t, sv.ID)
			// 1号楼: 8 agree, 6 against; 2号楼: 7 and 5; 3号楼: one against.
			answers := [][2]string{}
			for range 8 {
				answers = append(answers, [2]string{"o1", "o1"})
			}
			for range 6 {
				answers = append(answers, [2]string{"o1", "o2"})
			}
			for range 7 {
				answers = append(answers, [2]string{"o2", "o1"})
			}
			for range 5 {
				answers = append(answers, [2]string{"o2", "o2"})
			}
			answers = append(answers, [2]string{"o3", "o2"})
			for _, a := range answers {
				_, token := e.Account(identity.RoleResident, "")
				_, _, err := e.Survey.SubmitResponse(bg, mustAccount(t, e, token), sv.ID, survey.ResponseInput{Answers: []survey.Answer{
					{QuestionID: sv.Questions[0].ID, Choices: []string{a[0]}}, {QuestionID: sv.Questions[1].ID, Choices: []string{a[1]}}}})
				must(t, err)
			}
			_, err := e.Survey.CloseSurvey(bg, &e.staff, sv.ID)
			must(t, err)
			url := fmt.Sprintf("%s/surveys/%d/results?row=%d&column=%d#crosstab", e.URL, sv.ID, sv.Questions[0].ID, sv.Questions[1].ID)
			table := func(token, shot string) string {
				ctx := chrome(t, vp.size, 30*time.Second)
				if token != "" {
					sessionCookie(t, ctx, e.URL, token)
				}
				must(t, chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("table.crosstab-table"))))
				browsertest.Screenshot(t, ctx, shot)
				cells, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("table.crosstab-table tbody tr")].map(tr =>
					[...tr.querySelectorAll("td")].map(td => td.innerText.split("\n")[0]).join(" ")).join(" / ")`))
				must(t, err)
				if token == "" {
					note, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("crosstab-withheld") || {}).innerText || ""`))
					must(t, err)
					if !strings.Contains(note, "不足5人") {
						t.Errorf("no note on the withheld cells: %q", note)
					}
					noSideScroll(t, ctx, "public crosstab")
				}
				return cells
			}
			// The one respondent of 3号楼 is hidden, and so is the other
			// cell of that row (its total would give the answer back), the
			// smallest other cell of 不同意 (2号楼's 5: the question's own
			// count would), and 2号楼's 同意 with it.
			if got, want := table("", "survey-crosstab-public-"+vp.name), "8 6 14 / 不公开 不公开 12 / 不公开 不公开 1"; got != want {
				t.Errorf("the public crosstab reads %q, want %q", got, want)
			}
			if got, want := table(e.staffToken, "survey-crosstab-staff-"+vp.name), "8 6 14 / 7 5 12 / 0 1 1"; got != want {
				t.Errorf("staff read %q, want %q", got, want)
			}
		})
	}
}
