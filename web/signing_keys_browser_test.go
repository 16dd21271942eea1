package web_test

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/canyu-gov/canyu/internal/identity"
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
	keyID := enrolDeviceKey(t, ctx, e, e.adviser, "办公室电脑")
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
	signFindingsOnDevice(t, ctx, e.URL+e.reviewPath("/adviser/reviews/"), "opinion", "overall", "the confirmation of a device signature",
		chromedp.WaitNotPresent(chromedp.ID("opinion-confirm-sign")),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")))
	wantLocation(t, ctx, "flash=opinion_signed")

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
	off, err := verifyExportedArchive(t, e)
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
	// Once the script has looked for a key on this device (data-checked).
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('opinion-device-signing').dataset.checked === '1'`,
		chromedp.WithPollingTimeout(10*time.Second)))
	must(t, err)
	offered, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById('opinion-device-signing').hidden`))
	must(t, err)
	if offered {
		t.Fatal("a revoked key is still offered for signing")
	}
	if res, err = e.Consultation.VerifyDecisionRecord(context.Background(), &e.staff, e.d.ID); err != nil || !res.OK || res.PersonalSignatures != 1 {
		t.Fatalf("after revocation the signed opinion no longer verifies: %+v %v", res, err)
	}

	// A superuser changes the signed opinion: caught online and offline, naming the entry.
	changeAsSuperuser(t, e, "legal_opinions", "overall = 'unlawful'")
	res, err = e.Consultation.VerifyDecisionRecord(context.Background(), &e.staff, e.d.ID)
	if err != nil || res.OK || res.FirstBadSeq != seq || !strings.Contains(res.Problem, "legal_opinions") {
		t.Fatalf("tampered opinion verified online: %+v %v", res, err)
	}
	off, err = verifyExportedArchive(t, e)
	if err != nil || off.OK || off.FirstBadSeq != seq || !strings.Contains(off.Problem, "legal_opinions") {
		t.Fatalf("tampered opinion verified offline: %+v %v", off, err)
	}
}

// enrolDeviceKey signs the account in, makes a key in this browser on
// /me/signing-keys (only the public half reaches the platform) and
// confirms it with the SMS code; it returns the key's id.
func enrolDeviceKey(t *testing.T, ctx context.Context, e *reviewPagesEnv, a identity.Account, label string) string {
	t.Helper()
	must(t, chromedp.Do(ctx,
		signInSteps(e.URL, *a.Phone),
		chromedp.Click(chromedp.CSS(`a[href="/me/signing-keys"]`)),
		chromedp.WaitVisible(chromedp.ID("enrol-key")),
		chromedp.SendKeys(chromedp.ID("f-label"), label),
		chromedp.Click(chromedp.ID("enrol-button")),
		chromedp.WaitVisible(chromedp.CSS(`li.key-pending`)),
	))
	keyID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('li.key-pending').dataset.keyId`))
	must(t, err)
	code := e.SMS.Code(*a.Phone)
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
		chromedp.WaitVisible(chromedp.CSS(`li.key-active[data-key-id="`+keyID+`"] .on-device`)),
	))
	browsertest.Screenshot(t, ctx, "signing-keys-active")
	return keyID
}

// TestConclusionAndDeliberationSignedWithDeviceKeysInBrowser: a reviewer
// signs the review conclusion in Chromium with a personal WebCrypto key,
// and the head of the decision body's office signs the next signed step,
// the meeting's decision, with theirs on the deliberation form (the
// publication form, on the same page, is offered only after the meeting). The record says each was
// signed with the signer's own key, countersigned by the platform; both
// verify through the verify operation and in the exported archive
// offline, naming the two keys; the meeting changed in the database
// afterwards is caught online and offline naming its entry.
func TestConclusionAndDeliberationSignedWithDeviceKeysInBrowser(t *testing.T) {
	signStepsWithDeviceKeys(t, browsertest.Phone)
}

// signStepsWithDeviceKeys runs the conclusion and the meeting signed with
// device keys in a browser of the given viewport.
func signStepsWithDeviceKeys(t *testing.T, viewport [2]int) {
	e := newReviewPagesEnv(t)
	head, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	e.lawfulOpinion(t)
	ctx := chrome(t, viewport, 120*time.Second)

	// The reviewer's conclusion, signed on this device.
	reviewerKey := enrolDeviceKey(t, ctx, e, e.reviewer, "审查处电脑")
	signFindingsOnDevice(t, ctx, e.URL+e.reviewPath("/review/"), "conclusion", "outcome", "the conclusion's device signature",
		chromedp.WaitVisible(chromedp.ID("conclusion")))
	wantLocation(t, ctx, "flash=conclusion_signed")

	// The head's meeting decision, signed on this device too: the
	// reviewer's key is not offered to them.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`header.site form button`)),
		chromedp.WaitVisible(chromedp.CSS(`header.site a[href="/login"]`)),
	))
	headKey := enrolDeviceKey(t, ctx, e, head, "市政府办公室电脑")
	today := e.Clock.Now().In(shanghaiZone).Format(time.DateOnly)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/staff/decisions/%d/publication", e.URL, e.d.ID)),
		chromedp.WaitVisible(chromedp.ID("deliberation-form")),
		chromedp.Click(chromedp.ID("f-meeting_kind-0")),
		chromedp.SetValue(chromedp.ID("f-meeting_date"), today),
		chromedp.SetValue(chromedp.ID("f-session"), "市政府第28次常务会议"),
		chromedp.Click(chromedp.ID("f-outcome-0")),
	))
	// Picked from the composition (李副市长, 王秘书长, 赵副市长, the head
	// 张市长 last): three of four present.
	for i, attend := range []string{"present", "present", "absent", "present"} {
		row := fmt.Sprintf("f-members-%d-", i)
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID(row+"attend-"+attend))))
		if i < 2 {
			must(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.ID(row+"vote"), "for")))
		}
	}
	must(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("deliberation-prepare-signature")),
		chromedp.Click(chromedp.ID("deliberation-prepare-signature")),
		chromedp.WaitVisible(chromedp.ID("deliberation-confirm-sign")),
	))
	offered, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('deliberation-signing-key-id').value + ' ' +
		!!document.getElementById('publication-confirm-sign')`))
	must(t, err)
	if offered != headKey+" false" {
		t.Fatalf("key and confirmation on the page: %q, want the head's key %s on the deliberation form only", offered, headKey)
	}
	browsertest.Screenshot(t, ctx, "deliberation-device-confirm")
	noSideScroll(t, ctx, "the meeting's device signature")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("deliberation-confirm-sign")),
		chromedp.WaitVisible(chromedp.CSS("article.deliberation")),
	))
	wantLocation(t, ctx, "flash=deliberation_saved")

	// The record: each step carries its signer's own signature and the
	// platform's countersignature, verified by the verify operation…
	kinds := map[string]string{}
	rows, err := e.DB.Query(context.Background(), `SELECT kind, payload, seq FROM record_entries WHERE decision_id = $1
		AND kind IN ('review_conclusion_signed', 'deliberation_recorded') AND signature <> ''`, e.d.ID)
	must(t, err)
	var meetingSeq int64
	for rows.Next() {
		var kind, payload string
		var seq int64
		must(t, rows.Scan(&kind, &payload, &seq))
		kinds[kind] = payload
		if kind == "deliberation_recorded" {
			meetingSeq = seq
		}
	}
	must(t, rows.Err())
	for kind, key := range map[string]string{"review_conclusion_signed": reviewerKey, "deliberation_recorded": headKey} {
		if p := kinds[kind]; !strings.Contains(p, `"method":"personal_key"`) || !strings.Contains(p, `"key_id":"`+key+`"`) ||
			!strings.Contains(p, `"origin":"browser"`) {
			t.Fatalf("%s is not signed with key %s on the device: %s", kind, key, p)
		}
	}
	keys := []string{reviewerKey, headKey}
	slices.Sort(keys)
	ver := verifyOperation(t, e)
	if !ver.OK || ver.PersonalSignatures != 2 || !slices.Equal(sorted(ver.PersonalKeys), keys) {
		t.Fatalf("verify operation: %+v", ver)
	}
	// …and offline in the archive.
	off, err := verifyExportedArchive(t, e)
	if err != nil || !off.OK || off.PersonalSignatures != 2 || !slices.Equal(sorted(off.PersonalKeys), keys) {
		t.Fatalf("offline verification %+v: %v", off, err)
	}

	// The record page says how each step was signed, to staff and to the
	// public alike.
	recordPage := fmt.Sprintf("/decisions/%d/record", e.d.ID)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+recordPage),
		chromedp.WaitVisible(chromedp.ID("verify-result")),
	))
	steps := textOf(t, ctx, chromedp.CSS("ol.record-steps"))
	_, public := newBrowser(t, e.URL, "").get(recordPage)
	for _, want := range []string{"签署：本人电子签名（密钥编号 " + reviewerKey, "签署：本人电子签名（密钥编号 " + headKey} {
		if !strings.Contains(steps, want) || !strings.Contains(public, want) {
			t.Errorf("the record page does not say %q: %s\npublic: %s", want, steps, public)
		}
	}
	browsertest.Screenshot(t, ctx, "record-signed-steps")

	// A superuser turns the signed meeting into a deferral: caught by the
	// verify operation and in an archive exported afterwards.
	changeAsSuperuser(t, e, "deliberations", "outcome = 'deferred'")
	if ver = verifyOperation(t, e); ver.OK || ver.FirstBadSeq != meetingSeq || !strings.Contains(ver.Problem, "deliberations") {
		t.Fatalf("tampered meeting verified online: %+v", ver)
	}
	off, err = verifyExportedArchive(t, e)
	if err != nil || off.OK || off.FirstBadSeq != meetingSeq || !strings.Contains(off.Problem, "deliberations") {
		t.Fatalf("tampered meeting verified offline: %+v %v", off, err)
	}
}

// signFindingsOnDevice opens the form (opinion or conclusion) at url,
// finds every review question compliant, chooses the first answer of its
// outcome field and signs with the key kept on this device, checking the
// confirmation (named what) does not scroll sideways; done waits for the
// signed page.
func signFindingsOnDevice(t *testing.T, ctx context.Context, url, form, outcome, what string, done ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.ID(form+"-form")),
		compliantFindings(),
		chromedp.Click(chromedp.ID("f-"+outcome+"-0")),
		chromedp.WaitVisible(chromedp.ID(form+"-prepare-signature")),
		chromedp.Click(chromedp.ID(form+"-prepare-signature")),
		chromedp.WaitVisible(chromedp.ID(form+"-confirm-sign")),
	))
	browsertest.Screenshot(t, ctx, form+"-device-confirm")
	noSideScroll(t, ctx, what)
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID(form+"-confirm-sign")), chromedp.Steps(done...)))
}

// changeAsSuperuser sets a column of the decision's row in an immutable
// table the way a superuser could: with its trigger disabled.
func changeAsSuperuser(t *testing.T, e *reviewPagesEnv, table, set string) {
	t.Helper()
	if err := pgx.BeginFunc(context.Background(), e.DB, func(tx pgx.Tx) error {
		for _, q := range []string{`ALTER TABLE ` + table + ` DISABLE TRIGGER ` + table + `_immutable`,
			`UPDATE ` + table + ` SET ` + set + ` WHERE decision_id = ` + fmt.Sprint(e.d.ID),
			`ALTER TABLE ` + table + ` ENABLE TRIGGER ` + table + `_immutable`} {
			if _, err := tx.Exec(context.Background(), q); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func wantLocation(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	if !strings.Contains(loc, want) {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("not signed: at %s: %s", loc, body)
	}
}

// deviceVerification is the verify operation's answer.
type deviceVerification struct {
	OK                 bool     `json:"ok"`
	FirstBadSeq        int64    `json:"first_bad_seq"`
	Problem            string   `json:"problem"`
	PersonalSignatures int      `json:"personal_signatures"`
	PersonalKeys       []string `json:"personal_keys"`
}

// verifyOperation calls the verify operation (POST …/record/verify) as
// the lead unit's staff.
func verifyOperation(t *testing.T, e *reviewPagesEnv) deviceVerification {
	t.Helper()
	resp := staffAPICall(t, e, "POST", "record/verify")
	defer resp.Body.Close()
	var v deviceVerification
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&v) != nil {
		t.Fatalf("verify operation: %d", resp.StatusCode)
	}
	return v
}

// verifyExportedArchive exports the decision's archive as the lead unit's
// staff and verifies it offline.
func verifyExportedArchive(t *testing.T, e *reviewPagesEnv) (record.VerifyResult, error) {
	t.Helper()
	resp := staffAPICall(t, e, "GET", "archive")
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("archive: %d %s", resp.StatusCode, body)
	}
	return record.VerifyArchive(bytes.NewReader(body), int64(len(body)))
}

// staffAPICall calls the decision's operation at …/decisions/{id}/path as
// the lead unit's staff.
func staffAPICall(t *testing.T, e *reviewPagesEnv, method, path string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, fmt.Sprintf("%s/api/v1/decisions/%d/%s", e.URL, e.d.ID, path), nil)
	req.Header.Set("Authorization", "Bearer "+e.signIn(t, e.staff))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
