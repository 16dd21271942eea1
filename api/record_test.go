package api_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// recordEnv is a decision of 市水利局 with two draft versions (the second
// with an attachment), and tokens for each kind of caller.
type recordEnv struct {
	*testenv.Env
	staffAcct                     identity.Account
	staff, other, resident, admin string
	reviewer                      string
	decisionID                    int64
}

var recordPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func newRecordEnv(t *testing.T) *recordEnv {
	t.Helper()
	e := newCity(t, "pdsszf", "sljj", "jyj", "sfj")
	r := &recordEnv{Env: e}
	r.staffAcct, r.staff = e.Account(identity.RoleAgencyStaff, "sljj")
	_, r.other = e.Account(identity.RoleAgencyStaff, "jyj")
	_, r.resident = e.Account(identity.RoleResident, "")
	_, r.admin = e.Account(identity.RoleAdmin, "")
	_, r.reviewer = e.Account(identity.RoleReviewer, "sfj")
	version := func(n int, atts []consultation.AttachmentInput) consultation.DraftVersionInput {
		return consultation.DraftVersionInput{
			Text:        fmt.Sprintf("第一条 为规范城市供水价格管理，制定本方案。\n第二条 居民生活用水实行阶梯水价，第%d稿。", n),
			Explanation: "根据成本监审结果起草。", LegalBasis: []string{"《中华人民共和国价格法》"}, Attachments: atts}
	}
	d, _ := draftDecision(t, e, &r.staffAcct, consultation.DecisionInput{Title: "平顶山市城市供水价格调整方案",
		Summary: "调整城市居民生活用水阶梯水价。", Category: consultation.CategoryPublicServices, Domain: consultation.DomainPublicUtilities,
		DecisionBody: "pdsszf", LeadAgency: "sljj"}, version(1, nil))
	draftVersion(t, e, &r.staffAcct, d.ID, version(2, []consultation.AttachmentInput{{Filename: "成本监审报告.pdf", Data: recordPDF}}))
	r.decisionID = d.ID
	return r
}

func (r *recordEnv) open(t *testing.T) {
	t.Helper()
	if _, err := r.Consultation.OpenConsultation(context.Background(), &r.staffAcct, r.decisionID, consultation.ConsultationInput{
		EndsAt: r.Clock.Now().Add(31 * 24 * time.Hour), WaysToComment: "登录本平台提出意见"}); err != nil {
		t.Fatal(err)
	}
}

func (r *recordEnv) path(suffix string) string {
	return fmt.Sprintf("/decisions/%d%s", r.decisionID, suffix)
}

type recordEntryJSON struct {
	Seq              int64          `json:"seq"`
	RecordedAt       time.Time      `json:"recorded_at"`
	ActorRole        string         `json:"actor_role"`
	ActorID          *int64         `json:"actor_id"`
	Kind             string         `json:"kind"`
	Payload          map[string]any `json:"payload"`
	PayloadCanonical string         `json:"payload_canonical"`
	Redacted         bool           `json:"redacted"`
	PrevHash         string         `json:"prev_hash"`
	EntryHash        string         `json:"entry_hash"`
}

type recordPageJSON struct {
	Entries    []recordEntryJSON `json:"entries"`
	NextCursor string            `json:"next_cursor"`
}

type verificationJSON struct {
	OK          bool   `json:"ok"`
	Entries     int    `json:"entries"`
	FirstBadSeq int64  `json:"first_bad_seq"`
	Problem     string `json:"problem"`
	LastHash    string `json:"last_hash"`
}

// recordTamper changes rows as a database superuser would, past the
// append-only and immutability triggers (testenv.AsSuperuser).
func recordTamper(t *testing.T, e *testenv.Env, sql string, args ...any) {
	t.Helper()
	e.AsSuperuser(t, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), sql, args...)
		return err
	})
}

func TestDecisionRecordAPI(t *testing.T) {
	r := newRecordEnv(t)
	// Before the consultation the record is as internal as the draft.
	for _, tok := range []string{"", r.resident, r.other} {
		r.Do("GET", r.path("/record"), tok, nil).Expect(t, 404, "decision_not_found")
		r.Do("POST", r.path("/record/verify"), tok, nil).Expect(t, 404, "decision_not_found")
	}
	var staffPage recordPageJSON
	r.Do("GET", r.path("/record"), r.staff, nil).Expect(t, 200, "").JSON(t, &staffPage)
	// created, version 1, version 2, its attachment
	if len(staffPage.Entries) != 4 || staffPage.NextCursor != "" {
		t.Fatalf("staff page: %+v", staffPage)
	}
	for i, e := range staffPage.Entries {
		if e.Seq != int64(i+1) || e.ActorID == nil || *e.ActorID != r.staffAcct.ID || e.ActorRole != "agency_staff" || e.Redacted {
			t.Fatalf("staff entry: %+v", e)
		}
		// Staff get everything needed to recompute the hash.
		entry := consultation.RecordEntry{DecisionID: r.decisionID, Seq: e.Seq, RecordedAt: e.RecordedAt, ActorID: e.ActorID,
			ActorRole: e.ActorRole, Kind: consultation.RecordKind(e.Kind), Payload: e.PayloadCanonical, PrevHash: e.PrevHash}
		if record.EntryHash(entry) != e.EntryHash {
			t.Fatalf("entry %d does not recompute from its API form", e.Seq)
		}
	}
	if p := staffPage.Entries[0].Payload; staffPage.Entries[0].Kind != "decision_created" || p["title"] != "平顶山市城市供水价格调整方案" {
		t.Fatalf("payload is not an object: %+v", staffPage.Entries[0])
	}

	r.open(t)
	var page recordPageJSON
	r.Do("GET", r.path("/record?limit=2"), "", nil).Expect(t, 200, "").JSON(t, &page)
	if len(page.Entries) != 2 || page.NextCursor == "" {
		t.Fatalf("first page: %+v", page)
	}
	all := page.Entries
	cur := page.NextCursor
	page = recordPageJSON{}
	r.Do("GET", r.path("/record?limit=100&cursor="+cur), "", nil).Expect(t, 200, "").JSON(t, &page)
	all = append(all, page.Entries...)
	if len(all) != 6 || page.NextCursor != "" {
		t.Fatalf("whole record: %d entries, next %q", len(all), page.NextCursor)
	}
	for i, e := range all {
		if e.Seq != int64(i+1) || e.ActorID != nil {
			t.Fatalf("public entry: %+v", e)
		}
		// Version 1 never went to consultation: its entry shows only number and hash.
		if wantRedacted := e.Kind == "draft_version_created" && e.Payload["number"] == float64(1); e.Redacted != wantRedacted ||
			(e.Redacted && (e.PayloadCanonical != "" || e.Payload["legal_basis"] != nil || e.Payload["content_hash"] == nil)) {
			t.Fatalf("public entry %d: %+v", e.Seq, e)
		}
	}
	if !strings.Contains(string(r.Do("GET", r.path("/record"), "", nil).Body), `"actor_role":"agency_staff"`) {
		t.Fatal("the public sees the acting role")
	}
	r.Do("GET", r.path("/record?cursor=bogus!"), "", nil).Expect(t, 422, "invalid_cursor")
	r.Do("GET", "/decisions/999999/record", r.staff, nil).Expect(t, 404, "decision_not_found")

	var v verificationJSON
	r.Do("POST", r.path("/record/verify"), "", nil).Expect(t, 200, "").JSON(t, &v)
	if !v.OK || v.Entries != 6 || v.FirstBadSeq != 0 || v.Problem != "" || v.LastHash != all[5].EntryHash {
		t.Fatalf("intact record: %+v", v)
	}
}

func TestVerifyDecisionRecordAPITampered(t *testing.T) {
	cases := []struct {
		name, sql string // $1 decision id
		seq       int64
		problem   string
	}{
		{"EntryPayload",
			`UPDATE record_entries SET payload = replace(payload, '阶梯水价', '统一水价') WHERE decision_id = $1 AND seq = 1`,
			1, "entry 1: content does not match its hash"},
		{"AttachmentByte",
			`UPDATE attachments SET data = overlay(data placing '\x58'::bytea from 12 for 1) WHERE decision_id = $1`,
			4, "entry 4: attachment"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRecordEnv(t)
			r.open(t)
			recordTamper(t, r.Env, c.sql, r.decisionID)
			for _, tok := range []string{"", r.resident, r.staff} {
				var v verificationJSON
				r.Do("POST", r.path("/record/verify"), tok, nil).Expect(t, 200, "").JSON(t, &v)
				if v.OK || v.FirstBadSeq != c.seq || !strings.Contains(v.Problem, c.problem) || v.LastHash != "" || v.Entries != 6 {
					t.Fatalf("tampered record: %+v", v)
				}
			}
		})
	}
}

func TestExportDecisionArchiveAPI(t *testing.T) {
	r := newRecordEnv(t)
	// Internal: others get 404 before the decision is public.
	r.Do("GET", r.path("/archive"), r.resident, nil).Expect(t, 404, "decision_not_found")
	r.open(t)
	r.Do("GET", r.path("/archive"), "", nil).Expect(t, 401, "")
	// A reviewer of a department the decision was never submitted to is
	// refused like anyone else (issue 15, finding 5).
	for _, tok := range []string{r.resident, r.other, r.reviewer} {
		r.Do("GET", r.path("/archive"), tok, nil).Expect(t, 403, "archive_forbidden")
	}
	r.Do("GET", "/decisions/999999/archive", r.admin, nil).Expect(t, 404, "decision_not_found")

	var v verificationJSON
	r.Do("POST", r.path("/record/verify"), "", nil).Expect(t, 200, "").JSON(t, &v)
	for _, tok := range []string{r.staff, r.admin} {
		res := r.Do("GET", r.path("/archive"), tok, nil).Expect(t, 200, "")
		if ct := res.Header.Get("Content-Type"); ct != "application/zip" {
			t.Fatalf("content type %q", ct)
		}
		if cd := res.Header.Get("Content-Disposition"); cd != fmt.Sprintf(`attachment; filename="canyu-decision-%d-archive.zip"`, r.decisionID) {
			t.Fatalf("content disposition %q", cd)
		}
		got, err := record.VerifyArchive(bytes.NewReader(res.Body), int64(len(res.Body)))
		if err != nil || !got.OK || got.Entries != 6 || got.LastHash != v.LastHash {
			t.Fatalf("downloaded archive: %+v, %v (online %+v)", got, err, v)
		}
	}
}
