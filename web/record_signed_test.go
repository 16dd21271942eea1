package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestRecordPageShowsWhatASignatureCovers (outside check adm): years later
// the process-record page is where a reader looks up a sign-off. It lists
// the adviser's signed legal opinion beside the reviewer's conclusion, and
// for each signed step says who signed (the role), with which key and
// over which exact draft version (its number and full content hash). On
// the old code the page left the legal opinion out (while counting its
// signature in the verification summary) and said of a signed step only
// "本人输入密码确认后，由平台电子签名".
func TestRecordPageShowsWhatASignatureCovers(t *testing.T) {
	e := newReviewPagesEnv(t)
	e.concluded(t)
	var key string
	if err := e.DB.QueryRow(context.Background(), `SELECT signer_key FROM record_entries
		WHERE decision_id = $1 AND kind = 'review_conclusion_signed'`, e.d.ID).Scan(&key); err != nil || key == "" {
		t.Fatalf("the conclusion's key: %q %v", key, err)
	}
	for _, who := range []struct {
		name, token string
		staff       bool
	}{{"anonymous", "", false}, {"reviewer", e.signIn(t, e.reviewer), true}} {
		status, body := newBrowser(t, e.URL, who.token).get("/decisions/" + strconv.FormatInt(e.d.ID, 10) + "/record")
		wantStatus(t, who.name, status, http.StatusOK, body)
		wantContains(t, who.name, body, "法律顾问出具法律意见", "合法性审查机构出具审查意见", "签署人：法律顾问", "签署人：合法性审查人员",
			"所签草案：第1版")
		if n := strings.Count(body, "所签草案：第1版"); n != 2 {
			t.Errorf("%s: %d signed steps name the version, want 2", who.name, n)
		}
		// Public pages show no hashes (issue 17); staff see the hash and key.
		if who.staff {
			wantContains(t, who.name, body, e.hash, "签名密钥：", `<code class="code">`+key+`</code>`)
		} else if strings.Contains(body, e.hash) || strings.Contains(body, key) {
			t.Errorf("%s: the public record page shows a hash or key", who.name)
		}
	}
	// A phone shows the 64-character hash without scrolling sideways.
	ctx := chrome(t, browsertest.Phone, 30*time.Second)
	sessionCookie(t, ctx, e.URL, e.signIn(t, e.reviewer))
	must(t, chromedp.Do(ctx, chromedp.Navigate(e.URL+"/decisions/"+strconv.FormatInt(e.d.ID, 10)+"/record"),
		chromedp.WaitVisible(chromedp.CSS(".signed-what"))))
	noSideScroll(t, ctx, "record page with signed steps")
	browsertest.Screenshot(t, ctx, "record-signed-steps")
	res, err := e.Consultation.VerifyDecisionRecord(context.Background(), &e.staff, e.d.ID)
	if err != nil || !res.OK {
		t.Fatalf("verify: %+v %v", res, err)
	}
}
