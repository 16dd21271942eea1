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

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/survey"
)

var (
	// latinBasis is a legal basis left in its English short form.
	latinBasis = regexp.MustCompile(`Decree\s*\d+|\bArts?\.\s*\d+|\bPIPL\b|National indicator|Regulations\b`)
	// snakeCode is an internal code such as consultation_window_too_short.
	snakeCode = regexp.MustCompile(`\b[a-z][a-z0-9]*_[a-z0-9_]+\b`)
	// hashJargon is a content hash or its name, which public pages do not show.
	hashJargon = regexp.MustCompile(`哈希|SHA-?256|\b[0-9a-f]{16,}\b`)
	// tags, scripts and styles are not text a person reads.
	scriptOrStyle = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>`)
	tag           = regexp.MustCompile(`(?s)<[^>]*>`)
	hrefAttr      = regexp.MustCompile(`href="(/[^"]*)"`)
	// testAccountName is testenv's display name of a test account
	// ("测试agency_staff1"), test data rather than page text.
	testAccountName = regexp.MustCompile(`测试[a-z_]+\d+`)
)

// visibleText is the text of a page as a reader sees it (attributes, tags,
// scripts and styles removed, entities decoded enough for the checks).
func visibleText(body string) string {
	body = scriptOrStyle.ReplaceAllString(body, " ")
	body = tag.ReplaceAllString(body, " ")
	body = testAccountName.ReplaceAllString(body, "测试账号")
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'").Replace(body)
}

// pageProblems lists what a page must not show a reader (issue 17).
func pageProblems(body string, public bool) []string {
	text := visibleText(body)
	var out []string
	if m := latinBasis.FindString(text); m != "" {
		out = append(out, "a legal basis in English: "+strconv.Quote(context200(text, m)))
	}
	if m := snakeCode.FindString(text); m != "" {
		out = append(out, "an internal code: "+strconv.Quote(context200(text, m)))
	}
	if public {
		if m := hashJargon.FindString(text); m != "" {
			out = append(out, "hash jargon on a public page: "+strconv.Quote(context200(text, m)))
		}
	}
	return out
}

func context200(text, m string) string {
	i := strings.Index(text, m)
	from, to := max(i-60, 0), min(i+len(m)+60, len(text))
	return strings.Join(strings.Fields(text[from:to]), " ")
}

// crawl visits every page reachable by links from the seeds as one
// browser, and reports each page that shows a reader something it must not.
func crawl(t *testing.T, b *browser, who string, public bool, seeds ...string) int {
	t.Helper()
	seen := map[string]bool{}
	queue := append([]string(nil), seeds...)
	const maxPages = 400
	for len(queue) > 0 && len(seen) < maxPages {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
		res, err := b.client.Do(req)
		if err != nil {
			t.Fatalf("%s GET %s: %v", who, path, err)
		}
		var sb strings.Builder
		buf := make([]byte, 32<<10)
		for {
			n, err := res.Body.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); loc != "" && strings.HasPrefix(loc, "/") {
			queue = append(queue, loc)
			continue
		}
		if res.StatusCode >= 500 {
			t.Errorf("%s GET %s: %d", who, path, res.StatusCode)
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			continue
		}
		body := sb.String()
		// /record/heads exists to publish the signed tree heads themselves
		// (issue 12): anyone who keeps one needs its root and key id.
		for _, p := range pageProblems(body, public && path != "/record/heads" && !strings.HasPrefix(path, "/record/heads?")) {
			t.Errorf("%s: %s shows %s", who, path, p)
		}
		for _, m := range hrefAttr.FindAllStringSubmatch(body, -1) {
			link := strings.ReplaceAll(m[1], "&amp;", "&")
			link, _, _ = strings.Cut(link, "#")
			if link == "" || strings.HasPrefix(link, "/static/") || strings.HasPrefix(link, "/api/") ||
				strings.HasPrefix(link, "//") || strings.Contains(link, "/download") || strings.Contains(link, "export") {
				continue
			}
			if !seen[link] {
				queue = append(queue, link)
			}
		}
	}
	return len(seen)
}

// TestNoEnglishBasisOrCodesOnAnyPage crawls every page reachable from the
// entry points as each role (anonymous visitor, resident, lead-unit staff,
// reviewer, legal adviser), with a decision taken through publication, one
// in consultation with comments and a theme analysis (the staff theme
// board and a theme's page), a survey and refused forms, and fails
// when a page shows a Latin-letter legal basis ("Decree 713", "Art. 15"), a
// snake_case code, or (on a public page) hash jargon (issue 17).
func TestNoEnglishBasisOrCodesOnAnyPage(t *testing.T) {
	e := newReviewPagesEnv(t)
	e.concluded(t)
	e.publishThroughPages(t)
	ctx := context.Background()
	svc := e.Consultation

	// A second decision in consultation, with a published, answered-later comment.
	d, err := svc.CreateDecision(ctx, &e.staff, consultation.DecisionInput{Title: "平顶山市城区学校课后服务管理办法", Summary: "课后服务时间和收费。",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateDraftVersion(ctx, &e.staff, d.ID, consultation.DraftVersionInput{Text: draftText,
		Explanation: "说明", LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}}); err != nil {
		t.Fatal(err)
	}
	e.OpenConsultation(&e.staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台逐条发表意见", ShowComments: true})
	resident, residentToken := e.Account(identity.RoleResident, "")
	c := publishedComment(t, svc, &resident, &e.staff, d.ID, consultation.CommentInput{Body: "建议延长课后服务时间。", Stance: "suggestion"})
	// More comments and a theme analysis, so the staff theme board and a
	// theme's page are crawled too.
	for _, body := range []string{"课后服务时间太短，建议延长到六点。", "希望延长课后服务时间，家长下班晚。", "课后服务收费太高，建议降低收费。",
		"收费标准应当公开，课后服务收费要透明。", "延长课后服务的时间，方便双职工家庭。", "课后服务收费偏高，困难家庭负担不起。"} {
		other, _ := e.Account(identity.RoleResident, "")
		publishedComment(t, svc, &other, &e.staff, d.ID, consultation.CommentInput{Body: body, Stance: "suggestion"})
	}
	if _, err := e.Themes.Analyze(ctx, &e.staff, d.ID); err != nil {
		t.Fatal(err)
	}
	// A third decision still being drafted, and a survey open for answers.
	drafting, err := svc.CreateDecision(ctx, &e.staff, consultation.DecisionInput{Title: "平顶山市校外培训机构管理规定", Summary: "简介",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
	if err != nil {
		t.Fatal(err)
	}
	sv, err := e.Survey.CreateSurvey(ctx, &e.staff, survey.Input{Title: "课后服务民意调查", DecisionID: &d.ID,
		ClosesAt: e.Clock.Now().Add(14 * 24 * time.Hour), PrivacyNotice: "平顶山市教育局收集您的回答，仅用于本次决策参考，保存两年。"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Survey.AddQuestion(ctx, &e.staff, sv.ID, yesNo("您是否需要课后服务？")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Survey.OpenSurvey(ctx, &e.staff, sv.ID); err != nil {
		t.Fatal(err)
	}

	staffToken := e.signIn(t, e.staff)
	_, adminToken := e.Account(identity.RoleAdmin, "")
	roles := []struct {
		who    string
		token  string
		public bool
		seeds  []string
	}{
		{"anonymous visitor", "", true, []string{"/", "/decisions", "/surveys", "/search?q=招生", "/comment-receipts?receipt=" + c.Receipt}},
		{"resident", residentToken, false, []string{"/", "/me", "/me/comments", "/decisions/" + strconv.FormatInt(d.ID, 10) + "/comment"}},
		{"lead-unit staff", staffToken, false, []string{"/staff/decisions", "/staff/surveys", "/staff/decisions/" + strconv.FormatInt(d.ID, 10) + "/themes"}},
		{"reviewer", e.reviewerToken, false, []string{"/review"}},
		{"legal adviser", e.adviserToken, false, []string{"/adviser"}},
		{"admin", adminToken, false, []string{"/", "/me"}},
	}
	for _, r := range roles {
		n := crawl(t, newBrowser(t, e.URL, r.token), r.who, r.public, r.seeds...)
		t.Logf("%s: %d pages", r.who, n)
		if n < 5 {
			t.Errorf("%s reached only %d pages", r.who, n)
		}
	}

	// The public process-record page of the published decision: the steps
	// with their bases, the verification and how to verify.
	status, body := newBrowser(t, e.URL, "").get("/decisions/" + strconv.FormatInt(e.d.ID, 10) + "/record")
	wantStatus(t, "record page", status, http.StatusOK, body)
	for _, want := range []string{"核验通过", "发布征求意见公告", "公布意见采纳情况说明", "集体讨论决定", "公布决策",
		"《重大行政决策程序暂行条例》第三十二条", `href="/record/heads"`, `href="/api/v1/record/heads"`, "list-record-heads"} {
		if !strings.Contains(body, want) {
			t.Errorf("record page lacks %q", want)
		}
	}

	// Refused forms: the refusal names rules and bases in Chinese.
	staff := newBrowser(t, e.URL, staffToken)
	short := e.Clock.Now().In(shanghaiZone).AddDate(0, 0, 10).Format("2006-01-02T15:04")
	_, body = staff.post("/staff/decisions/"+strconv.FormatInt(drafting.ID, 10)+"/consultation",
		url.Values{"ends_at": {short}, "ways_to_comment": {"电子邮件"}})
	for _, p := range pageProblems(body, false) {
		t.Errorf("refused consultation shows %s", p)
	}
	_, body = newBrowser(t, e.URL, "").post("/register", url.Values{"phone": {"1"}, "password": {"x"}})
	for _, p := range pageProblems(body, true) {
		t.Errorf("refused registration shows %s", p)
	}
}

// TestPageProblemsCatchesLeaks: the checks of the crawl find what they are
// meant to find (and not a code inside an attribute).
func TestPageProblemsCatchesLeaks(t *testing.T) {
	for _, c := range []struct {
		body string
		want bool
	}{
		{`<p>依据：Decree 713 Art. 29, 32</p>`, true},
		{`<p>依据：National indicator system for rule-of-law government demonstration cities (2021)</p>`, true},
		{`<p>错误 <code>consultation_window_too_short</code></p>`, true},
		{`<p>内容哈希 3f2a</p>`, true},
		{`<p>依据：《重大行政决策程序暂行条例》第十五条</p><input name="show_name" value="partially_adopted">`, false},
	} {
		if got := len(pageProblems(c.body, true)) > 0; got != c.want {
			t.Errorf("%s: problems found %v, want %v", c.body, got, c.want)
		}
	}
}

// TestListsShowDeadlines: the front page, the decision list and the
// survey list show when an open consultation or survey ends and how many
// days are left, and mark the last three days 即将截止 (issue 17).
func TestListsShowDeadlines(t *testing.T) {
	e := newPagesEnv(t)
	d := e.decision(t, "城区义务教育学校招生入学办法")
	e.publish(t, d)
	sv := e.newSurvey(t, survey.Input{Title: "课后服务民意调查"}, yesNo("您是否需要课后服务？"))
	e.openSurvey(t, sv.ID)
	anon := newBrowser(t, e.URL, "")
	for _, path := range []string{"/", "/decisions"} {
		_, body := anon.get(path)
		if text := visibleText(body); !strings.Contains(text, "截止时间") || !strings.Contains(text, "还剩") {
			t.Errorf("%s shows no deadline: %s", path, snippet(text))
		}
	}
	_, body := anon.get("/surveys")
	if text := visibleText(body); !strings.Contains(text, "还剩14天") && !strings.Contains(text, "还剩13天") {
		t.Errorf("/surveys shows no days left: %s", snippet(text))
	}
	// Two days before the end both are closing soon.
	e.Clock.Advance(28 * 24 * time.Hour)
	_, body = newBrowser(t, e.URL, "").get("/decisions?status=consulting")
	if !strings.Contains(visibleText(body), "即将截止") {
		t.Errorf("a consultation two days from its end is not marked 即将截止: %s", snippet(visibleText(body)))
	}
}
