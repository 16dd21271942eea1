package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
)

// revisedDraft is draftText after the consultation: article 3 changed
// because of a resident's opinion, a new article 4 inserted, the old
// article 4 moved to 5.
const revisedDraft = `平顶山市城区义务教育学校招生入学办法

第一章 总则
第一条 为规范城区义务教育学校招生入学工作，根据《中华人民共和国义务教育法》，制定本办法。
第二条 本办法适用于本市城区公办义务教育学校。
第二章 招生
第三条 公办学校实行划片招生、免试就近入学，划片范围提前公示。
第四条 学校不得以各类考试、竞赛成绩作为招生依据。
第五条 随迁子女凭居住证入学，享受同等待遇。`

// changedEnv is a decision taken through the whole procedure: a resident's
// published opinion on article 3, the consultation closed, a revised
// version 2 uploaded, the opinion answered through the lead unit's page
// naming article 3 of version 2 as changed, the adoption report published,
// version 2 reviewed and published (so it is public). It returns the
// environment, the article anchors of version 1, the resident's browser and
// the receipt.
func changedEnv(t *testing.T) (*reviewPagesEnv, []string, *browser, string) {
	t.Helper()
	ctx := context.Background()
	e := newReviewCity(t, "平顶山市城区义务教育学校招生入学办法")
	resident, _ := e.Account(identity.RoleResident, "")
	svc, d := e.Consultation, e.d
	id := strconv.FormatInt(d.ID, 10)
	v1, err := svc.CreateDraftVersion(ctx, &e.staff, d.ID, consultation.DraftVersionInput{Text: draftText,
		Explanation: "为落实义务教育法，起草本办法。", LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}})
	if err != nil {
		t.Fatal(err)
	}
	var anchors []string
	for _, a := range v1.Articles {
		anchors = append(anchors, a.Anchor)
	}
	e.OpenConsultation(&e.staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台逐条发表意见", ShowComments: true})
	c := publishedComment(t, svc, &resident, &e.staff, d.ID, consultation.CommentInput{ArticleAnchor: anchors[2],
		Body: "建议在招生前公示划片范围，方便家长安排。", Stance: "suggestion"})
	e.CloseConsultations()
	v2, err := svc.CreateDraftVersion(ctx, &e.staff, d.ID, consultation.DraftVersionInput{Text: revisedDraft,
		Explanation: "根据公众意见修改。", LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}})
	if err != nil {
		t.Fatal(err)
	}
	// The lead unit answers on its page and names the changed article
	// (article 3 keeps its anchor in version 2).
	staff := newBrowser(t, e.URL, e.signIn(t, e.staff))
	status, body := staff.get("/staff/decisions/" + id + "/comments?status=published")
	wantStatus(t, "moderation queue", status, http.StatusOK, body)
	if !strings.Contains(body, `name="changed_articles" value="`+anchors[2]+`"`) {
		t.Fatalf("the answer form offers no articles of version 2")
	}
	path := "/staff/decisions/" + id + "/comments/" + strconv.FormatInt(c.ID, 10) + "/disposition"
	form := url.Values{"disposition": {"adopted"}, "reason": {"采纳，第三条增加公示要求。"}, "changed_articles": {"a-nonexistent"}}
	// A made-up article is refused, in words.
	status, body = staff.post(path, form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "所选条文不在最新的草案版本中") {
		t.Errorf("unknown article: %d %s", status, snippet(body))
	}
	form.Set("changed_articles", anchors[2])
	status, loc := staff.post(path, form)
	wantStatus(t, "disposition with a changed article", status, http.StatusSeeOther, loc)
	if _, err := svc.GenerateAdoptionReport(ctx, &e.staff, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PublishAdoptionReport(ctx, &e.staff, d.ID); err != nil {
		t.Fatal(err)
	}
	e.submitForReview(t, v2.ContentHash)
	e.concluded(t)
	e.publishThroughPages(t)
	return e, anchors, newBrowser(t, e.URL, e.signIn(t, resident)), c.Receipt
}

// TestVersionComparisonLeadsToOpinionsInBrowser: a visitor compares the
// consulted draft with the revised one, sees the redline of article 3, the
// inserted article and the renumbered one, and follows the changed article
// to the opinion behind it; the resident's own page says their opinion
// changed 第三条 of version 2 and links to that change (issue 17).
func TestVersionComparisonLeadsToOpinionsInBrowser(t *testing.T) {
	e, anchors, resident, receipt := changedEnv(t)
	id := strconv.FormatInt(e.d.ID, 10)
	for _, vp := range viewports {
		ctx := chrome(t, vp.size, 40*time.Second)
		// From the decision's page, as a visitor finds it: the published
		// box links the consulted draft's comparison with the published text.
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(e.URL+"/decisions/"+id),
			chromedp.WaitVisible(chromedp.ID("published")),
			chromedp.Click(chromedp.ID("compare-published")),
			chromedp.WaitVisible(chromedp.ID("compare-summary")),
		))
		browsertest.Screenshot(t, ctx, "compare-"+vp.name)
		browsertest.Axe(t, ctx, vp.name+" comparison")
		summary := textOf(t, ctx, chromedp.ID("compare-summary"))
		if !strings.Contains(summary, "修改1条，新增1条，删除0条，移动或重新编号1条") {
			t.Errorf("%s: summary %q", vp.name, summary)
		}
		art := textOf(t, ctx, chromedp.ID("art-"+anchors[2]))
		for _, want := range []string{"第三条", "划片范围提前公示", "据以修改的公众意见（1条）", "建议在招生前公示划片范围", "采纳"} {
			if !strings.Contains(art, want) {
				t.Errorf("%s: changed article lacks %q: %q", vp.name, want, art)
			}
		}
		moved := textOf(t, ctx, chromedp.ID("art-"+anchors[3]))
		if !strings.Contains(moved, "原第四条 → 现第五条") {
			t.Errorf("%s: moved article %q", vp.name, moved)
		}
		must(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`#art-`+anchors[2]+` a[href^="/comment-receipts/"]`)),
			chromedp.WaitVisible(chromedp.ID("receipt")),
		))
		got := textOf(t, ctx, chromedp.ID("receipt"))
		if got != receipt {
			t.Errorf("%s: followed to receipt %q, want %q", vp.name, got, receipt)
		}
		noSideScroll(t, ctx, vp.name+" receipt")
		// The process record of the same decision, with its verification.
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(e.URL+"/decisions/"+id+"/record"),
			chromedp.WaitVisible(chromedp.ID("verify-result")),
		))
		browsertest.Screenshot(t, ctx, "record-"+vp.name)
		verdict := textOf(t, ctx, chromedp.ID("verify-result"))
		if !strings.Contains(verdict, "核验通过") {
			t.Errorf("%s: record verification %q", vp.name, verdict)
		}
		noSideScroll(t, ctx, vp.name+" record")
		browsertest.Axe(t, ctx, vp.name+" record")
	}
	// The resident's page, from the opinion to the change.
	status, body := resident.get("/me/comments")
	wantStatus(t, "my comments", status, http.StatusOK, body)
	if !strings.Contains(visibleText(body), "根据您的意见修改了草案第2版的 第三条") &&
		!strings.Contains(visibleText(body), "根据您的意见修改了草案第2版的第三条") {
		t.Errorf("my comments page does not say the opinion changed article 3: %s", snippet(visibleText(body)))
	}
	if !strings.Contains(body, `/decisions/`+id+`/compare?from=1&amp;to=2#art-`+anchors[2]) {
		t.Errorf("my comments page does not link to the change")
	}
}
