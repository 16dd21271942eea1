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
	"github.com/canyu-gov/canyu/internal/testenv"
)

// commentEnv is a decision of the education bureau under consultation,
// with the anchors of its four articles.
type commentEnv struct {
	*pagesEnv
	d       consultation.Decision
	id      string
	anchors []string
}

// newCommentEnv opens a consultation that shows published comments
// publicly when show is set.
func newCommentEnv(t *testing.T, show bool) *commentEnv {
	t.Helper()
	e := newPagesEnv(t)
	d := e.decision(t, "城区义务教育学校招生入学办法")
	ctx := context.Background()
	if _, err := e.Consultation.CreateDraftVersion(ctx, &e.staff, d.ID, consultation.DraftVersionInput{Text: draftText,
		Explanation: "为落实义务教育法，起草本办法。", LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}}); err != nil {
		t.Fatal(err)
	}
	e.OpenConsultation(&e.staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台逐条发表意见", ShowComments: show})
	v, err := e.Consultation.GetDraftVersion(ctx, &e.staff, d.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	ce := &commentEnv{pagesEnv: e, d: d, id: strconv.FormatInt(d.ID, 10)}
	for _, a := range v.Articles {
		ce.anchors = append(ce.anchors, a.Anchor)
	}
	if len(ce.anchors) != 4 {
		t.Fatalf("articles: %v", ce.anchors)
	}
	return ce
}

// publishComments has one resident comment on the article with each body
// (without the rate limits, as from many residents) and the lead unit
// publish them.
func (e *commentEnv) publishComments(t *testing.T, anchor string, bodies ...string) {
	t.Helper()
	e.Consultation.CommentLimits = consultation.CommentLimits{PerAccountPerMinute: -1, PerAccountPerDay: -1, PerAddressPerMinute: -1}
	resident, _ := e.Account(identity.RoleResident, "")
	for _, body := range bodies {
		publishedComment(t, e.Consultation, &resident, &e.staff, e.d.ID, consultation.CommentInput{ArticleAnchor: anchor, Body: body})
	}
}

// publishedComment submits a comment as author and has the lead unit's
// staff publish it.
func publishedComment(t *testing.T, svc *consultation.Service, author, staff *identity.Account, decisionID int64,
	in consultation.CommentInput) consultation.Comment {
	t.Helper()
	ctx := context.Background()
	c, _, err := svc.SubmitComment(ctx, author, decisionID, in)
	must(t, err)
	_, err = svc.ModerateComment(ctx, staff, c.ID, consultation.ModerationPublish, "")
	must(t, err)
	return c
}

// resident is a verified resident's browser.
func (e *commentEnv) resident(t *testing.T) (identity.Account, *browser) {
	t.Helper()
	a, token := e.Account(identity.RoleResident, "")
	return a, newBrowser(t, e.URL, token)
}

// signIn opens a new session for a (testenv) account: sessions last a
// day, and the tests move the clock past a 30-day window.
func (e *commentEnv) signIn(t *testing.T, a identity.Account) *browser {
	t.Helper()
	s, err := e.Identity.CreateSession(context.Background(), identity.LoginInput{Login: *a.Phone, Password: testenv.Password})
	if err != nil {
		t.Fatal(err)
	}
	return newBrowser(t, e.URL, s.Token)
}

// comment posts the comment form and returns the receipt it leads to.
func (e *commentEnv) comment(t *testing.T, b *browser, anchor, body string) string {
	t.Helper()
	form := url.Values{"article": {anchor}, "body": {body}, "stance": {"suggestion"}, "key": {body}}
	status, loc := b.post("/decisions/"+e.id+"/comment", form)
	wantStatus(t, "submit comment", status, http.StatusSeeOther, loc)
	receipt, ok := strings.CutPrefix(loc, "/comment-receipts/")
	if !ok {
		t.Fatalf("after submitting: %s", loc)
	}
	receipt, _, _ = strings.Cut(receipt, "?")
	return receipt
}

// commentID finds a comment by its receipt.
func (e *commentEnv) commentID(t *testing.T, receipt string) string {
	t.Helper()
	var id int64
	if err := e.DB.QueryRow(context.Background(), `SELECT id FROM comments WHERE receipt = $1`, receipt).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func (e *commentEnv) moderate(t *testing.T, staff *browser, receipt, action, reason string) {
	t.Helper()
	status, body := staff.post("/staff/decisions/"+e.id+"/comments/"+e.commentID(t, receipt)+"/moderation",
		url.Values{"action": {action}, "reason": {reason}, "back": {"status=pending"}})
	wantStatus(t, "moderate", status, http.StatusSeeOther, body)
}

// TestPendingAndRejectedCommentsStayPrivate: a comment waiting for
// moderation or rejected is shown to nobody but its author and the lead
// unit — not on the decision page, not in the counts, not in the list; the
// receipt page shows only its status. Once published it is public,
// escaped.
func TestPendingAndRejectedCommentsStayPrivate(t *testing.T) {
	e := newCommentEnv(t, true)
	_, author := e.resident(t)
	_, other := e.resident(t)
	anon := newBrowser(t, e.URL, "")
	staff := newBrowser(t, e.URL, e.staffToken)
	pending := `建议划片范围提前公示<script>alert("pending")</script>`
	rejected := "我的电话是13800001111，请联系我（个人信息）"
	pr := e.comment(t, author, e.anchors[2], pending)
	rr := e.comment(t, author, e.anchors[2], rejected)
	e.moderate(t, staff, rr, "reject", "personal_information")

	paths := []string{"/decisions/" + e.id, "/decisions/" + e.id + "/comments", "/decisions/" + e.id + "/comments?article=" + e.anchors[2]}
	for name, b := range map[string]*browser{"anonymous": anon, "other resident": other} {
		for _, path := range paths {
			status, body := b.get(path)
			wantStatus(t, name+" "+path, status, http.StatusOK, body)
			if strings.Contains(body, "建议划片范围提前公示") || strings.Contains(body, "13800001111") {
				t.Errorf("%s sees an unpublished comment on %s", name, path)
			}
			if strings.Contains(body, "已公开意见 1 条") || strings.Contains(body, "已公开意见 2 条") {
				t.Errorf("%s: unpublished comments counted on %s", name, path)
			}
		}
		for _, receipt := range []string{pr, rr} {
			status, body := b.get("/comment-receipts/" + receipt)
			wantStatus(t, name+" receipt", status, http.StatusOK, body)
			if strings.Contains(body, "建议划片范围") || strings.Contains(body, "13800001111") {
				t.Errorf("%s: the receipt page shows the text of an unpublished comment", name)
			}
		}
	}
	if _, body := anon.get("/comment-receipts/" + pr); !strings.Contains(body, "待审核") {
		t.Error("the receipt page lacks the status")
	}
	if _, body := anon.get("/comment-receipts/" + rr); !strings.Contains(body, "未通过审核") || !strings.Contains(body, "含有个人信息") {
		t.Error("the receipt page lacks the rejection and its reason")
	}

	// The author sees their own pending comment, marked as private.
	_, body := author.get("/decisions/" + e.id)
	if !strings.Contains(body, "建议划片范围提前公示&lt;script&gt;") || !strings.Contains(body, "仅您本人可见") {
		t.Errorf("the author does not see their pending comment:\n%s", snippet(body))
	}
	// Staff see both in the queue, escaped.
	_, body = staff.get("/staff/decisions/" + e.id + "/comments")
	if !strings.Contains(body, "建议划片范围提前公示&lt;script&gt;alert") || !strings.Contains(body, "13800001111") {
		t.Errorf("the queue lacks the comments:\n%s", snippet(body))
	}
	if strings.Contains(body, `<script>alert("pending")`) {
		t.Error("comment markup is live in the queue")
	}
	// Staff viewing the public page see it as the public does.
	if _, body = staff.get("/decisions/" + e.id); strings.Contains(body, "13800001111") || strings.Contains(body, "建议划片范围") {
		t.Error("the public page shows unpublished comments to staff")
	}

	// Published: public, counted, escaped.
	e.moderate(t, staff, pr, "publish", "")
	for _, path := range paths {
		_, body := other.get(path)
		if !strings.Contains(body, "建议划片范围提前公示&lt;script&gt;alert(&#34;pending&#34;)&lt;/script&gt;") {
			t.Errorf("%s lacks the published comment, escaped", path)
		}
		if strings.Contains(body, `<script>alert("pending")`) {
			t.Errorf("%s: comment markup is live", path)
		}
		if strings.Contains(body, "13800001111") {
			t.Errorf("%s shows the rejected comment", path)
		}
	}
	// Anonymous readers are served a cached page up to ~2 s old (cache.go).
	e.Clock.Advance(3 * time.Second)
	if _, body = anon.get("/decisions/" + e.id); !strings.Contains(body, "已公开意见 1 条") {
		t.Error("the article's count is not 1")
	}
	if _, body = anon.get("/comment-receipts/" + pr); !strings.Contains(body, "建议划片范围提前公示&lt;script&gt;") {
		t.Error("the receipt page lacks the text of a published comment")
	}
}

// TestCountsPublicWhenCommentsHidden: a consultation that does not show
// comments still shows how many there are, but not their text.
func TestCountsPublicWhenCommentsHidden(t *testing.T) {
	e := newCommentEnv(t, false)
	_, author := e.resident(t)
	r := e.comment(t, author, e.anchors[0], "建议增加第一条的立法目的表述")
	e.moderate(t, newBrowser(t, e.URL, e.staffToken), r, "publish", "")
	for _, path := range []string{"/decisions/" + e.id, "/decisions/" + e.id + "/comments?article=" + e.anchors[0]} {
		_, body := newBrowser(t, e.URL, "").get(path)
		if strings.Contains(body, "建议增加第一条") {
			t.Errorf("%s shows a comment of a consultation that hides them", path)
		}
		if !strings.Contains(body, "已公开意见 1 条") && !strings.Contains(body, "已公开意见 <strong>1</strong> 条") {
			t.Errorf("%s lacks the count:\n%s", path, snippet(body))
		}
	}
}

// TestCommentFormStates: anonymous visitors are sent to log in, staff and
// unverified residents are told why they cannot comment, outside the
// window the page says so, and a double submission creates one comment.
func TestCommentFormStates(t *testing.T) {
	e := newCommentEnv(t, true)
	form := "/decisions/" + e.id + "/comment?article=" + e.anchors[2]

	status, loc := newBrowser(t, e.URL, "").get(form)
	if status != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape(form) {
		t.Fatalf("anonymous: %d %s", status, loc)
	}
	_, body := newBrowser(t, e.URL, e.staffToken).get(form)
	if !strings.Contains(body, `id="comment-staff"`) || strings.Contains(body, `name="body"`) {
		t.Error("staff are offered the comment form")
	}
	ctx := context.Background()
	if _, err := e.Identity.RegisterResident(ctx, identity.RegisterInput{Phone: "13700001234", Password: "secret-pass-1", DisplayName: "未验证"}); err != nil {
		t.Fatal(err)
	}
	sess, err := e.Identity.CreateSession(ctx, identity.LoginInput{Login: "13700001234", Password: "secret-pass-1"})
	if err != nil {
		t.Fatal(err)
	}
	unverified := newBrowser(t, e.URL, sess.Token)
	if _, body = unverified.get(form); !strings.Contains(body, `id="comment-unverified"`) || !strings.Contains(body, `href="/verify"`) {
		t.Error("an unverified resident is not told to verify")
	}
	status, body = unverified.post("/decisions/"+e.id+"/comment", url.Values{"article": {e.anchors[2]}, "body": {"未验证的意见"}})
	wantStatus(t, "unverified post", status, http.StatusForbidden, body)

	resident, res := e.resident(t)
	status, body = res.get(form)
	wantStatus(t, "form", status, http.StatusOK, body)
	wantContains(t, "the form", body, "第三条", "公办学校实行划片招生", `name="key"`, "最多5000字",
		"谁收集", "为什么收集", "保存多久", `value="support"`)
	if strings.Contains(body, `name="show_name" value="on" checked`) {
		t.Error("showing the display name is pre-ticked")
	}
	if _, body = res.get("/decisions/" + e.id + "/comment?article=a-nonexistent"); !strings.Contains(body, "没有这一条") {
		t.Error("an unknown article is not refused")
	}

	// A double tap posts the same key twice: one comment, one receipt.
	post := url.Values{"article": {e.anchors[2]}, "body": {"建议公示划片范围"}, "key": {"tap-1"}}
	_, first := res.post("/decisions/"+e.id+"/comment", post)
	_, second := res.post("/decisions/"+e.id+"/comment", post)
	if first != second || !strings.HasPrefix(first, "/comment-receipts/YJ-") {
		t.Fatalf("double submission: %s, %s", first, second)
	}
	var n int
	if err := e.DB.QueryRow(ctx, `SELECT count(*) FROM comments WHERE decision_id = $1`, e.d.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d comments after a double submission (%v)", n, err)
	}
	// Too long: refused with the text kept.
	status, body = res.post("/decisions/"+e.id+"/comment", url.Values{"body": {strings.Repeat("长", 5001)}, "key": {"long"}})
	wantStatus(t, "too long", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, "不能超过5000字") || !strings.Contains(body, strings.Repeat("长", 100)) {
		t.Error("a too-long comment is not refused with its text kept")
	}

	// After the window: the form says so and a post is refused.
	e.Clock.Advance(consultation.MinConsultationWindow + 1)
	res = e.signIn(t, resident)
	if _, body = res.get(form); !strings.Contains(body, `id="comment-closed"`) || !strings.Contains(body, "已结束") {
		t.Error("the form does not say the window is closed")
	}
	if _, body = newBrowser(t, e.URL, "").get(form); !strings.Contains(body, `id="comment-closed"`) {
		t.Error("an anonymous visitor is not told the window is closed")
	}
	status, body = res.post("/decisions/"+e.id+"/comment", url.Values{"article": {e.anchors[2]}, "body": {"迟到的意见"}, "key": {"late"}})
	wantStatus(t, "late post", status, http.StatusConflict, body)
	if !strings.Contains(body, "征求意见期已结束") {
		t.Error("a late comment's refusal does not say why")
	}
	if _, body = newBrowser(t, e.URL, "").get("/decisions/" + e.id); strings.Contains(body, `class="comment-button"`) {
		t.Error("comment buttons shown after the window")
	}
}

// TestStaffCommentPagesRefuseOtherAgencies: staff of another agency get
// 403 on the lead unit's comment pages and actions, and nothing changes.
func TestStaffCommentPagesRefuseOtherAgencies(t *testing.T) {
	e := newCommentEnv(t, true)
	_, res := e.resident(t)
	receipt := e.comment(t, res, e.anchors[0], "建议明确适用范围")
	cid := e.commentID(t, receipt)
	_, otherToken := e.Account(identity.RoleAgencyStaff, "wsj")
	other := newBrowser(t, e.URL, otherToken)
	base := "/staff/decisions/" + e.id
	for _, path := range []string{base + "/comments", base + "/comments?status=pending", base + "/comment-groups", base + "/adoption-report"} {
		status, body := other.get(path)
		wantStatus(t, path, status, http.StatusForbidden, body)
		if strings.Contains(body, "建议明确适用范围") {
			t.Errorf("%s leaks a comment to another agency", path)
		}
		if status, _ := res.get(path); status != http.StatusForbidden {
			t.Errorf("a resident gets %d on %s", status, path)
		}
	}
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{base + "/comments/" + cid + "/moderation", url.Values{"action": {"publish"}}},
		{base + "/comments/" + cid + "/disposition", url.Values{"disposition": {"adopted"}, "reason": {"好"}}},
		{base + "/adoption-report/generate", nil},
		{base + "/adoption-report/publish", nil},
	} {
		status, body := other.post(c.path, c.form)
		wantStatus(t, c.path, status, http.StatusForbidden, body)
	}
	var status string
	if err := e.DB.QueryRow(context.Background(), `SELECT status FROM comments WHERE receipt = $1`, receipt).Scan(&status); err != nil || status != "pending" {
		t.Fatalf("status %q after refused moderation (%v)", status, err)
	}
	// The lead unit's own queue works, and offers the exports, which the
	// session cookie opens.
	lead := newBrowser(t, e.URL, e.staffToken)
	_, body := lead.get(base + "/comments?status=pending")
	export := "/api/v1/decisions/" + e.id + "/comments/export?format=csv"
	if !strings.Contains(body, "建议明确适用范围") || !strings.Contains(body, export) {
		t.Errorf("the lead unit's queue:\n%s", snippet(body))
	}
	if status, body := lead.get(export); status != http.StatusOK || !strings.Contains(body, receipt) {
		t.Errorf("export with the session cookie: %d", status)
	}
	if status, _ := other.get(export); status != http.StatusForbidden {
		t.Errorf("another agency's export: %d", status)
	}
}

// TestCommentRateLimitOnPage: past the per-account limit the form is
// refused with 429, Retry-After and the text kept.
func TestCommentRateLimitOnPage(t *testing.T) {
	e := newCommentEnv(t, true)
	_, res := e.resident(t)
	for i := range consultation.DefaultCommentLimits.PerAccountPerMinute {
		e.comment(t, res, e.anchors[i%4], "第"+strconv.Itoa(i)+"条意见：建议细化。")
	}
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/decisions/"+e.id+"/comment",
		strings.NewReader(url.Values{"body": {"再多一条意见"}, "key": {"one-more"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r, err := res.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	_, body := res.post("/decisions/"+e.id+"/comment", url.Values{"body": {"再多一条意见"}, "key": {"one-more"}})
	if !strings.Contains(body, "过于频繁") || !strings.Contains(body, "再多一条意见") {
		t.Errorf("the refusal:\n%s", snippet(body))
	}
}

// TestCommentMarkupInertEverywhere: a comment holding HTML and script is
// shown as text on every page it appears on, public and staff, through
// moderation, disposition and the published adoption report.
func TestCommentMarkupInertEverywhere(t *testing.T) {
	e := newCommentEnv(t, true)
	resident, res := e.resident(t)
	staff := newBrowser(t, e.URL, e.staffToken)
	evil := `反对<script>alert("x")</script><img src=x onerror=alert(1)>`
	receipt := e.comment(t, res, e.anchors[1], evil)
	e.moderate(t, staff, receipt, "publish", "")
	e.Clock.Advance(consultation.MinConsultationWindow + 1)
	if _, err := e.Consultation.CloseDueConsultations(context.Background()); err != nil {
		t.Fatal(err)
	}
	staff, res = e.signIn(t, e.staff), e.signIn(t, resident)
	base := "/staff/decisions/" + e.id
	status, body := staff.post(base+"/comments/"+e.commentID(t, receipt)+"/disposition",
		url.Values{"disposition": {"not_adopted"}, "reason": {`不予采纳<b>理由</b>`}})
	wantStatus(t, "disposition", status, http.StatusSeeOther, body)
	for _, path := range []string{base + "/adoption-report/generate", base + "/adoption-report/publish"} {
		status, body := staff.post(path, nil)
		wantStatus(t, path, status, http.StatusSeeOther, body)
	}
	for _, c := range []struct {
		b    *browser
		path string
	}{
		{newBrowser(t, e.URL, ""), "/decisions/" + e.id},
		{newBrowser(t, e.URL, ""), "/decisions/" + e.id + "/comments"},
		{newBrowser(t, e.URL, ""), "/comment-receipts/" + receipt},
		{newBrowser(t, e.URL, ""), "/decisions/" + e.id + "/adoption-report"},
		{res, "/me/comments"},
		{staff, base + "/comments"},
		{staff, base + "/comment-groups?all=1"},
		{staff, base + "/adoption-report"},
	} {
		status, body := c.b.get(c.path)
		wantStatus(t, c.path, status, http.StatusOK, body)
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") || strings.Contains(body, "<b>理由") {
			t.Errorf("%s: comment markup is live", c.path)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(") {
			t.Errorf("%s does not show the comment as text:\n%s", c.path, snippet(body))
		}
	}
}

// TestDeleteMyDataSignsOut: deleting one's data needs the confirmation,
// then signs the resident out for good; their comment stays, anonymised.
func TestDeleteMyDataSignsOut(t *testing.T) {
	e := newCommentEnv(t, true)
	a, token := e.Account(identity.RoleResident, "")
	res := newBrowser(t, e.URL, token)
	receipt := e.comment(t, res, e.anchors[0], "建议明确第一条的依据")
	e.moderate(t, newBrowser(t, e.URL, e.staffToken), receipt, "publish", "")
	_, body := res.get("/me")
	if !strings.Contains(body, `action="/me/delete-data"`) || !strings.Contains(body, "匿名") || strings.Contains(body, `name="confirm" value="on" checked`) {
		t.Fatalf("/me lacks the deletion form:\n%s", snippet(body))
	}
	if _, body = res.get("/decisions/" + e.id); !strings.Contains(body, a.Pseudonym) {
		t.Fatal("the comment is not shown under the pseudonym")
	}
	status, body := res.post("/me/delete-data", url.Values{})
	wantStatus(t, "without confirmation", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, "确认") {
		t.Error("no message asks for the confirmation")
	}
	status, loc := res.post("/me/delete-data", url.Values{"confirm": {"on"}})
	if status != http.StatusSeeOther || loc != "/?flash=data_deleted" {
		t.Fatalf("delete: %d %s", status, loc)
	}
	if status, loc = res.get("/me"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("after deletion /me answers %d %s: still signed in", status, loc)
	}
	// The same token, presented afresh, is revoked too.
	if status, loc = newBrowser(t, e.URL, token).get("/me"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("the old session still works: /me answers %d %s", status, loc)
	}
	_, body = newBrowser(t, e.URL, "").get("/decisions/" + e.id)
	if !strings.Contains(body, "建议明确第一条的依据") || !strings.Contains(body, "已注销用户") || strings.Contains(body, a.Pseudonym) {
		t.Errorf("the comment is not kept anonymised:\n%s", snippet(body))
	}
}

// TestGroupAnswerAndReportPublication: staff answer a campaign of
// identical comments once from the groups page; publishing the report is
// refused with the reason while a comment waits for moderation, and "save
// and publish" publishes the edited text.
func TestGroupAnswerAndReportPublication(t *testing.T) {
	e := newCommentEnv(t, true)
	campaign := "坚决反对取消择校，请保留现有招生政策不变！"
	var receipts []string
	for range 3 {
		_, b := e.resident(t)
		receipts = append(receipts, e.comment(t, b, e.anchors[2], campaign))
	}
	_, late := e.resident(t)
	pending := e.comment(t, late, "", "建议整体增加过渡期安排")
	staff := newBrowser(t, e.URL, e.staffToken)
	for _, r := range receipts {
		e.moderate(t, staff, r, "publish", "")
	}
	e.Clock.Advance(consultation.MinConsultationWindow + 1)
	if _, err := e.Consultation.CloseDueConsultations(context.Background()); err != nil {
		t.Fatal(err)
	}
	staff = e.signIn(t, e.staff)
	base := "/staff/decisions/" + e.id
	_, body := staff.get(base + "/comment-groups")
	if !strings.Contains(body, "3条") || !strings.Contains(body, campaign) || strings.Count(body, `class="group"`) != 1 {
		t.Fatalf("groups page:\n%s", snippet(body))
	}
	var gid string
	if err := e.DB.QueryRow(context.Background(), `SELECT group_id::text FROM comments WHERE receipt = $1`, receipts[0]).Scan(&gid); err != nil {
		t.Fatal(err)
	}
	// A reason is required; the refusal shows next to the group.
	status, body := staff.post(base+"/comment-groups/"+gid+"/disposition", url.Values{"disposition": {"not_adopted"}})
	wantStatus(t, "group answer without a reason", status, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, `role="alert"`) {
		t.Error("the refusal is not shown")
	}
	status, loc := staff.post(base+"/comment-groups/"+gid+"/disposition",
		url.Values{"disposition": {"not_adopted"}, "reason": {"就近入学是义务教育法的要求，不予采纳。"}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "flash=group_disposition") {
		t.Fatalf("group answer: %d %s", status, loc)
	}
	if _, body = staff.get(base + "/comments?status=published&disposition=none"); !strings.Contains(body, `id="no-comments"`) {
		t.Error("published comments left unanswered after the group answer")
	}

	// Publishing waits for the pending comment.
	status, body = staff.post(base+"/adoption-report/generate", nil)
	wantStatus(t, "generate", status, http.StatusSeeOther, body)
	status, body = staff.post(base+"/adoption-report/publish", url.Values{"body": {"关于招生办法征求意见的采纳情况说明（修改稿）"}})
	wantStatus(t, "publish with a pending comment", status, http.StatusConflict, body)
	if !strings.Contains(body, "待审核") || !strings.Contains(body, "修改稿") {
		t.Errorf("the refusal does not say why or loses the edit:\n%s", snippet(body))
	}
	if status, _ := newBrowser(t, e.URL, "").get("/decisions/" + e.id + "/adoption-report"); status != http.StatusNotFound {
		t.Errorf("a draft report is public: %d", status)
	}
	e.moderate(t, staff, pending, "reject", "off_topic")
	staff.post(base+"/adoption-report/generate", nil)
	status, loc = staff.post(base+"/adoption-report/publish", url.Values{"body": {"关于招生办法征求意见的采纳情况说明（定稿）"}})
	if status != http.StatusSeeOther || loc != "/decisions/"+e.id+"/adoption-report?flash=report_published" {
		t.Fatalf("publish: %d %s", status, loc)
	}
	_, body = newBrowser(t, e.URL, "").get("/decisions/" + e.id + "/adoption-report")
	wantContains(t, "the public report", body, "（定稿）", "不予采纳", "就近入学是义务教育法的要求", campaign, "参与人数")
	if strings.Contains(body, "建议整体增加过渡期安排") {
		t.Error("the public report shows a rejected comment")
	}
	// The table of comments by article gives each article's answers: its
	// 处理结果 column read "—" on every row, as if nothing was answered.
	if row := regexp.MustCompile(`<tr><th scope="row">第三条</th>.*?</tr>`).FindString(body); !strings.Contains(row, "不予采纳3条") {
		t.Errorf("the report's row of 第三条 lacks its answers: %s", row)
	}
	if _, body = newBrowser(t, e.URL, "").get("/decisions/" + e.id); !strings.Contains(body, `id="report-link"`) {
		t.Error("the decision page does not link the published report")
	}
}

// TestReceiptAsCopiedByHand: a receipt copied from a note or read out over
// the phone comes back as the resident typed it: without the dashes, in
// lower case, with O for 0 and I or L for 1 (the receipt's alphabet leaves
// those letters out for this reason), with spaces, or in full-width
// characters. Each finds the comment, at the receipt's own address.
func TestReceiptAsCopiedByHand(t *testing.T) {
	e := newCommentEnv(t, true)
	_, author := e.resident(t)
	receipt := e.comment(t, author, e.anchors[0], "建议把放学时间推迟到下午五点半")
	anon := newBrowser(t, e.URL, "")
	typo := strings.NewReplacer("0", "O", "1", "l").Replace(receipt[3:])
	wide := strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f {
			return r - '!' + '！'
		}
		return r
	}, receipt)
	for _, typed := range []string{
		strings.ToLower(receipt),
		strings.ReplaceAll(receipt, "-", ""),
		receipt[:3] + typo,
		"YJ " + receipt[3:11] + " " + receipt[12:16] + " " + receipt[16:],
		wide,
	} {
		status, loc := anon.get("/comment-receipts?receipt=" + url.QueryEscape(typed))
		if status != http.StatusSeeOther || loc != "/comment-receipts/"+receipt {
			t.Errorf("%q: %d %q, want the page of %s", typed, status, loc, receipt)
		}
		status, body := anon.get("/comment-receipts/" + url.PathEscape(typed))
		if status != http.StatusOK || !strings.Contains(body, "待审核") {
			t.Errorf("%q: receipt page %d\n%s", typed, status, snippet(body))
		}
	}
}

// TestAllCommentsSayWhatTheyAreOn: the list of all public comments of a
// draft says of each comment which article it is on (linking to it) or
// that it is on the whole draft; without it a comment on 第三条 read as one
// on the whole draft.
func TestAllCommentsSayWhatTheyAreOn(t *testing.T) {
	e := newCommentEnv(t, true)
	e.publishComments(t, e.anchors[2], "划片范围应当提前三个月公示")
	e.publishComments(t, "", "整个办法应当增加对随迁子女的保障")
	_, body := newBrowser(t, e.URL, "").get("/decisions/" + e.id + "/comments")
	on := func(text string) string {
		at := strings.Index(body, text)
		if at < 0 {
			t.Fatalf("the list lacks %q\n%s", text, snippet(body))
		}
		start := strings.LastIndex(body[:at], "<article")
		return body[start:at]
	}
	if got := on("划片范围应当提前三个月公示"); !strings.Contains(got, "第三条") ||
		!strings.Contains(got, `href="/decisions/`+e.id+`#`+e.anchors[2]+`"`) {
		t.Errorf("the comment on 第三条 does not say so:\n%s", got)
	}
	if got := on("整个办法应当增加对随迁子女的保障"); !strings.Contains(got, "草案整体") {
		t.Errorf("the comment on the whole draft does not say so:\n%s", got)
	}
}

// TestStaffDecisionPagesRefuseOtherAgencies (outside check staff2): staff
// of another agency opened the lead unit's review, deliberation and
// publication, themes and documents pages of a public decision with 200,
// as if they could act there (every action was refused). Every page of the
// staff area of a decision answers them 403, as the comment pages do; the
// lead unit still reads them.
func TestStaffDecisionPagesRefuseOtherAgencies(t *testing.T) {
	e := newCommentEnv(t, true)
	_, otherToken := e.Account(identity.RoleAgencyStaff, "wsj")
	other := newBrowser(t, e.URL, otherToken)
	lead := newBrowser(t, e.URL, e.staffToken)
	base := "/staff/decisions/" + e.id
	for _, path := range []string{"", "/review", "/publication", "/themes", "/documents", "/compare",
		"/participation", "/comments", "/edit"} {
		status, body := other.get(base + path)
		if status != http.StatusForbidden {
			t.Errorf("other agency GET %s: %d, want 403", path, status)
		}
		if strings.Contains(body, "<form") && strings.Contains(body, `action="`+base) {
			t.Errorf("%s: the refusal carries a form of the lead unit", path)
		}
		if status, body := lead.get(base + path); status != http.StatusOK {
			t.Errorf("lead unit GET %s: %d\n%s", path, status, snippet(body))
		}
	}
}

// TestDecisionNavOffersOnlyUsablePages (outside check staff2): the decision
// body's staff, who record the meeting and may read the workspace, were
// offered the lead unit's pages in the decision's navigation (基本信息,
// 上传新版本, 公开征求意见, 公众意见, 听证与其他渠道), each answering 403.
// Every link the navigation offers them now opens; the lead unit keeps
// all of them.
func TestDecisionNavOffersOnlyUsablePages(t *testing.T) {
	e := newCommentEnv(t, true)
	_, bodyToken := e.Account(identity.RoleAgencyStaff, "pdsszf")
	base := "/staff/decisions/" + e.id
	navLinks := func(page string) []string {
		nav := page[strings.Index(page, `aria-label="决策事项工作区"`):]
		nav = nav[:strings.Index(nav, "</nav>")]
		var out []string
		for _, m := range regexp.MustCompile(`href="(/staff/decisions/[^"]+)"`).FindAllStringSubmatch(nav, -1) {
			out = append(out, m[1])
		}
		return out
	}
	body := newBrowser(t, e.URL, bodyToken)
	status, page := body.get(base)
	wantStatus(t, "decision body's workspace", status, http.StatusOK, page)
	links := navLinks(page)
	if len(links) < 4 {
		t.Fatalf("navigation: %v", links)
	}
	for _, l := range links {
		if status, page := body.get(l); status != http.StatusOK {
			t.Errorf("the navigation offers the decision body %s, which answers %d\n%s", l, status, snippet(page))
		}
	}
	_, page = newBrowser(t, e.URL, e.staffToken).get(base)
	if got := len(navLinks(page)); got != len(links)+5 {
		t.Errorf("the lead unit's navigation has %d links, want %d", got, len(links)+5)
	}
}
