package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/web"
)

// draftText is a regulation-style draft with chapters and four articles.
const draftText = `平顶山市城区义务教育学校招生入学办法（征求意见稿）

第一章 总则
第一条 为规范城区义务教育学校招生入学工作，根据《中华人民共和国义务教育法》，制定本办法。
第二条 本办法适用于本市城区公办义务教育学校。
第二章 招生
第三条 公办学校实行划片招生、免试就近入学。
第四条 随迁子女凭居住证入学，享受同等待遇。`

// pagesEnv is a running service with a city government, two departments
// and a decision of the education bureau.
type pagesEnv struct {
	*testenv.Env
	staff      identity.Account
	staffToken string
}

func newPagesEnv(t *testing.T) *pagesEnv {
	t.Helper()
	e := testenv.New(t)
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	e.Agency("wsj", "平顶山市卫生健康委员会", identity.AgencyDepartment)
	staff, token := e.Account(identity.RoleAgencyStaff, "jyj")
	return &pagesEnv{Env: e, staff: staff, staffToken: token}
}

// decision creates a decision of the education bureau through the service.
func (e *pagesEnv) decision(t *testing.T, title string) consultation.Decision {
	t.Helper()
	d, err := e.Consultation.CreateDecision(context.Background(), &e.staff, consultation.DecisionInput{Title: title, Summary: "简介",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// publish uploads a version and opens a 30-day consultation through the service.
func (e *pagesEnv) publish(t *testing.T, d consultation.Decision) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.Consultation.CreateDraftVersion(ctx, &e.staff, d.ID, consultation.DraftVersionInput{Text: draftText,
		Explanation: "为落实义务教育法，起草本办法。", LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}}); err != nil {
		t.Fatal(err)
	}
	e.OpenConsultation(&e.staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台逐条发表意见"})
}

// browser is an HTTP client with a cookie jar, signed in when token is set.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, base, token string) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	if token != "" {
		u, _ := url.Parse(base)
		jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: token, Path: "/"}})
	}
	return &browser{t: t, base: base, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusSeeOther {
		return res.StatusCode, res.Header.Get("Location")
	}
	return res.StatusCode, string(body)
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// postMultipart posts fields and files (name → filename → bytes).
func (b *browser) postMultipart(path string, form url.Values, files map[string]map[string][]byte) (int, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, fs := range files {
		for name, data := range fs {
			w, _ := mw.CreateFormFile(field, name)
			w.Write(data)
		}
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func wantStatus(t *testing.T, what string, got, want int, body string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, got, want, snippet(body))
	}
}

func snippet(s string) string {
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		s = s[:3000]
	}
	return s
}

// TestDraftDecisionIsHiddenFromThePublic: a decision in drafting is a 404
// for anonymous visitors and residents and absent from the public list;
// once its consultation opens, the page shows the notice and the articles
// with their anchors.
func TestDraftDecisionIsHiddenFromThePublic(t *testing.T) {
	e := newPagesEnv(t)
	d := e.decision(t, "城区义务教育学校招生入学办法")
	_, residentToken := e.Account(identity.RoleResident, "")
	path := "/decisions/" + strconv.FormatInt(d.ID, 10)
	for _, c := range []struct {
		name  string
		token string
	}{{"anonymous", ""}, {"resident", residentToken}} {
		t.Run(c.name, func(t *testing.T) {
			b := newBrowser(t, e.URL, c.token)
			status, body := b.get(path)
			wantStatus(t, "draft page", status, http.StatusNotFound, body)
			if strings.Contains(body, d.Title) {
				t.Fatal("the 404 page names the draft")
			}
			status, body = b.get("/decisions")
			wantStatus(t, "list", status, http.StatusOK, body)
			if strings.Contains(body, d.Title) || strings.Contains(body, path) {
				t.Fatal("the public list shows a draft")
			}
			if status, body = b.get("/"); strings.Contains(body, d.Title) {
				t.Fatalf("the home page (%d) shows a draft", status)
			}
		})
	}

	// The lead unit sees it, marked as internal.
	status, body := newBrowser(t, e.URL, e.staffToken).get(path)
	wantStatus(t, "staff view of the draft", status, http.StatusOK, body)
	if !strings.Contains(body, "尚未公开") {
		t.Fatal("the draft is not marked as internal for staff")
	}

	e.publish(t, d)
	// Anonymous readers are served a cached page (the 404 above) up to ~2 s
	// old (cache.go).
	e.Clock.Advance(3 * time.Second)
	b := newBrowser(t, e.URL, "")
	status, body = b.get(path)
	wantStatus(t, "public page", status, http.StatusOK, body)
	for _, want := range []string{"征求意见公告", "正在征求意见", "登录本平台逐条发表意见", "第一章 总则", "起草说明", "为落实义务教育法",
		"《中华人民共和国义务教育法》第十二条", "发布征求意见公告", `class="draft-article" id="a-`, `class="permalink" href="#a-`} {
		if !strings.Contains(body, want) {
			t.Errorf("public page lacks %q", want)
		}
	}
	if n := strings.Count(body, `class="draft-article"`); n != 4 {
		t.Errorf("%d articles shown, want 4", n)
	}
	if strings.Contains(body, "尚未公开") {
		t.Error("a public decision is marked internal")
	}
	status, body = b.get("/decisions?domain=education_culture&status=consulting")
	wantStatus(t, "filtered list", status, http.StatusOK, body)
	if !strings.Contains(body, d.Title) {
		t.Error("the filtered list lacks the public decision")
	}
	if _, body = b.get("/decisions?domain=health"); strings.Contains(body, d.Title) {
		t.Error("the domain filter is ignored")
	}
	if status, body = b.get("/decisions?domain=nonsense"); status != http.StatusUnprocessableEntity {
		t.Errorf("bad filter: %d", status)
	}
}

// TestDecisionPagesEscapeText: markup in a title, summary or draft is shown
// as text, never run.
func TestDecisionPagesEscapeText(t *testing.T) {
	e := newPagesEnv(t)
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	d, err := e.Consultation.CreateDecision(context.Background(), &e.staff, consultation.DecisionInput{Title: "招生办法" + evil, Summary: evil,
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
	if err != nil {
		t.Fatal(err)
	}
	e.publish(t, d)
	id := strconv.FormatInt(d.ID, 10)
	wantEscaped(t, e.URL, []pageAs{
		{"/decisions/" + id, ""}, {"/decisions", ""}, {"/", ""},
		{"/staff/decisions", e.staffToken}, {"/staff/decisions/" + id, e.staffToken}, {"/staff/decisions/" + id + "/edit", e.staffToken},
	})
}

// wantContains fails for each wanted phrase the text (of what) lacks.
func wantContains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q: %s", what, want, snippet(text))
		}
	}
}

// pageAs is a page and the session it is opened with ("" for a visitor).
type pageAs struct{ path, token string }

// wantEscaped fails unless every page opens and shows the markup planted
// in a title as text, never live.
func wantEscaped(t *testing.T, base string, pages []pageAs) {
	t.Helper()
	for _, c := range pages {
		status, body := newBrowser(t, base, c.token).get(c.path)
		wantStatus(t, c.path, status, http.StatusOK, body)
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: markup from a title is live", c.path)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(") {
			t.Errorf("%s: the title is not shown escaped", c.path)
		}
	}
}

// TestStaffPagesRefuseOtherAgencies: staff of another agency get 403 on
// every write of the lead unit's pages, and nothing changes.
func TestStaffPagesRefuseOtherAgencies(t *testing.T) {
	e := newPagesEnv(t)
	d := e.decision(t, "城区义务教育学校招生入学办法")
	_, otherToken := e.Account(identity.RoleAgencyStaff, "wsj")
	other := newBrowser(t, e.URL, otherToken)
	base := "/staff/decisions/" + strconv.FormatInt(d.ID, 10)
	ends := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 40).Format("2006-01-02T15:04")
	posts := []struct {
		path string
		form url.Values
	}{
		{"/edit", url.Values{"title": {"改"}, "category": {"public_services"}, "domain": {"health"}, "decision_body": {"pdsszf"}}},
		{"/withdraw", url.Values{"reason": {"不再需要"}}},
		{"/consultation", url.Values{"ends_at": {ends}, "ways_to_comment": {"电话"}}},
		{"/consultation/extend", url.Values{"new_ends_at": {ends}, "reason": {"延长"}}},
	}
	for _, p := range posts {
		status, body := other.post(base+p.path, p.form)
		wantStatus(t, "POST "+p.path, status, http.StatusForbidden, body)
	}
	status, body := other.postMultipart(base+"/versions/new", url.Values{"text": {draftText}, "explanation": {"说明"}}, nil)
	wantStatus(t, "POST /versions/new", status, http.StatusForbidden, body)
	status, body = other.postMultipart(base+"/documents/new?kind=fair_competition_review", url.Values{"reviewer_unit": {"市监局"},
		"date": {"2025-01-01"}, "conclusion": {"compliant"}, "reasoning": {"无"}}, nil)
	wantStatus(t, "POST /documents/new", status, http.StatusForbidden, body)
	// Their GETs of the lead unit's forms are refused as well.
	for _, p := range []string{"/edit", "/versions/new", "/consultation"} {
		status, body := other.get(base + p)
		if status != http.StatusForbidden && status != http.StatusNotFound {
			t.Errorf("GET %s: %d\n%s", p, status, snippet(body))
		}
	}
	// A resident is refused by the staff area as a whole.
	_, residentToken := e.Account(identity.RoleResident, "")
	status, body = newBrowser(t, e.URL, residentToken).post(base+"/withdraw", url.Values{"reason": {"x"}})
	wantStatus(t, "resident POST", status, http.StatusForbidden, body)
	// Anonymous visitors are sent to log in.
	status, loc := newBrowser(t, e.URL, "").post(base+"/withdraw", url.Values{"reason": {"x"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("anonymous POST: %d %s", status, loc)
	}

	after, err := e.Consultation.GetDecision(context.Background(), &e.staff, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != consultation.StatusDrafting || after.Title != d.Title || after.Domain != d.Domain {
		t.Fatalf("decision changed: %+v", after)
	}
	if vs, _, _ := e.Consultation.ListDraftVersions(context.Background(), &e.staff, d.ID, 0, ""); len(vs) != 0 {
		t.Fatalf("%d versions created", len(vs))
	}
}

// TestRefusedConsultationShowsFailedGates: opening a consultation without a
// draft or ways to comment shows every failed gate with its legal basis;
// a short window without a reason is refused with the 30-day rule.
func TestRefusedConsultationShowsFailedGates(t *testing.T) {
	e := newPagesEnv(t)
	d := e.decision(t, "城区义务教育学校招生入学办法")
	b := newBrowser(t, e.URL, e.staffToken)
	path := "/staff/decisions/" + strconv.FormatInt(d.ID, 10) + "/consultation"
	cst := time.FixedZone("CST", 8*3600)
	long := e.Clock.Now().In(cst).AddDate(0, 0, 31).Format("2006-01-02T15:04")

	status, body := b.post(path, url.Values{"ends_at": {long}})
	wantStatus(t, "open without a draft", status, http.StatusConflict, body)
	for _, want := range []string{"3项法定条件未满足", "公开征求意见前必须上传决策草案", "公开征求意见的草案版本必须附有起草说明",
		"公开征求意见公告必须写明提出意见的方式和途径", "《重大行政决策程序暂行条例》第十五条", "未满足"} {
		if !strings.Contains(body, want) {
			t.Errorf("refusal lacks %q", want)
		}
	}
	// The page names the rules in words, never by their codes (issue 17).
	if strings.Contains(body, "draft_version_required") {
		t.Errorf("refusal shows an internal code: %s", snippet(body))
	}

	if _, err := e.Consultation.CreateDraftVersion(context.Background(), &e.staff, d.ID, consultation.DraftVersionInput{
		Text: draftText, Explanation: "说明"}); err != nil {
		t.Fatal(err)
	}
	short := e.Clock.Now().In(cst).AddDate(0, 0, 10).Format("2006-01-02T15:04")
	status, body = b.post(path, url.Values{"ends_at": {short}, "ways_to_comment": {"电子邮件"}})
	wantStatus(t, "short window", status, http.StatusConflict, body)
	if !strings.Contains(body, "征求意见期限一般不少于30日") || strings.Contains(body, "consultation_window_too_short") {
		t.Errorf("short-window refusal:\n%s", snippet(body))
	}
	// The same window with a reason opens, and the reason is public.
	status, loc := b.post(path, url.Values{"ends_at": {short}, "ways_to_comment": {"电子邮件"}, "shortening_reason": {"秋季学期招生在即"}})
	if status != http.StatusSeeOther {
		t.Fatalf("open with reason: %d", status)
	}
	if !strings.Contains(loc, "consultation_opened") {
		t.Errorf("redirect to %s", loc)
	}
	status, body = b.get(loc)
	wantStatus(t, "consultation page when open", status, http.StatusOK, body)
	wantContains(t, "open consultation page", body, "已发布征求意见公告", "正在征求意见", "延长征求意见期限", "秋季学期招生在即")
	_, body = newBrowser(t, e.URL, "").get("/decisions/" + strconv.FormatInt(d.ID, 10))
	if !strings.Contains(body, "征求意见期限少于30日的理由") || !strings.Contains(body, "秋季学期招生在即") {
		t.Errorf("public page lacks the shortening reason:\n%s", snippet(body))
	}
}

// TestStaffFormsCreateAndUpload: the create form refuses an excluded matter
// with the reason of Decree 713 Art. 3; a version with a PDF is uploaded
// through the multipart form and compared with the next one.
func TestStaffFormsCreateAndUpload(t *testing.T) {
	e := newPagesEnv(t)
	b := newBrowser(t, e.URL, e.staffToken)
	form := url.Values{"title": {"市级财政预算调整"}, "category": {string(consultation.ExcludedMacroControl)}, "domain": {"other"},
		"decision_body": {"pdsszf"}}
	status, body := b.post("/staff/decisions/new", form)
	wantStatus(t, "excluded matter", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, "条例第三条") || !strings.Contains(body, `id="f-category-error"`) {
		t.Errorf("excluded matter refusal:\n%s", snippet(body))
	}
	form.Set("category", string(consultation.CategoryPublicServices))
	form.Set("title", "城区义务教育学校招生入学办法")
	form.Set("technical", "on")
	form.Add("co_agencies", "wsj")
	status, loc := b.post("/staff/decisions/new", form)
	if status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", status, snippet(loc))
	}
	id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/staff/decisions/")
	base := "/staff/decisions/" + id

	// The workspace lists the gates of the next stage with their state in words.
	status, body = b.get(base)
	wantStatus(t, "workspace", status, http.StatusOK, body)
	wantContains(t, "workspace", body, "进入“公开征求意见”阶段的条件", "未满足", "已上传决策草案", "依据：《重大行政决策程序暂行条例》第十五条")

	pdf := []byte("%PDF-1.4\n% test\n")
	status, loc = b.postMultipart(base+"/versions/new", url.Values{"text": {draftText}, "explanation": {"起草说明正文"},
		"legal_basis": {"《中华人民共和国义务教育法》\n\n《河南省实施〈义务教育法〉办法》"}}, map[string]map[string][]byte{"attachments": {"说明.pdf": pdf}})
	if status != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", status, snippet(loc))
	}
	status, body = b.postMultipart(base+"/versions/new", url.Values{"text": {"  "}}, map[string]map[string][]byte{"attachments": {"x.exe": []byte("MZ")}})
	wantStatus(t, "empty text", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, "请填写决策草案正文") {
		t.Errorf("empty text refusal:\n%s", snippet(body))
	}
	second := strings.Replace(draftText, "享受同等待遇", "与户籍学生享受同等待遇", 1)
	if status, loc = b.postMultipart(base+"/versions/new", url.Values{"text": {second}, "explanation": {"修改"}}, nil); status != http.StatusSeeOther {
		t.Fatalf("second upload: %d %s", status, snippet(loc))
	}
	status, body = b.get(base + "/compare?from=1&to=2")
	wantStatus(t, "compare", status, http.StatusOK, body)
	wantContains(t, "comparison", body, "修改1条", "<ins><span class=\"vh\">[新增：</span>与户籍学生", "未修改的条文（3）")
	// The version page of the lead unit shows the attachment link.
	status, body = b.get("/decisions/" + id + "?version=1")
	wantStatus(t, "version 1", status, http.StatusOK, body)
	if !strings.Contains(body, `href="/api/v1/attachments/`) || !strings.Contains(body, "说明.pdf") {
		t.Errorf("attachment link missing:\n%s", snippet(body))
	}
	// A procedure document through its form; a missing field is named.
	status, body = b.postMultipart(base+"/documents/new?kind=fair_competition_review", url.Values{"reviewer_unit": {"市市场监管局"},
		"date": {e.Clock.Now().Format("2006-01-02")}, "conclusion": {"compliant"}}, nil)
	wantStatus(t, "incomplete document", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, `id="f-reasoning-error"`) {
		t.Errorf("missing field not named:\n%s", snippet(body))
	}
	status, loc = b.postMultipart(base+"/documents/new?kind=fair_competition_review", url.Values{"reviewer_unit": {"市市场监管局"},
		"date": {e.Clock.Now().Format("2006-01-02")}, "conclusion": {"compliant"}, "reasoning": {"不涉及排除限制竞争"}}, nil)
	if status != http.StatusSeeOther {
		t.Fatalf("document: %d %s", status, snippet(loc))
	}
	_, body = b.get(base + "/documents")
	if !strings.Contains(body, "符合公平竞争审查标准") || !strings.Contains(body, "不涉及排除限制竞争") {
		t.Errorf("document list:\n%s", snippet(body))
	}
}

// TestDocumentFormsPerKind posts the form of every kind of procedure
// document as the lead unit fills it in, blank rows included.
func TestDocumentFormsPerKind(t *testing.T) {
	e := newPagesEnv(t)
	d := e.decision(t, "城区义务教育学校招生入学办法")
	if _, err := e.Consultation.CreateDraftVersion(context.Background(), &e.staff, d.ID, consultation.DraftVersionInput{Text: draftText, Explanation: "说明"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e.URL, e.staffToken)
	today := e.Clock.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	pdf := map[string]map[string][]byte{"attachments": {"论证意见.pdf": []byte("%PDF-1.7\n")}}
	for _, c := range []struct {
		kind  consultation.DocumentKind
		form  url.Values
		files map[string]map[string][]byte
		shown string
	}{
		{consultation.DocExpertArgumentation, url.Values{"topic": {"学区划分方案"}, "date": {today}, "opinion_summary": {"方案可行"},
			"experts[1].name": {"张教授"}, "experts[1].affiliation": {"郑州大学"}, "experts[1].field": {"教育管理"},
			"experts[1].conflict_of_interest_declared": {"on"}, "dissenting_views[0].expert": {"张教授"}, "dissenting_views[0].view": {"应扩大学区"}},
			pdf, "张教授（郑州大学，教育管理；已声明利益冲突情况）"},
		{consultation.DocRiskAssessment, url.Values{"date": {today}, "assessor": {"市教育局"}, "method": {"问卷调查"},
			"risk_points[0].description": {"家长对划片有异议"}, "risk_points[0].likelihood": {"medium"}, "risk_points[0].impact": {"low"},
			"measures": {"提前公示"}, "contingency_plan": {"设立咨询热线"}, "conclusion": {"controllable"}}, nil, "风险可控"},
		{consultation.DocStakeholderConsultation, url.Values{"groups": {"随迁子女家长\n\n民办学校代表"}, "method": {"座谈会"}, "date": {today},
			"participant_count": {"12"}, "views_summary": {"希望简化材料"}, "response": {"已采纳"}}, nil, "随迁子女家长、民办学校代表"},
		{consultation.DocHearingRecord, url.Values{"date": {today}, "place": {"市政府第一会议室"}, "presiding_officer": {"王某"},
			"participant_selection": {"公开报名、随机抽取"}, "participants[0].name": {"李某"}, "participants[0].capacity": {"家长代表"},
			"main_views": {"支持"}, "record_summary": {"听证顺利"}}, nil, "李某（家长代表）"},
		{consultation.DocFairCompetitionReview, url.Values{"reviewer_unit": {"市市场监管局"}, "date": {today}, "conclusion": {"exception_applies"},
			"reasoning": {"适用例外"}}, nil, "适用例外规定"},
	} {
		t.Run(string(c.kind), func(t *testing.T) {
			path := "/staff/decisions/" + strconv.FormatInt(d.ID, 10) + "/documents/new?kind=" + string(c.kind)
			status, body := b.get(path)
			wantStatus(t, "form", status, http.StatusOK, body)
			status, loc := b.postMultipart(path, c.form, c.files)
			if status != http.StatusSeeOther {
				t.Fatalf("post: %d\n%s", status, snippet(loc))
			}
			_, body = b.get(strings.Split(loc, "?")[0])
			if !strings.Contains(body, c.shown) {
				t.Errorf("documents page lacks %q", c.shown)
			}
		})
	}
	// An expert who has not declared conflicts is refused next to the row.
	path := "/staff/decisions/" + strconv.FormatInt(d.ID, 10) + "/documents/new?kind=expert_argumentation"
	status, body := b.postMultipart(path, url.Values{"topic": {"x"}, "date": {today}, "opinion_summary": {"y"},
		"experts[3].name": {"赵某"}, "experts[3].affiliation": {"某院"}, "experts[3].field": {"规划"}}, pdf)
	wantStatus(t, "undeclared expert", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, `id="f-experts-0-conflict_of_interest_declared-error"`) || !strings.Contains(body, `value="赵某"`) {
		t.Errorf("undeclared expert refusal:\n%s", snippet(body))
	}
}

// TestMePageNamesTheAgency: staff see the name of the agency they belong
// to on their account page, not its internal code.
func TestMePageNamesTheAgency(t *testing.T) {
	e := newPagesEnv(t)
	status, body := newBrowser(t, e.URL, e.staffToken).get("/me")
	wantStatus(t, "GET /me", status, http.StatusOK, body)
	if !strings.Contains(body, "<dd>平顶山市教育局</dd>") {
		t.Errorf("/me does not name the agency:\n%s", snippet(body))
	}
	if strings.Contains(body, "<dd>jyj</dd>") {
		t.Error("/me shows the agency's internal code")
	}
}

// TestDepartmentDecidesItself: a department takes a major decision of its
// own (Decree 713 Art. 42), so its own name is among the decision bodies of
// the create form, and the basic-information form of such a decision keeps
// it selected and saves. Both forms used to offer governments only, so the
// decision could not be created in the pages and, created through the API,
// could not be edited (the empty body was refused as 机构不存在：).
func TestDepartmentDecidesItself(t *testing.T) {
	e := newPagesEnv(t)
	b := newBrowser(t, e.URL, e.staffToken)
	status, body := b.get("/staff/decisions/new")
	wantStatus(t, "create form", status, http.StatusOK, body)
	wantContains(t, "create form", body, `<option value="jyj">平顶山市教育局</option>`)
	form := url.Values{"title": {"平顶山市教育局教学质量评价办法"}, "category": {"public_services"}, "domain": {"education_culture"},
		"decision_body": {"jyj"}}
	status, loc := b.post("/staff/decisions/new", form)
	if status != http.StatusSeeOther {
		t.Fatalf("create with the department as decision body: %d %s", status, snippet(loc))
	}
	base := strings.Split(loc, "?")[0]
	status, body = b.get(base + "/edit")
	wantStatus(t, "edit form", status, http.StatusOK, body)
	wantContains(t, "edit form", body, `<option value="jyj" selected>平顶山市教育局</option>`)
	form.Set("summary", "评价学校教学质量。")
	if status, loc = b.post(base+"/edit", form); status != http.StatusSeeOther {
		t.Fatalf("save the basic information: %d %s", status, snippet(loc))
	}
	// An empty choice is asked for in words, not as an unknown code.
	form.Set("decision_body", "")
	status, body = b.post(base+"/edit", form)
	wantStatus(t, "no decision body", status, http.StatusUnprocessableEntity, body)
	wantContains(t, "no decision body", body, "请选择决策机关")
}
