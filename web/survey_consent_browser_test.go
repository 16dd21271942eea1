package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/survey"
)

// TestSurveyConsentDeclinedInBrowser: a resident who declines the separate
// consent for sensitive questions (PIPL Art. 29) submits the rest of the
// survey (PIPL Art. 16). While the consent box is unticked the sensitive
// question is marked as skipped and its input is off, so what the resident
// typed there before unticking is not sent; the response is stored
// without it. On a phone and a desktop; the page passes axe as it stands.
func TestSurveyConsentDeclinedInBrowser(t *testing.T) {
	e := testenv.New(t)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	ctx := context.Background()
	sv, err := e.Survey.CreateSurvey(ctx, &staff, survey.Input{Title: "城区义务教育学校招生入学办法民意调查",
		ClosesAt: e.Clock.Now().Add(14 * 24 * time.Hour), Anonymous: true,
		PrivacyNotice: "平顶山市教育局收集您的回答，仅用于本次决策参考，保存两年。"})
	must(t, err)
	for _, q := range []survey.QuestionInput{
		yesNo("您是否赞成按学区划片招生？"),
		{Kind: survey.KindText, Title: "孩子的健康状况（如需学校特别照顾）", Sensitive: true, Config: survey.Config{MaxLength: 200}},
		{Kind: survey.KindScale, Title: "您对招生办法的总体评价", Required: true,
			Config: survey.Config{ScaleMin: 1, ScaleMax: 5, MinLabel: "很不满意", MaxLabel: "很满意"}},
	} {
		sv, _, err = e.Survey.AddQuestion(ctx, &staff, sv.ID, q)
		must(t, err)
	}
	_, err = e.Survey.OpenSurvey(ctx, &staff, sv.ID)
	must(t, err)
	yes, health, rating := "q-"+strconv.FormatInt(sv.Questions[0].ID, 10), "q-"+strconv.FormatInt(sv.Questions[1].ID, 10),
		"q-"+strconv.FormatInt(sv.Questions[2].ID, 10)

	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			resident, _ := e.Account(identity.RoleResident, "")
			b := chrome(t, vp.size, 40*time.Second)
			must(t, chromedp.Do(b, signInSteps(e.URL, *resident.Phone),
				chromedp.Navigate(e.URL+"/surveys/"+strconv.FormatInt(sv.ID, 10)),
				chromedp.WaitVisible(chromedp.CSS(`form.survey-form`))))
			consent := textOf(t, b, chromedp.ID("consent"))
			wantContains(t, "consent box", consent, "第2题", "第十六条", "不影响")
			if strings.Contains(consent, "无法提交") {
				t.Errorf("the consent box says declining stops the survey: %q", consent)
			}
			off := func() bool {
				v, err := chromedp.Run(b, chromedp.Evaluate[bool](`document.getElementById('`+health+`-input').disabled`))
				must(t, err)
				return v
			}
			if !off() {
				t.Fatal("without the consent the sensitive question can be filled in")
			}
			wantContains(t, "sensitive question", textOf(t, b, chromedp.ID(health)), "跳过")
			// The resident consents, writes, then changes their mind.
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.ID("f-sensitive_consent")),
				chromedp.SendKeys(chromedp.ID(health+"-input"), "哮喘"),
				chromedp.Click(chromedp.ID("f-sensitive_consent")),
				chromedp.Click(chromedp.CSS(`label[for="`+yes+`-yes"]`)),
				chromedp.Click(chromedp.CSS(`label[for="`+rating+`-v4"]`)),
			))
			if !off() {
				t.Fatal("after unticking the consent the sensitive answer would be sent")
			}
			noSideScroll(t, b, "survey form")
			browsertest.Axe(t, b, vp.name+" survey, consent declined")
			browsertest.Screenshot(t, b, "resident-survey-consent-declined-"+vp.name)
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`form.survey-form button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok, #error-summary`)),
			))
			main := textOf(t, b, chromedp.CSS("main"))
			if !strings.Contains(main, "感谢您的参与") {
				t.Fatalf("declining the consent, the survey was not submitted: %q", main)
			}
			browsertest.Screenshot(t, b, "resident-survey-consent-declined-thanks-"+vp.name)
			r, err := e.Survey.MyResponse(ctx, &resident, sv.ID)
			must(t, err)
			if _, ok := r.Answers[sv.Questions[1].ID]; ok || r.SensitiveConsent || len(r.Answers) != 2 {
				t.Errorf("stored %+v (consent %v)", r.Answers, r.SensitiveConsent)
			}
		})
	}
}
