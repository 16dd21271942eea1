package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestOfflineOpinionsOnPublicPages: opinions received by the 12345 hotline
// and at a site visit, once answered, are listed on a public page with
// their answers and counted by channel and disposition, linked from the
// decision's page, as online comments are; an unanswered one is not shown
// yet. They were served only through the API: no page showed a resident
// what became of the letter or the hotline call.
func TestOfflineOpinionsOnPublicPages(t *testing.T) {
	e := newPagesEnv(t)
	ctx := context.Background()
	d := e.decision(t, "平顶山市城区义务教育学校划片调整方案")
	e.publish(t, d)
	today := e.Clock.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	scan := hearing.Scan{Filename: "来源.pdf", Data: []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")}
	ops, err := e.Hearing.RecordOfflineOpinions(ctx, &e.staff, d.ID, []hearing.OfflineOpinionInput{
		{Channel: hearing.ChannelHotline, ReceivedOn: today, Source: "12345热线工单", Body: "上学要穿过建设路，建议增设护学岗。", Scan: scan},
		{Channel: hearing.ChannelSiteVisit, ReceivedOn: today, Source: "湛河区家长代表", Body: "新片区距离学校超过三公里。", Scan: scan},
		{Channel: hearing.ChannelLetter, ReceivedOn: today, Source: "市民来信", Body: "尚未答复的来信。", Scan: scan},
	})
	must(t, err)
	for i, reply := range []struct {
		k consultation.DispositionKind
		r string
	}{{consultation.DispositionAdopted, "已在建设路口增设护学岗。"}, {consultation.DispositionPartiallyAdopted, "开通校车接送。"}} {
		_, err := e.Hearing.DisposeOfflineOpinion(ctx, &e.staff, ops[i].ID, hearing.OpinionDispositionInput{Disposition: reply.k, Reason: reply.r})
		must(t, err)
	}
	_, body := newBrowser(t, e.URL, "").get(fmt.Sprintf("/decisions/%d", d.ID))
	wantContains(t, "the decision page", body, `id="offline-link"`, "已答复的意见（2条）")
	_, body = newBrowser(t, e.URL, "").get(fmt.Sprintf("/decisions/%d/offline-opinions", d.ID))
	wantContains(t, "the page of offline opinions", body, "12345热线", "增设护学岗", "已在建设路口增设护学岗。", "实地走访", "开通校车接送。",
		"<th scope=\"row\">12345热线</th><td class=\"num\">1</td><td>采纳1条</td>", "<td>部分采纳1条</td>")
	if strings.Contains(body, "尚未答复的来信") {
		t.Error("an unanswered letter is on the public page")
	}
	for _, vp := range viewports {
		bctx := chrome(t, vp.size, 30*time.Second)
		must(t, chromedp.Do(bctx, chromedp.Navigate(fmt.Sprintf("%s/decisions/%d/offline-opinions", e.URL, d.ID)),
			chromedp.WaitVisible(chromedp.ID("offline-opinions"))))
		browsertest.Screenshot(t, bctx, "offline-opinions-"+vp.name)
		noSideScroll(t, bctx, "offline opinions "+vp.name)
	}
}
