package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/survey"
)

func ptr[T any](v T) *T { return &v }

// newSurvey creates a survey of the education bureau with the questions,
// through the service, and returns it with its questions.
func (e *pagesEnv) newSurvey(t *testing.T, in survey.Input, qs ...survey.QuestionInput) survey.Survey {
	t.Helper()
	ctx := context.Background()
	if in.Title == "" {
		in.Title = "城区义务教育学校招生入学办法民意调查"
	}
	if in.PrivacyNotice == "" {
		in.PrivacyNotice = "平顶山市教育局收集您的回答，仅用于本次决策参考，保存两年。"
	}
	if in.ClosesAt.IsZero() {
		in.ClosesAt = e.Clock.Now().Add(14 * 24 * time.Hour)
	}
	sv, err := e.Survey.CreateSurvey(ctx, &e.staff, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		if sv, _, err = e.Survey.AddQuestion(ctx, &e.staff, sv.ID, q); err != nil {
			t.Fatalf("add %q: %v", q.Title, err)
		}
	}
	return sv
}

func (e *pagesEnv) openSurvey(t *testing.T, id int64) {
	t.Helper()
	if _, err := e.Survey.OpenSurvey(context.Background(), &e.staff, id); err != nil {
		t.Fatal(err)
	}
}

func yesNo(title string) survey.QuestionInput {
	return survey.QuestionInput{Kind: survey.KindSingleChoice, Title: title, Required: true,
		Config: survey.Config{Options: []survey.Option{{ID: "yes", Label: "是"}, {ID: "no", Label: "否"}}}}
}

// fieldsetOf returns the markup of a question's fieldset on the page.
func fieldsetOf(t *testing.T, body string, id int64) string {
	t.Helper()
	at := strings.Index(body, `id="q-`+strconv.FormatInt(id, 10)+`"`)
	if at < 0 {
		t.Fatalf("no fieldset for question %d\n%s", id, snippet(body))
	}
	start := strings.LastIndex(body[:at], "<fieldset")
	end := strings.Index(body[start:], "</fieldset>")
	return body[start : start+end]
}

// TestSurveyRefusedAnswerShownNextToQuestion: a resident's answers the
// service refuses come back with each message inside its question's
// fieldset, an error summary at the top linking to it, and the answers
// kept; a valid response leads to the thank-you page, and a second visit
// says the survey was answered.
func TestSurveyRefusedAnswerShownNextToQuestion(t *testing.T) {
	e := newPagesEnv(t)
	sv := e.newSurvey(t, survey.Input{},
		yesNo("您家中是否有适龄儿童？"),
		survey.QuestionInput{Kind: survey.KindNumber, Title: "孩子的年龄", Sensitive: true,
			Config: survey.Config{NumberMin: ptr(0.0), NumberMax: ptr(18.0), Integer: true}},
		survey.QuestionInput{Kind: survey.KindScale, Title: "您对招生办法的总体评价", Required: true,
			Config: survey.Config{ScaleMin: 1, ScaleMax: 5, MinLabel: "很不满意", MaxLabel: "很满意"}},
	)
	child, age, rating := sv.Questions[0], sv.Questions[1], sv.Questions[2]
	// Only residents with children are asked for the age.
	age.Condition = &survey.Condition{QuestionID: child.ID, OptionIDs: []string{"yes"}}
	in := survey.QuestionInput{Kind: age.Kind, Title: age.Title, Sensitive: true, Config: age.Config, Condition: age.Condition}
	if _, err := e.Survey.UpdateQuestion(context.Background(), &e.staff, sv.ID, age.ID, in); err != nil {
		t.Fatal(err)
	}
	e.openSurvey(t, sv.ID)
	_, token := e.Account(identity.RoleResident, "")
	b := newBrowser(t, e.URL, token)
	path := "/surveys/" + strconv.FormatInt(sv.ID, 10)

	status, body := b.get(path)
	wantStatus(t, "survey page", status, http.StatusOK, body)
	for _, want := range []string{"个人信息处理说明", "平顶山市教育局收集您的回答", `name="idempotency_key"`, `id="f-sensitive_consent"`,
		"（必答）", `<legend>`, `data-cond-name="q` + strconv.FormatInt(child.ID, 10) + `"`, "仅当第1题选择了“是”时回答本题", "/static/survey.js"} {
		if !strings.Contains(body, want) {
			t.Errorf("survey page lacks %q", want)
		}
	}
	if regexp.MustCompile(`id="f-sensitive_consent"[^>]*checked`).MatchString(body) {
		t.Error("the sensitive consent is pre-ticked")
	}
	if strings.Index(body, "个人信息处理说明") > strings.Index(body, `id="q-`) {
		t.Error("the privacy notice comes after the questions")
	}
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(body)[1]

	// An age out of range and no consent: refused, nothing stored.
	form := url.Values{"idempotency_key": {key}, "q" + strconv.FormatInt(child.ID, 10): {"yes"},
		"q" + strconv.FormatInt(age.ID, 10): {"25"}, "q" + strconv.FormatInt(rating.ID, 10): {"4"}}
	status, body = b.post(path, form)
	wantStatus(t, "refused response", status, http.StatusUnprocessableEntity, body)
	fs := fieldsetOf(t, body, age.ID)
	if !strings.Contains(fs, "has-error") || !strings.Contains(fs, "须单独勾选同意") || !strings.Contains(fs, `aria-describedby="`) {
		t.Errorf("the consent refusal is not at its question:\n%s", fs)
	}
	if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `href="#f-sensitive_consent"`) {
		t.Error("no error summary linking to the consent")
	}
	if !strings.Contains(fieldsetOf(t, body, rating.ID), `value="4" checked`) {
		t.Error("the rating given was not kept")
	}

	form.Set("sensitive_consent", "on")
	status, body = b.post(path, form)
	wantStatus(t, "out of range", status, http.StatusUnprocessableEntity, body)
	fs = fieldsetOf(t, body, age.ID)
	if !strings.Contains(fs, "数值超出允许范围") || !strings.Contains(fs, `value="25"`) {
		t.Errorf("the range refusal is not at its question:\n%s", fs)
	}
	if !strings.Contains(body, `<a href="#q-`+strconv.FormatInt(age.ID, 10)+`">第2题：数值超出允许范围`) {
		t.Error("the error summary does not link to the question")
	}
	if strings.Contains(fieldsetOf(t, body, rating.ID), "has-error") {
		t.Error("a valid answer is marked as an error")
	}
	if !regexp.MustCompile(`id="f-sensitive_consent"[^>]*checked`).MatchString(body) {
		t.Error("the consent the resident ticked was lost")
	}
	if _, err := e.Survey.MyResponse(context.Background(), mustAccount(t, e, token), sv.ID); err == nil {
		t.Fatal("a refused response was stored")
	}

	// Without the script every question is sent: the age of a resident
	// without children is ignored, as the condition hides it.
	form.Set("q"+strconv.FormatInt(child.ID, 10), "no")
	status, loc := b.post(path, form)
	wantStatus(t, "valid response", status, http.StatusSeeOther, loc)
	if loc != path+"/thanks" {
		t.Fatalf("redirected to %q", loc)
	}
	status, body = b.get(loc)
	wantStatus(t, "thanks", status, http.StatusOK, body)
	if !strings.Contains(body, "感谢您的参与") {
		t.Error("no thank-you")
	}
	resp, err := e.Survey.MyResponse(context.Background(), mustAccount(t, e, token), sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := resp.Answers[age.ID]; ok || *resp.Answers[rating.ID].Value != 4 {
		t.Errorf("stored answers: %+v", resp.Answers)
	}
	// A retry of the same form (same key) lands on the thanks page too.
	if status, loc = b.post(path, form); status != http.StatusSeeOther || loc != path+"/thanks" {
		t.Errorf("retry: %d %q", status, loc)
	}
	status, body = b.get(path)
	wantStatus(t, "second visit", status, http.StatusOK, body)
	if !strings.Contains(body, "您已经填写过这份问卷") || strings.Contains(body, `type="submit">提交问卷`) {
		t.Error("the second visit offers the form again")
	}
}

func mustAccount(t *testing.T, e *pagesEnv, token string) *identity.Account {
	t.Helper()
	a, err := e.Identity.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return &a
}

// TestSurveyResultsHiddenFromThePublic: results are the agency's until the
// survey closes, and then public only when the survey said so.
func TestSurveyResultsHiddenFromThePublic(t *testing.T) {
	e := newPagesEnv(t)
	private := e.newSurvey(t, survey.Input{Title: "不公开结果的问卷"}, yesNo("您是否赞成？"))
	public := e.newSurvey(t, survey.Input{Title: "公开结果的问卷", ResultsPublicAfterClose: true}, yesNo("您是否赞成？"),
		survey.QuestionInput{Kind: survey.KindText, Title: "其他意见"})
	draft := e.newSurvey(t, survey.Input{Title: "未发布的问卷"}, yesNo("您是否赞成？"))
	e.openSurvey(t, private.ID)
	e.openSurvey(t, public.ID)
	_, residentToken := e.Account(identity.RoleResident, "")
	_, otherStaff := e.Account(identity.RoleAgencyStaff, "wsj")
	resident := mustAccount(t, e, residentToken)
	for _, sv := range []survey.Survey{private, public} {
		answers := []survey.Answer{{QuestionID: sv.Questions[0].ID, Choices: []string{"yes"}}}
		if len(sv.Questions) > 1 {
			answers = append(answers, survey.Answer{QuestionID: sv.Questions[1].ID, Text: "希望增加城区学位"})
		}
		if _, _, err := e.Survey.SubmitResponse(context.Background(), resident, sv.ID, survey.ResponseInput{Answers: answers}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string, sv survey.Survey, token string, want int) {
		t.Helper()
		status, body := newBrowser(t, e.URL, token).get("/surveys/" + strconv.FormatInt(sv.ID, 10) + "/results")
		if status != want {
			t.Errorf("%s, %s: results %d, want %d", when, sv.Title, status, want)
		}
		if want != http.StatusOK && strings.Contains(body, "<svg") {
			t.Errorf("%s, %s: a refused results page shows a chart", when, sv.Title)
		}
	}
	for _, sv := range []survey.Survey{private, public} {
		check("open", sv, "", http.StatusForbidden)
		check("open", sv, residentToken, http.StatusForbidden)
		check("open", sv, otherStaff, http.StatusForbidden)
		check("open", sv, e.staffToken, http.StatusOK)
		if _, err := e.Survey.CloseSurvey(context.Background(), &e.staff, sv.ID); err != nil {
			t.Fatal(err)
		}
	}
	check("closed", private, "", http.StatusForbidden)
	check("closed", private, residentToken, http.StatusForbidden)
	check("closed", private, e.staffToken, http.StatusOK)
	check("closed", public, "", http.StatusOK)
	check("closed", public, residentToken, http.StatusOK)

	check("draft", draft, "", http.StatusNotFound)
	if status, body := newBrowser(t, e.URL, residentToken).get("/surveys/" + strconv.FormatInt(draft.ID, 10)); status != http.StatusNotFound ||
		strings.Contains(body, draft.Title) {
		t.Errorf("a draft survey's page: %d", status)
	}

	_, body := newBrowser(t, e.URL, e.staffToken).get("/surveys/" + strconv.FormatInt(public.ID, 10) + "/results")
	if !strings.Contains(body, "希望增加城区学位") || !strings.Contains(body, "/responses/export?format=csv") {
		t.Error("staff do not see the text answers or the exports")
	}
	_, body = newBrowser(t, e.URL, "").get("/surveys/" + strconv.FormatInt(public.ID, 10) + "/results")
	if strings.Contains(body, "希望增加城区学位") {
		t.Error("the public results show text answers")
	}
	wantContains(t, "public results", body, `role="img"`, "是 1人，100.0%",
		"<td class=\"num\">1</td>", "100.0%", "共有 <strong>1</strong> 人参与")
	if strings.Contains(body, "/responses/export") {
		t.Error("the public results offer the staff export")
	}
}

// TestSurveyBuilderRefusesOtherAgencies: staff of another agency get 403
// on every builder form post, and the survey does not change.
func TestSurveyBuilderRefusesOtherAgencies(t *testing.T) {
	e := newPagesEnv(t)
	draft := e.newSurvey(t, survey.Input{Title: "草稿问卷"}, yesNo("问题一"), yesNo("问题二"))
	open := e.newSurvey(t, survey.Input{Title: "进行中的问卷"}, yesNo("问题一"))
	e.openSurvey(t, open.ID)
	_, otherToken := e.Account(identity.RoleAgencyStaff, "wsj")
	other := newBrowser(t, e.URL, otherToken)
	ends := e.Clock.Now().Add(30 * 24 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
	for _, sv := range []survey.Survey{draft, open} {
		base := "/staff/surveys/" + strconv.FormatInt(sv.ID, 10)
		q := base + "/questions/" + strconv.FormatInt(sv.Questions[0].ID, 10)
		for _, c := range []struct {
			path string
			form url.Values
		}{
			{"/edit", url.Values{"title": {"改"}, "closes_at": {ends}, "privacy_notice": {"改"}}},
			{"/questions/new", url.Values{"kind": {"text"}, "title": {"新题"}}},
			{q[len(base):] + "/edit", url.Values{"title": {"改"}, "config.options": {"甲\n乙"}}},
			{q[len(base):] + "/move", url.Values{"direction": {"down"}}},
			{q[len(base):] + "/delete", nil},
			{"/open", nil},
			{"/close", nil},
		} {
			status, body := other.post(base+c.path, c.form)
			if status != http.StatusForbidden {
				t.Errorf("%s %s: status %d, want 403\n%s", sv.Title, c.path, status, snippet(body))
			}
		}
		status, body := other.get(base)
		if status != http.StatusForbidden && status != http.StatusNotFound {
			t.Errorf("%s editor: %d", sv.Title, status)
		}
		if sv.ID == draft.ID && strings.Contains(body, sv.Title) {
			t.Error("the refusal names another agency's draft")
		}
		after, err := e.Survey.GetSurvey(context.Background(), &e.staff, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Title != sv.Title || after.Status != sv.Status && sv.ID == draft.ID || len(after.Questions) != len(sv.Questions) ||
			after.Questions[0].Title != sv.Questions[0].Title {
			t.Errorf("%s changed: %+v", sv.Title, after)
		}
	}
	// The waiver of a decision of another agency is refused too.
	d := e.decision(t, "城区义务教育学校招生入学办法")
	status, body := other.post("/staff/surveys/decisions/"+strconv.FormatInt(d.ID, 10)+"/waiver", url.Values{"reason": {"不需要"}})
	if status != http.StatusForbidden && status != http.StatusNotFound {
		t.Errorf("waiver by another agency: %d\n%s", status, snippet(body))
	}
}

// TestSurveyPagesEscapeText: markup in a survey or question title is shown
// as text on every survey page, never run.
func TestSurveyPagesEscapeText(t *testing.T) {
	e := newPagesEnv(t)
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	q := yesNo("问题" + evil)
	q.Help = evil
	q.Config.Options[0].Label = "是" + evil
	sv := e.newSurvey(t, survey.Input{Title: "问卷" + evil, Description: evil, ResultsPublicAfterClose: true}, q)
	id := strconv.FormatInt(sv.ID, 10)
	// The draft's pages before it opens, the public ones after.
	wantEscaped(t, e.URL, []pageAs{
		{"/staff/surveys/" + id, e.staffToken}, {"/staff/surveys/" + id + "/preview", e.staffToken},
		{"/staff/surveys/" + id + "/questions/" + strconv.FormatInt(sv.Questions[0].ID, 10) + "/edit", e.staffToken},
		{"/staff/surveys", e.staffToken},
	})
	e.openSurvey(t, sv.ID)
	wantEscaped(t, e.URL, []pageAs{{"/surveys/" + id, ""}, {"/surveys", ""}, {"/surveys/" + id + "/results", e.staffToken}})
}

// TestSurveyBuilderPages: staff create a survey, add questions of each
// kind with their settings and a condition, move and delete one, through
// the forms.
func TestSurveyBuilderPages(t *testing.T) {
	e := newPagesEnv(t)
	d := e.decision(t, "城区义务教育学校招生入学办法")
	b := newBrowser(t, e.URL, e.staffToken)
	status, body := b.get("/staff/surveys/new?decision=" + strconv.FormatInt(d.ID, 10))
	wantStatus(t, "new survey form", status, http.StatusOK, body)
	if !strings.Contains(body, "平顶山市教育局通过本问卷收集您的回答") || !regexp.MustCompile(`<option value="\d+" selected>城区义务教育学校招生入学办法`).MatchString(body) {
		t.Errorf("the form lacks the proposed notice or the linked decision\n%s", snippet(body))
	}
	ends := e.Clock.Now().Add(20 * 24 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
	status, body = b.post("/staff/surveys/new", url.Values{"title": {""}, "closes_at": {ends}, "privacy_notice": {"说明"}})
	wantStatus(t, "no title", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, `id="f-title-error"`) {
		t.Error("the missing title is not shown at the field")
	}
	status, loc := b.post("/staff/surveys/new", url.Values{"title": {"招生办法民意调查"}, "decision_id": {strconv.FormatInt(d.ID, 10)},
		"closes_at": {ends}, "privacy_notice": {"平顶山市教育局收集，保存两年。"}, "anonymous": {"on"}})
	wantStatus(t, "create", status, http.StatusSeeOther, loc)
	base := strings.Split(loc, "?")[0]
	id, _ := strconv.ParseInt(strings.TrimPrefix(base, "/staff/surveys/"), 10, 64)

	add := func(kind string, form url.Values) {
		t.Helper()
		form.Set("kind", kind)
		status, loc := b.post(base+"/questions/new", form)
		if status != http.StatusSeeOther {
			t.Fatalf("add %s: %d\n%s", kind, status, snippet(loc))
		}
	}
	add("single_choice", url.Values{"title": {"所在区"}, "required": {"on"}, "config.options": {"新华区\n卫东区\n湛河区"}, "config.allow_other": {"on"}})
	add("multiple_choice", url.Values{"title": {"关心的方面"}, "config.options": {"学位\n交通\n收费"}, "config.max_choices": {"2"}})
	add("scale", url.Values{"title": {"总体评价"}, "config.scale_min": {"0"}, "config.scale_max": {"10"}, "config.min_label": {"很差"}, "config.max_label": {"很好"}})
	add("matrix", url.Values{"title": {"分项评价"}, "config.scale_min": {"1"}, "config.scale_max": {"5"}, "config.rows": {"学位供给\n入学流程"}})
	add("text", url.Values{"title": {"其他意见"}, "config.max_length": {"300"}})
	add("number", url.Values{"title": {"孩子年龄"}, "sensitive": {"on"}, "config.number_min": {"0"}, "config.number_max": {"18"}, "config.integer": {"on"}})
	add("ranking", url.Values{"title": {"优先事项排序"}, "config.options": {"就近入学\n均衡师资\n减轻负担"}})

	sv, err := e.Survey.GetSurvey(context.Background(), &e.staff, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(sv.Questions) != 7 || *sv.DecisionID != d.ID || !sv.Anonymous {
		t.Fatalf("survey as built: %+v", sv)
	}
	district := sv.Questions[0]
	c := sv.Questions[2].Config
	if !district.Config.AllowOther || len(district.Config.Options) != 3 || sv.Questions[1].Config.MaxChoices != 2 ||
		c.ScaleMin != 0 || c.ScaleMax != 10 || c.MaxLabel != "很好" || len(sv.Questions[3].Config.Rows) != 2 ||
		sv.Questions[4].Config.MaxLength != 300 || !sv.Questions[5].Sensitive || *sv.Questions[5].Config.NumberMax != 18 ||
		len(sv.Questions[6].Config.Options) != 3 {
		t.Errorf("settings not saved: %+v", sv.Questions)
	}

	// A condition on the age: shown only in two districts.
	age := sv.Questions[5]
	qpath := base + "/questions/" + strconv.FormatInt(age.ID, 10)
	status, body = b.get(qpath + "/edit")
	wantStatus(t, "edit form", status, http.StatusOK, body)
	src := strconv.FormatInt(district.ID, 10)
	if !strings.Contains(body, `value="`+src+`:o1"`) || !strings.Contains(body, `value="`+src+`:other"`) {
		t.Fatalf("the condition offers no options of question 1\n%s", snippet(body))
	}
	form := url.Values{"title": {"孩子年龄"}, "sensitive": {"on"}, "required": {"on"}, "config.number_min": {"0"}, "config.number_max": {"18"},
		"config.integer": {"on"}, "condition": {src + ":o1", src + ":o2"}}
	// A sensitive question cannot be required: refused at the box, with
	// the article (a resident who declines the consent skips it).
	status, body = b.post(qpath+"/edit", form)
	wantStatus(t, "required and sensitive", status, http.StatusUnprocessableEntity, body)
	if !regexp.MustCompile(`id="f-required-error">[^<]*只能设为选答[^<]*第十六条`).MatchString(body) {
		t.Errorf("the refusal is not at the required box with its article:\n%s", snippet(body))
	}
	form.Del("required")
	status, loc = b.post(qpath+"/edit", form)
	wantStatus(t, "save condition", status, http.StatusSeeOther, loc)
	// Options of two questions in one condition are refused at the field.
	form["condition"] = append(form["condition"], strconv.FormatInt(sv.Questions[1].ID, 10)+":o1")
	status, body = b.post(qpath+"/edit", form)
	wantStatus(t, "two sources", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, `id="f-condition-error"`) {
		t.Error("the condition error is not at the condition")
	}
	// The question a condition uses cannot move below it.
	status, body = b.post(base+"/questions/"+src+"/move", url.Values{"direction": {"down"}})
	if status != http.StatusSeeOther {
		t.Fatalf("move down: %d", status)
	}
	sv, _ = e.Survey.GetSurvey(context.Background(), &e.staff, id)
	if sv.Questions[1].ID != district.ID || sv.Questions[5].Condition == nil || sv.Questions[5].Condition.QuestionID != district.ID {
		t.Errorf("after moving: %+v", sv.Questions)
	}
	status, body = b.post(base+"/questions/"+src+"/delete", nil)
	wantStatus(t, "delete a referenced question", status, http.StatusConflict, body)
	if !strings.Contains(body, "请先修改那些条件") {
		t.Error("the refusal to delete is not shown")
	}
	status, _ = b.post(base+"/questions/"+strconv.FormatInt(sv.Questions[0].ID, 10)+"/delete", nil)
	wantStatus(t, "delete", status, http.StatusSeeOther, "")

	status, body = b.get(base)
	wantStatus(t, "editor", status, http.StatusOK, body)
	wantContains(t, "editor", body, "显示条件：第1题选择了“新华区”或“卫东区”时显示", "敏感信息", "发布问卷", "预览", "上移", "下移")
	status, body = b.get(base + "/preview")
	wantStatus(t, "preview", status, http.StatusOK, body)
	if !strings.Contains(body, "预览") || strings.Contains(body, `type="submit">提交问卷`) || strings.Contains(body, "idempotency_key") {
		t.Error("the preview can be sent")
	}
	status, loc = b.post(base+"/open", nil)
	wantStatus(t, "open", status, http.StatusSeeOther, loc)
	status, body = b.get(base)
	wantStatus(t, "editor after opening", status, http.StatusOK, body)
	if strings.Contains(body, "/questions/new") || !strings.Contains(body, "responses/export?format=csv") || !strings.Contains(body, "提前结束问卷") {
		t.Error("an open survey's editor still offers edits or lacks the exports")
	}
	// The export links work with the page's session cookie.
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/api/v1/surveys/"+strconv.FormatInt(id, 10)+"/responses/export?format=csv", nil)
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("export link: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// The decision's survey page records the link.
	status, body = b.get("/staff/surveys/decisions/" + strconv.FormatInt(d.ID, 10))
	wantStatus(t, "decision surveys", status, http.StatusOK, body)
	if !strings.Contains(body, "招生办法民意调查") || !strings.Contains(body, "未满足") {
		t.Error("the decision's survey page lacks the linked survey or the requirement")
	}
	status, loc = b.post("/staff/surveys/decisions/"+strconv.FormatInt(d.ID, 10)+"/waiver", url.Values{"reason": {"已通过座谈会充分听取意见。"}})
	wantStatus(t, "waiver", status, http.StatusSeeOther, loc)
	if _, body = b.get(loc); !strings.Contains(body, "已通过座谈会充分听取意见。") || !strings.Contains(body, "已满足") {
		t.Error("the waiver is not shown")
	}
}

// TestSurveyNumberFullWidth: a Chinese input method in full-width mode
// types １２０ or ３．５; the number question takes it as 120 or 3.5
// instead of refusing it as not a number.
func TestSurveyNumberFullWidth(t *testing.T) {
	e := newPagesEnv(t)
	sv := e.newSurvey(t, survey.Input{},
		survey.QuestionInput{Kind: survey.KindNumber, Title: "您每月愿意支付多少元？", Required: true,
			Config: survey.Config{NumberMin: ptr(0.0), NumberMax: ptr(5000.0)}})
	q := sv.Questions[0]
	e.openSurvey(t, sv.ID)
	_, token := e.Account(identity.RoleResident, "")
	b := newBrowser(t, e.URL, token)
	path := "/surveys/" + strconv.FormatInt(sv.ID, 10)
	status, body := b.get(path)
	wantStatus(t, "survey page", status, http.StatusOK, body)
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(body)[1]
	form := url.Values{"idempotency_key": {key}, "q" + strconv.FormatInt(q.ID, 10): {"１，２００．５"}}
	status, loc := b.post(path, form)
	wantStatus(t, "full-width number", status, http.StatusSeeOther, loc)
	resp, err := e.Survey.MyResponse(context.Background(), mustAccount(t, e, token), sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := resp.Answers[q.ID].Number; n == nil || *n != 1200.5 {
		t.Errorf("stored %v, want 1200.5", n)
	}
}
