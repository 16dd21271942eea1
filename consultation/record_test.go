package consultation_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// recFixture is a lead unit with a decision whose record has entries of
// every evidence-carrying kind: updates, two draft versions, an attachment.
type recFixture struct {
	e        *testenv.Env
	svc      *consultation.Service
	staff    *identity.Account
	other    *identity.Account
	resident *identity.Account
	admin    *identity.Account
	decision consultation.Decision
}

// recPDF is a small file that sniffs as a PDF.
var recPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func newRecFixture(t *testing.T) *recFixture {
	t.Helper()
	e, acct := cityEnv(t, [2]string{"sljj", "平顶山市水利局"}, [2]string{"jyj", "平顶山市教育局"})
	f := &recFixture{e: e, svc: e.Consultation, staff: acct(identity.RoleAgencyStaff, "sljj"), other: acct(identity.RoleAgencyStaff, "jyj"),
		resident: acct(identity.RoleResident, ""), admin: acct(identity.RoleAdmin, "")}
	ctx := context.Background()
	in := consultation.DecisionInput{Title: "平顶山市城市供水价格调整方案", Summary: "调整城市居民生活用水阶梯水价。",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainPublicUtilities, DecisionBody: "pdsszf", LeadAgency: "sljj"}
	d, err := f.svc.CreateDecision(ctx, f.staff, in)
	if err != nil {
		t.Fatalf("create decision: %v", err)
	}
	in.Summary = "调整城市居民生活用水阶梯水价，完善低收入家庭减免政策。"
	if d, err = f.svc.UpdateDecision(ctx, f.staff, d.ID, in); err != nil {
		t.Fatalf("update decision: %v", err)
	}
	f.decision = d
	f.version(t, "第一条 为规范城市供水价格管理，制定本方案。\n第二条 居民生活用水实行阶梯水价。", nil)
	f.version(t, "第一条 为规范城市供水价格管理，制定本方案。\n第二条 居民生活用水实行阶梯水价。\n第三条 低收入家庭每月减免五立方米水费。",
		[]consultation.AttachmentInput{{Filename: "成本监审报告.pdf", ContentType: "application/pdf", Data: recPDF}})
	return f
}

func (f *recFixture) version(t *testing.T, text string, atts []consultation.AttachmentInput) consultation.DraftVersion {
	t.Helper()
	v, err := f.svc.CreateDraftVersion(context.Background(), f.staff, f.decision.ID, consultation.DraftVersionInput{
		Text: text, Explanation: "根据成本监审结果起草。", LegalBasis: []string{"《中华人民共和国价格法》第二十三条"}, Attachments: atts})
	if err != nil {
		t.Fatalf("create draft version: %v", err)
	}
	return v
}

// open opens the consultation on the latest version, making the decision public.
func (f *recFixture) open(t *testing.T) {
	t.Helper()
	_, err := f.svc.OpenConsultation(context.Background(), f.staff, f.decision.ID, consultation.ConsultationInput{
		EndsAt: f.e.Clock.Now().Add(31 * 24 * time.Hour), WaysToComment: "登录本平台提出意见", ShowComments: true})
	if err != nil {
		t.Fatalf("open consultation: %v", err)
	}
}

// seqOf returns the seq of the n-th (from 1) entry of the kind.
func (f *recFixture) seqOf(t *testing.T, kind consultation.RecordKind, n int) int64 {
	t.Helper()
	var seq int64
	err := f.e.DB.QueryRow(context.Background(), `SELECT seq FROM record_entries WHERE decision_id = $1 AND kind = $2 ORDER BY seq OFFSET $3 LIMIT 1`,
		f.decision.ID, kind, n-1).Scan(&seq)
	if err != nil {
		t.Fatalf("seq of %s #%d: %v", kind, n, err)
	}
	return seq
}

// tamper runs sql as the superuser with the table's append-only trigger
// disabled, as someone with full database access could.
func tamper(t *testing.T, e *testenv.Env, table, trigger, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, e.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+table+` DISABLE TRIGGER `+trigger); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, sql, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("tampered with %d rows", tag.RowsAffected())
		}
		_, err = tx.Exec(ctx, `ALTER TABLE `+table+` ENABLE TRIGGER `+trigger)
		return err
	})
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func TestVerifyDecisionRecordIntact(t *testing.T) {
	f := newRecFixture(t)
	r, err := f.svc.VerifyDecisionRecord(context.Background(), f.staff, f.decision.ID)
	if err != nil {
		t.Fatal(err)
	}
	// created, updated, version 1, version 2, its attachment
	if !r.OK || r.Entries != 5 || r.FirstBadSeq != 0 || r.Problem != "" || len(r.LastHash) != 64 {
		t.Fatalf("intact record: %+v", r)
	}
	all, err := f.svc.VerifyAllRecords(context.Background())
	if err != nil || len(all) != 1 || !reflect.DeepEqual(all[0], r) {
		t.Fatalf("verify all: %+v, %v", all, err)
	}
}

// TestVerifyNamesTamperedEntry changes one stored row behind the
// application's back and checks that verification names exactly that row.
func TestVerifyNamesTamperedEntry(t *testing.T) {
	cases := []struct {
		name    string
		kind    consultation.RecordKind
		n       int
		sql     string // $1 decision id, $2 the entry's seq
		off     int64  // the entry reported is seq + off
		problem string
	}{
		{"Payload", consultation.RecordDecisionUpdated, 1, `UPDATE record_entries SET payload = replace(payload, '阶梯水价', '统一水价') WHERE decision_id = $1 AND seq = $2`, 0, "does not match its hash"},
		{"RecordedAt", consultation.RecordDraftVersionCreated, 1, `UPDATE record_entries SET recorded_at = recorded_at - interval '1 day' WHERE decision_id = $1 AND seq = $2`, 0, "does not match its hash"},
		{"ActorRole", consultation.RecordDecisionCreated, 1, `UPDATE record_entries SET actor_role = 'admin' WHERE decision_id = $1 AND seq = $2`, 0, "does not match its hash"},
		{"Kind", consultation.RecordDecisionUpdated, 1, `UPDATE record_entries SET kind = 'stage_changed' WHERE decision_id = $1 AND seq = $2`, 0, "does not match its hash"},
		{"PrevHash", consultation.RecordDraftVersionCreated, 2, `UPDATE record_entries SET prev_hash = repeat('a', 64) WHERE decision_id = $1 AND seq = $2`, 0, "previous-entry hash"},
		// A removed entry shows as a gap where the next one sits.
		{"Deleted", consultation.RecordDraftVersionCreated, 1, `DELETE FROM record_entries WHERE decision_id = $1 AND seq = $2`, 1, "an entry is missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newRecFixture(t)
			seq := f.seqOf(t, c.kind, c.n)
			tamper(t, f.e, "record_entries", "record_entries_append_only", c.sql, f.decision.ID, seq)
			r, err := f.svc.VerifyDecisionRecord(context.Background(), f.staff, f.decision.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.FirstBadSeq != seq+c.off || !strings.Contains(r.Problem, c.problem) || r.LastHash != "" {
				t.Fatalf("tampered entry %d: %+v", seq, r)
			}
			stored, err := f.svc.VerifyStoredRecord(context.Background(), f.decision.ID)
			if err != nil || !reflect.DeepEqual(stored, r) {
				t.Fatalf("operator verify: %+v, %v", stored, err)
			}
		})
	}
}

// TestVerifyCatchesTamperedEvidence changes what the record points to by
// hash: an attachment's bytes, a version's text, a recorded hash.
func TestVerifyCatchesTamperedEvidence(t *testing.T) {
	cases := []struct {
		name    string
		table   string
		trigger string
		sql     string // $1: decision id
		kind    consultation.RecordKind
		n       int
		problem string
	}{
		{"AttachmentByte", "attachments", "attachments_immutable",
			`UPDATE attachments SET data = overlay(data placing '\x58'::bytea from 12 for 1) WHERE decision_id = $1`,
			consultation.RecordAttachmentStored, 1, "stored bytes do not match the recorded SHA-256"},
		{"AttachmentBytesAndHash", "attachments", "attachments_immutable",
			`UPDATE attachments SET data = data || '\x00'::bytea, sha256 = encode(sha256(data || '\x00'::bytea), 'hex'), size = size + 1 WHERE decision_id = $1`,
			consultation.RecordDraftVersionCreated, 2, "do not match its content hash"},
		{"VersionText", "draft_versions", "draft_versions_immutable",
			`UPDATE draft_versions SET text = replace(text, '阶梯水价', '统一水价') WHERE decision_id = $1 AND number = 1`,
			consultation.RecordDraftVersionCreated, 1, "do not match its content hash"},
		{"VersionHash", "draft_versions", "draft_versions_immutable",
			`UPDATE draft_versions SET content_hash = repeat('b', 64) WHERE decision_id = $1 AND number = 2`,
			consultation.RecordDraftVersionCreated, 2, "differs from the recorded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newRecFixture(t)
			tamper(t, f.e, c.table, c.trigger, c.sql, f.decision.ID)
			r, err := f.svc.VerifyDecisionRecord(context.Background(), f.staff, f.decision.ID)
			if err != nil {
				t.Fatal(err)
			}
			if seq := f.seqOf(t, c.kind, c.n); r.OK || r.FirstBadSeq != seq || !strings.Contains(r.Problem, c.problem) {
				t.Fatalf("want entry %d broken (%s), got %+v", seq, c.problem, r)
			}
		})
	}
	t.Run("UnrecordedVersion", func(t *testing.T) {
		f := newRecFixture(t)
		if _, err := f.e.DB.Exec(context.Background(), `INSERT INTO draft_versions (decision_id, number, text, content_hash, created_by, created_at)
			VALUES ($1, 3, '第一条 插入的版本。', repeat('c', 64), $2, now())`, f.decision.ID, f.staff.ID); err != nil {
			t.Fatal(err)
		}
		r, err := f.svc.VerifyDecisionRecord(context.Background(), f.staff, f.decision.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.OK || !strings.Contains(r.Problem, "draft version 3 is stored but no draft_version_created entry records it") {
			t.Fatalf("unrecorded version: %+v", r)
		}
	})
}

// TestRecordAppendOnly shows the database itself refuses to change the
// record (Decree 713 Art. 33), for the superuser the tests run as and for an
// ordinary application role that holds every table privilege.
func TestRecordAppendOnly(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	statements := map[string]string{
		"Update":   `UPDATE record_entries SET payload = '{}' WHERE decision_id = ` + fmt.Sprint(f.decision.ID),
		"Delete":   `DELETE FROM record_entries WHERE decision_id = ` + fmt.Sprint(f.decision.ID),
		"Truncate": `TRUNCATE record_entries CASCADE`,
	}
	refused := func(t *testing.T, db interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}, sql string) {
		t.Helper()
		_, err := db.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" || !strings.Contains(pgErr.Message, "record_entries is append-only") {
			t.Fatalf("%s: want the append-only trigger's refusal, got %v", sql, err)
		}
	}
	for name, sql := range statements {
		t.Run("Superuser"+name, func(t *testing.T) { refused(t, f.e.DB, sql) })
	}

	// An application role with every privilege on every table: the refusal
	// comes from the trigger, not from a missing grant.
	role := fmt.Sprintf("canyu_app_%d", time.Now().UnixNano())
	for _, sql := range []string{
		`CREATE ROLE ` + role + ` LOGIN`,
		`GRANT USAGE ON SCHEMA public TO ` + role,
		`GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO ` + role,
	} {
		if _, err := f.e.DB.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	t.Cleanup(func() {
		for _, sql := range []string{
			`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ` + role,
			`REVOKE ALL ON SCHEMA public FROM ` + role,
			`DROP ROLE ` + role,
		} {
			if _, err := f.e.DB.Exec(context.Background(), sql); err != nil {
				t.Errorf("%s: %v", sql, err)
			}
		}
	})
	u, err := url.Parse(f.e.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("connect as %s: %v", role, err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM record_entries WHERE decision_id = $1`, f.decision.ID).Scan(&n); err != nil || n != 5 {
		t.Fatalf("the role reads the record: %d, %v", n, err)
	}
	for name, sql := range statements {
		t.Run("AppRole"+name, func(t *testing.T) { refused(t, conn, sql) })
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM record_entries WHERE decision_id = $1`, f.decision.ID).Scan(&n); err != nil || n != 5 {
		t.Fatalf("entries after the refused statements: %d, %v", n, err)
	}
	if r, err := f.svc.VerifyDecisionRecord(ctx, f.staff, f.decision.ID); err != nil || !r.OK {
		t.Fatalf("record after the refused statements: %+v, %v", r, err)
	}
}

func TestGetDecisionRecordVisibility(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	// Before the consultation the record is internal, like the draft.
	for _, a := range []*identity.Account{nil, f.resident, f.other} {
		if _, _, err := f.svc.GetDecisionRecord(ctx, a, f.decision.ID, 0, ""); !errs.HasCode(err, "decision_not_found") {
			t.Fatalf("record of an internal draft for %v: %v", a, err)
		}
		if _, err := f.svc.VerifyDecisionRecord(ctx, a, f.decision.ID); !errs.HasCode(err, "decision_not_found") {
			t.Fatalf("verify an internal draft for %v: %v", a, err)
		}
	}
	staffView, _, err := f.svc.GetDecisionRecord(ctx, f.staff, f.decision.ID, 0, "")
	if err != nil || len(staffView) != 5 {
		t.Fatalf("staff: %d entries, %v", len(staffView), err)
	}
	for _, e := range staffView {
		if e.ActorID == nil || *e.ActorID != f.staff.ID || e.Redacted {
			t.Fatalf("staff sees the full entry: %+v", e)
		}
	}

	f.open(t)
	public, next, err := f.svc.GetDecisionRecord(ctx, nil, f.decision.ID, 0, "")
	if err != nil || next != "" || len(public) != 7 { // + stage change and notice
		t.Fatalf("public record: %d entries, next %q, %v", len(public), next, err)
	}
	v1 := f.seqOf(t, consultation.RecordDraftVersionCreated, 1)
	v2 := f.seqOf(t, consultation.RecordDraftVersionCreated, 2)
	for _, e := range public {
		if e.ActorID != nil {
			t.Fatalf("entry %d shows the actor to the public", e.Seq)
		}
		// Version 1 was never put to consultation: only its number and hash show.
		if e.Redacted != (e.Seq == v1) {
			t.Fatalf("entry %d (%s) redacted %v", e.Seq, e.Kind, e.Redacted)
		}
		p, err := consultation.ParseRecordPayload(e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		switch e.Seq {
		case v1:
			if len(p) != 3 || p["content_hash"] == nil || p["number"] == nil || p["legal_basis"] != nil {
				t.Fatalf("redacted payload: %s", e.Payload)
			}
		case v2:
			if p["legal_basis"] == nil || record.EntryHash(e) == e.EntryHash { // actor id blanked
				t.Fatalf("public version entry: %+v", e)
			}
		}
	}
	// Pages follow seq.
	page, next, err := f.svc.GetDecisionRecord(ctx, f.resident, f.decision.ID, 3, "")
	if err != nil || len(page) != 3 || next == "" || page[0].Seq != 1 {
		t.Fatalf("first page: %d, %q, %v", len(page), next, err)
	}
	page, next, err = f.svc.GetDecisionRecord(ctx, f.resident, f.decision.ID, 3, next)
	if err != nil || len(page) != 3 || page[0].Seq != 4 || next == "" {
		t.Fatalf("second page: %+v, %q, %v", page, next, err)
	}
	if _, _, err := f.svc.GetDecisionRecord(ctx, nil, f.decision.ID, 0, "garbage!"); !errs.HasCode(err, "invalid_cursor") {
		t.Fatalf("bad cursor: %v", err)
	}
	if r, err := f.svc.VerifyDecisionRecord(ctx, nil, f.decision.ID); err != nil || !r.OK || r.Entries != 7 {
		t.Fatalf("public verify: %+v, %v", r, err)
	}
}

func (f *recFixture) export(t *testing.T, actor *identity.Account) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.svc.ExportDecisionArchive(context.Background(), actor, f.decision.ID, &buf); err != nil {
		t.Fatalf("export: %v", err)
	}
	return buf.Bytes()
}

// remanifest recomputes the manifest's hash of every changed file, as a
// forger who understands the format would.
func remanifest(t *testing.T, archive []byte) []byte {
	t.Helper()
	sums := map[string][]byte{}
	testenv.RewriteArchive(t, archive, func(name string, data []byte) []byte { sums[name] = data; return data })
	return testenv.RewriteArchive(t, archive, func(name string, data []byte) []byte {
		if name != "manifest.json" {
			return data
		}
		var m record.ArchiveManifest
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		for i, f := range m.Files {
			m.Files[i].SHA256, m.Files[i].Size = consultation.SHA256Hex(sums[f.Path]), int64(len(sums[f.Path]))
		}
		b, _ := json.Marshal(m)
		return b
	})
}

func TestExportDecisionArchive(t *testing.T) {
	f := newRecFixture(t)
	f.open(t)
	archive := f.export(t, f.staff)
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, zf := range zr.File {
		names[zf.Name] = true
	}
	sum := consultation.SHA256Hex(recPDF)
	for _, want := range []string{"README.txt", "manifest.json", "record.json", "decision.json", "consultation.json",
		"versions/v1/text.txt", "versions/v1/version.json", "versions/v2/text.txt", "versions/v2/version.json",
		"attachments/" + sum + "-成本监审报告.pdf"} {
		if !names[want] {
			t.Errorf("archive lacks %s (has %v)", want, names)
		}
	}

	online, err := f.svc.VerifyDecisionRecord(context.Background(), f.staff, f.decision.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := record.VerifyArchive(bytes.NewReader(archive), int64(len(archive)))
	if err != nil || !r.OK || r.Entries != 7 || r.LastHash != online.LastHash || r.DecisionID != f.decision.ID {
		t.Fatalf("offline verification of a fresh archive: %+v, %v (online %+v)", r, err, online)
	}

	t.Run("Access", func(t *testing.T) {
		for _, a := range []*identity.Account{nil, f.resident, f.other} {
			var buf bytes.Buffer
			err := f.svc.ExportDecisionArchive(context.Background(), a, f.decision.ID, &buf)
			if !errs.HasCode(err, "archive_forbidden") || buf.Len() != 0 {
				t.Fatalf("export by %v: %v, %d bytes", a, err, buf.Len())
			}
		}
		f.export(t, f.admin)
		if err := f.svc.ExportDecisionArchive(context.Background(), f.staff, 999999, io.Discard); !errs.HasCode(err, "decision_not_found") {
			t.Fatalf("missing decision: %v", err)
		}
	})

	v2 := f.seqOf(t, consultation.RecordDraftVersionCreated, 2)
	created := f.seqOf(t, consultation.RecordDecisionCreated, 1)
	cases := []struct {
		name    string
		forge   func() []byte
		seq     int64
		problem string
	}{
		{"RecordByte", func() []byte {
			return testenv.RewriteArchive(t, archive, func(name string, data []byte) []byte {
				if name == "record.json" {
					data = bytes.Replace(data, []byte("阶梯水价"), []byte("统一水价"), 1)
				}
				return data
			})
		}, 0, "file record.json does not match the manifest"},
		{"AttachmentContent", func() []byte {
			return testenv.RewriteArchive(t, archive, func(name string, data []byte) []byte {
				if strings.HasPrefix(name, "attachments/") {
					data = append([]byte(nil), data...)
					data[10] ^= 1
				}
				return data
			})
		}, 0, "does not match the manifest"},
		{"FaithfulCopy", func() []byte {
			return testenv.RewriteArchive(t, archive, func(name string, data []byte) []byte { return data })
		}, -1, ""},
		{"ExtraFile", func() []byte {
			zr, _ := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
			var out bytes.Buffer
			zw := zip.NewWriter(&out)
			for _, f := range zr.File {
				if err := zw.Copy(f); err != nil {
					t.Fatal(err)
				}
			}
			w, _ := zw.Create("versions/v2/补充说明.txt")
			w.Write([]byte("后补的材料"))
			zw.Close()
			return out.Bytes()
		}, 0, "is not listed in the manifest"},
		{"RecordWithManifest", func() []byte {
			return remanifest(t, testenv.RewriteArchive(t, archive, func(name string, data []byte) []byte {
				if name == "record.json" {
					data = bytes.Replace(data, []byte("阶梯水价"), []byte("统一水价"), 1)
				}
				return data
			}))
		}, created, "does not match its hash"},
		{"VersionTextWithManifest", func() []byte {
			return remanifest(t, testenv.RewriteArchive(t, archive, func(name string, data []byte) []byte {
				if name == "versions/v2/text.txt" {
					data = bytes.Replace(data, []byte("五立方米"), []byte("十立方米"), 1)
				}
				return data
			}))
		}, v2, "do not match its content hash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			forged := c.forge()
			if c.seq < 0 { // a faithful copy still verifies
				if r, err := record.VerifyArchive(bytes.NewReader(forged), int64(len(forged))); err != nil || !r.OK {
					t.Fatalf("faithful copy: %+v, %v", r, err)
				}
				return
			}
			r, err := record.VerifyArchive(bytes.NewReader(forged), int64(len(forged)))
			if err != nil || r.OK || r.FirstBadSeq != c.seq || !strings.Contains(r.Problem, c.problem) {
				t.Fatalf("forged archive: %+v, %v", r, err)
			}
		})
	}
	t.Run("NotAnArchive", func(t *testing.T) {
		if _, err := record.VerifyArchive(strings.NewReader("hello"), 5); !errors.Is(err, record.ErrNotArchive) {
			t.Fatalf("not a zip: %v", err)
		}
		// A byte flipped inside record.json's compressed data (a flip in a
		// local header's timestamp would be harmless).
		zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
		if err != nil {
			t.Fatal(err)
		}
		var at int64 = -1
		for _, f := range zr.File {
			if f.Name == "record.json" {
				off, err := f.DataOffset()
				if err != nil {
					t.Fatal(err)
				}
				at = off + int64(f.CompressedSize64)/2
			}
		}
		if at < 0 {
			t.Fatal("no record.json in the archive")
		}
		flipped := append([]byte(nil), archive...)
		flipped[at] ^= 0xff
		r, err := record.VerifyArchive(bytes.NewReader(flipped), int64(len(flipped)))
		if err == nil && r.OK {
			t.Fatalf("a flipped byte went unnoticed")
		}
	})
}
