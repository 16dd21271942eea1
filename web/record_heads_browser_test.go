package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestRecordHeadsPage: the public page of signed tree heads lists the head
// the log job signed, in Chinese, on a phone without horizontal scrolling,
// and a public decision's timeline links to it.
func TestRecordHeadsPage(t *testing.T) {
	e := newPagesEnv(t)
	staff := e.staff
	bg := context.Background()
	d, err := e.Consultation.CreateDecision(bg, &staff, consultation.DecisionInput{Title: "平顶山市城区义务教育学校招生入学办法",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Consultation.CreateDraftVersion(bg, &staff, d.ID, consultation.DraftVersionInput{
		Text: "第一条 为规范招生入学工作，制定本办法。", Explanation: "起草说明"}); err != nil {
		t.Fatal(err)
	}
	e.OpenConsultation(&staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台提出意见"})
	if _, err := e.Consultation.LogRecordHeads(bg); err != nil {
		t.Fatal(err)
	}
	head, _, err := e.Consultation.ListRecordHeads(bg, 1, "")
	if err != nil || len(head) != 1 {
		t.Fatalf("heads %v %v", head, err)
	}

	ctx := chrome(t, browsertest.Phone, 30*time.Second)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/decisions/"+strconv.FormatInt(d.ID, 10)),
		chromedp.WaitVisible(chromedp.CSS(`.record-link a[href="/record/heads"]`)),
		chromedp.Click(chromedp.CSS(`.record-link a[href="/record/heads"]`)),
		chromedp.WaitVisible(chromedp.ID("record-heads")),
	))
	text := textOf(t, ctx, chromedp.ID("record-heads"))
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	must(t, err)
	browsertest.Screenshot(t, ctx, "record-heads-phone")
	if !strings.Contains(text, "第 1 号树头") || !strings.Contains(text, head[0].RootHash) || !strings.Contains(text, "北京时间") {
		t.Fatalf("page text: %s", text)
	}
	if wide {
		t.Fatal("the heads page scrolls sideways at 390 px")
	}
}
