package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestLegalOpinionSignedWithDeviceKeyInBrowser: a legal adviser makes a
// personal Ed25519 key in Chromium (WebCrypto, non-extractable, kept in
// IndexedDB), confirms it with the SMS code, and signs an opinion with it
// on the opinion page. The record says the opinion carries the adviser's
// own signature, verifies online and in the exported archive offline
// naming the key; the opinion changed in the database afterwards is caught
// naming the entry; the revoked key is no longer offered.
func TestLegalOpinionSignedWithDeviceKeyInBrowser(t *testing.T) {
	e := newReviewPagesEnv(t)
	ctx := chrome(t, browsertest.Phone, 60*time.Second)
	must(t, chromedp.Do(ctx,
		signInSteps(e.URL, *e.adviser.Phone),
		chromedp.Click(chromedp.CSS(`a[href="/me/signing-keys"]`)),
		chromedp.WaitVisible(chromedp.ID("enrol-key")),
		chromedp.SendKeys(chromedp.ID("f-label"), "办公室电脑"),
		chromedp.Click(chromedp.ID("enrol-button")),
		chromedp.WaitVisible(chromedp.CSS(`li.key-pending`)),
	))
	keyID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('li.key-pending').dataset.keyId`))
	must(t, err)
	code := e.SMS.Code(*e.adviser.Phone)
	if len(code) != 6 || len(keyID) != 16 {
		t.Fatalf("key %q, SMS code %q", keyID, code)
	}
	// What the browser sent is only the public key, and it has the id the page shows.
	var pub []byte
	var origin string
	if err := e.DB.QueryRow(context.Background(), `SELECT public_key, origin FROM personal_signing_keys WHERE key_id = $1`, keyID).
		Scan(&pub, &origin); err != nil || record.KeyID(pub) != keyID || origin != "browser" {
		t.Fatalf("enrolled key %x %s: %v", pub, origin, err)
	}
	browsertest.Screenshot(t, ctx, "signing-keys-pending")
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("code-"+keyID), code),
		chromedp.Click(chromedp.CSS(`li.key-pending form button`)),
		chromedp.WaitVisible(chromedp.CSS(`li.key-active .on-device`)),
	))
	browsertest.Screenshot(t, ctx, "signing-keys-active")
	// The private key cannot be read out of the browser.
	extractable, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(function (resolve) {
		var r = indexedDB.open('canyu-signing-keys', 1);
		r.onsuccess = function () {
			var g = r.result.transaction('keys').objectStore('keys').get('`+keyID+`');
			g.onsuccess = function () { resolve(g.result.privateKey.extractable); };
		};
	})`, chromedp.EvalAwaitPromise))
	must(t, err)
	if extractable {
		t.Fatal("the private key kept in the browser is extractable")
	}

	// The opinion, signed on this device.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+e.reviewPath("/adviser/reviews/")),
		chromedp.WaitVisible(chromedp.ID("opinion-form")),
	))
	for _, i := range []string{"0", "1", "2"} {
		must(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.ID("f-findings-"+i+"-finding-0")),
			chromedp.SetValue(chromedp.ID("f-findings-"+i+"-reasoning"), "经审查，符合规定。"),
			chromedp.SetValue(chromedp.ID("f-findings-"+i+"-cited_provisions"), "《重大行政决策程序暂行条例》第二十七条")))
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("f-overall-0")),
		chromedp.WaitVisible(chromedp.ID("prepare-signature")),
		chromedp.Click(chromedp.ID("prepare-signature")),
		chromedp.WaitVisible(chromedp.ID("confirm-sign")),
	))
	browsertest.Screenshot(t, ctx, "opinion-device-confirm")
	noSideScroll(t, ctx, "the confirmation of a device signature")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("confirm-sign")),
		chromedp.WaitNotPresent(chromedp.ID("confirm-sign")),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	if !strings.Contains(loc, "flash=opinion_signed") {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("not signed: at %s: %s", loc, body)
	}

	// The record: the adviser's own signature, countersigned, verifies online…
	res, err := e.Consultation.VerifyDecisionRecord(context.Background(), &e.staff, e.d.ID)
	if err != nil || !res.OK || res.PersonalSignatures != 1 || !slices.Equal(res.PersonalKeys, []string{keyID}) || res.Signatures != 1 {
		t.Fatalf("online verification %+v: %v", res, err)
	}
	var payload string
	var seq int64
	if err := e.DB.QueryRow(context.Background(), `SELECT payload, seq FROM record_entries WHERE decision_id = $1 AND kind = 'legal_opinion_signed'`,
		e.d.ID).Scan(&payload, &seq); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(payload, `"method":"personal_key"`) || !strings.Contains(payload, `"origin":"browser"`) {
		t.Fatalf("the entry does not carry the device signature: %s", payload)
	}
	// …and offline in the archive.
	archive := exportArchive(t, e)
	off, err := record.VerifyArchive(bytes.NewReader(archive), int64(len(archive)))
	if err != nil || !off.OK || off.PersonalSignatures != 1 || !slices.Equal(off.PersonalKeys, []string{keyID}) {
		t.Fatalf("offline verification %+v: %v", off, err)
	}

	// Revoked on its page: the form no longer offers the key.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/me/signing-keys"),
		chromedp.WaitVisible(chromedp.CSS(`li.key-active form.revoke-key`)),
		chromedp.Click(chromedp.CSS(`li.key-active form.revoke-key button`)),
		chromedp.WaitVisible(chromedp.CSS(`li.key-revoked`)),
		chromedp.Navigate(e.URL+e.reviewPath("/adviser/reviews/")),
		chromedp.WaitVisible(chromedp.ID("opinion-form")),
	))
	time.Sleep(300 * time.Millisecond) // the script looks for a key on this device
	offered, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.getElementById('device-signing') && !document.getElementById('device-signing').hidden`))
	must(t, err)
	if offered {
		t.Fatal("a revoked key is still offered for signing")
	}
	if res, err = e.Consultation.VerifyDecisionRecord(context.Background(), &e.staff, e.d.ID); err != nil || !res.OK || res.PersonalSignatures != 1 {
		t.Fatalf("after revocation the signed opinion no longer verifies: %+v %v", res, err)
	}

	// A superuser changes the signed opinion: caught online and offline, naming the entry.
	if err := pgx.BeginFunc(context.Background(), e.DB, func(tx pgx.Tx) error {
		for _, q := range []string{`ALTER TABLE legal_opinions DISABLE TRIGGER legal_opinions_immutable`,
			`UPDATE legal_opinions SET overall = 'unlawful' WHERE decision_id = ` + fmt.Sprint(e.d.ID),
			`ALTER TABLE legal_opinions ENABLE TRIGGER legal_opinions_immutable`} {
			if _, err := tx.Exec(context.Background(), q); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	res, err = e.Consultation.VerifyDecisionRecord(context.Background(), &e.staff, e.d.ID)
	if err != nil || res.OK || res.FirstBadSeq != seq || !strings.Contains(res.Problem, "legal_opinions") {
		t.Fatalf("tampered opinion verified online: %+v %v", res, err)
	}
	archive = exportArchive(t, e)
	off, err = record.VerifyArchive(bytes.NewReader(archive), int64(len(archive)))
	if err != nil || off.OK || off.FirstBadSeq != seq || !strings.Contains(off.Problem, "legal_opinions") {
		t.Fatalf("tampered opinion verified offline: %+v %v", off, err)
	}
}

func exportArchive(t *testing.T, e *reviewPagesEnv) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/decisions/%d/archive", e.URL, e.d.ID), nil)
	req.Header.Set("Authorization", "Bearer "+e.signIn(t, e.staff))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("archive: %d %s", resp.StatusCode, body)
	}
	return body
}
