package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// recordCLIDecisions makes n decisions of one lead unit, each with an
// update and a draft version, and returns their ids and the staff account.
func recordCLIDecisions(t *testing.T, e *testenv.Env, n int) ([]int64, identity.Account) {
	t.Helper()
	ctx := context.Background()
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("hbj", "平顶山市生态环境局", identity.AgencyDepartment)
	staff, _ := e.Account(identity.RoleAgencyStaff, "hbj")
	var ids []int64
	for i := range n {
		in := consultation.DecisionInput{Title: fmt.Sprintf("平顶山市扬尘污染防治办法（第%d项）", i+1), Summary: "加强建筑工地扬尘管控。",
			Category: consultation.CategoryEnvironment, Domain: consultation.DomainEnvironment, DecisionBody: "pdsszf", LeadAgency: "hbj"}
		d, err := e.Consultation.CreateDecision(ctx, &staff, in)
		if err != nil {
			t.Fatal(err)
		}
		in.Summary = "加强建筑工地和道路扬尘管控。"
		if _, err := e.Consultation.UpdateDecision(ctx, &staff, d.ID, in); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Consultation.CreateDraftVersion(ctx, &staff, d.ID, consultation.DraftVersionInput{
			Text: "第一条 为防治扬尘污染，制定本办法。\n第二条 施工单位应当采取围挡、覆盖等防尘措施。", Explanation: "依据大气污染防治法起草。"}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	return ids, staff
}

func runRecord(t *testing.T, url string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"record"}, args...), envFunc(map[string]string{"CANYU_DATABASE_URL": url}),
		strings.NewReader(""), &out, io.Discard)
	return out.String(), err
}

func TestRecordVerifyCommand(t *testing.T) {
	e := testenv.New(t)
	ids, _ := recordCLIDecisions(t, e, 2)
	out, err := runRecord(t, e.DatabaseURL, "verify")
	if err != nil {
		t.Fatalf("intact records: %v\n%s", err, out)
	}
	for _, id := range ids {
		if !strings.Contains(out, fmt.Sprintf("decision %d: ok, 3 entries, last hash ", id)) {
			t.Fatalf("no ok line for decision %d:\n%s", id, out)
		}
	}

	// Change entry 2 of the second decision behind the application's back.
	ctx := context.Background()
	if err := pgx.BeginFunc(ctx, e.DB, func(tx pgx.Tx) error {
		for _, sql := range []string{
			`ALTER TABLE record_entries DISABLE TRIGGER record_entries_append_only`,
			fmt.Sprintf(`UPDATE record_entries SET payload = replace(payload, '道路', '河道') WHERE decision_id = %d AND seq = 2`, ids[1]),
			`ALTER TABLE record_entries ENABLE TRIGGER record_entries_append_only`,
		} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out, err = runRecord(t, e.DatabaseURL, "verify")
	if err == nil || !strings.Contains(err.Error(), "1 of 2 records broken") {
		t.Fatalf("broken record accepted: %v\n%s", err, out)
	}
	if !strings.Contains(out, fmt.Sprintf("decision %d: ok, 3 entries", ids[0])) ||
		!strings.Contains(out, fmt.Sprintf("decision %d: BROKEN at entry 2: entry 2: content does not match its hash", ids[1])) {
		t.Fatalf("output:\n%s", out)
	}

	out, err = runRecord(t, e.DatabaseURL, "verify", "--decision", fmt.Sprint(ids[0]))
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, "ok") {
		t.Fatalf("one intact decision: %v\n%s", err, out)
	}
	out, err = runRecord(t, e.DatabaseURL, "verify", "--decision", fmt.Sprint(ids[1]))
	if err == nil || !strings.Contains(out, "BROKEN at entry 2") {
		t.Fatalf("one broken decision: %v\n%s", err, out)
	}
	if _, err := runRecord(t, e.DatabaseURL, "verify", "--decision", "999999"); err == nil || !strings.Contains(err.Error(), "decision_not_found") {
		t.Fatalf("missing decision: %v", err)
	}
	if _, err := runRecord(t, "", "verify"); err == nil || !strings.Contains(err.Error(), "CANYU_DATABASE_URL") {
		t.Fatalf("no database configured: %v", err)
	}
}

func TestRecordVerifyArchiveCommand(t *testing.T) {
	e := testenv.New(t)
	ids, staff := recordCLIDecisions(t, e, 1)
	var archive bytes.Buffer
	if err := e.Consultation.ExportDecisionArchive(context.Background(), &staff, ids[0], &archive); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "archive.zip")
	if err := os.WriteFile(good, archive.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// No database is needed offline.
	out, err := runRecord(t, "", "verify-archive", good)
	if err != nil || !strings.Contains(out, fmt.Sprintf("(decision %d): ok, 3 entries, last hash ", ids[0])) {
		t.Fatalf("intact archive: %v\n%s", err, out)
	}
	// The checks that re-read rows the archive does not hold are named as
	// not run, in Chinese, with the command that runs them.
	for _, want := range []string{"not checked offline, online only", "仅在线核验",
		fmt.Sprintf("canyu record verify --decision %d", ids[0]), "每条公众意见的审核状态", "已结束问卷的结果和答卷",
		"决策执行情况报告和决策后评估报告", "公众对决策执行的意见反馈"} {
		if !strings.Contains(out, want) {
			t.Errorf("the archive's result does not say %q:\n%s", want, out)
		}
	}
	// The decision's row and its consultation window are in the archive
	// (decision.json, consultation.json) and checked offline.
	for _, offline := range []string{"决策事项的基本信息和所处阶段", "征求意见期限"} {
		if strings.Contains(out, offline) {
			t.Errorf("%q listed as online only:\n%s", offline, out)
		}
	}
	if out, _ := runRecord(t, "", "verify", "--archive", good); !strings.Contains(out, "仅在线核验") {
		t.Errorf("verify --archive does not list the online-only checks:\n%s", out)
	}

	bad := filepath.Join(dir, "forged.zip")
	if err := os.WriteFile(bad, forgeRecord(t, archive.Bytes()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = runRecord(t, "", "verify-archive", bad)
	if err == nil || !strings.Contains(out, "BROKEN: file record.json does not match the manifest") {
		t.Fatalf("forged archive accepted: %v\n%s", err, out)
	}
	notZip := filepath.Join(dir, "notes.txt")
	os.WriteFile(notZip, []byte("不是压缩包"), 0o600)
	if _, err := runRecord(t, "", "verify-archive", notZip); err == nil || !strings.Contains(err.Error(), "not a canyu decision archive") {
		t.Fatalf("not an archive: %v", err)
	}
	if _, err := runRecord(t, "", "verify-archive"); err == nil {
		t.Fatal("no file named, no error")
	}
}

// forgeRecord copies an archive with one word of record.json changed.
func forgeRecord(t *testing.T, archive []byte) []byte {
	return testenv.RewriteArchive(t, archive, func(name string, data []byte) []byte {
		if name != "record.json" {
			return data
		}
		return bytes.Replace(data, []byte("道路"), []byte("河道"), 1)
	})
}

func TestRecordHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"verify", "--help"}, {"verify-archive", "--help"}} {
		out, err := runRecord(t, "", args...)
		if err != nil || !strings.Contains(out, "Usage") {
			t.Errorf("record %v: %v\n%s", args, err, out)
		}
	}
	if _, err := runRecord(t, "", "bogus"); err == nil {
		t.Error("unknown record command accepted")
	}
}

// TestRecordVerifyHeads: a tree head saved earlier makes `record verify
// --heads` fail when the log was cut back behind the service's back, which
// the database alone no longer shows.
func TestRecordVerifyHeads(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	recordCLIDecisions(t, e, 2)
	file := saveHeads(t, e)
	if _, err := e.DB.Exec(ctx, `ALTER TABLE record_log_leaves DISABLE TRIGGER record_log_leaves_append_only;
		ALTER TABLE record_tree_heads DISABLE TRIGGER record_tree_heads_append_only;
		DELETE FROM record_tree_heads; DELETE FROM record_log_leaves;
		ALTER TABLE record_log_leaves ENABLE TRIGGER record_log_leaves_append_only;
		ALTER TABLE record_tree_heads ENABLE TRIGGER record_tree_heads_append_only`); err != nil {
		t.Fatal(err)
	}
	if out, err := runRecord(t, e.DatabaseURL, "verify"); err != nil {
		t.Fatalf("without the saved head the cut-back log goes unnoticed: %v\n%s", err, out)
	}
	out, err := runRecord(t, e.DatabaseURL, "verify", "--heads", file)
	if err == nil || !strings.Contains(out, "the log was cut back") {
		t.Fatalf("cut-back log accepted: %v\n%s", err, out)
	}
	if err := os.WriteFile(file, []byte(`{"heads": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := runRecord(t, e.DatabaseURL, "verify", "--heads", file); err == nil || !strings.Contains(err.Error(), "no signed tree heads") {
		t.Fatalf("empty heads file: %v", err)
	}
}

// saveHeads logs the chain heads, saves the body of list-record-heads as
// anyone could and checks that `record verify --heads` accepts it.
func saveHeads(t *testing.T, e *testenv.Env) string {
	t.Helper()
	ctx := context.Background()
	if _, err := e.Consultation.LogRecordHeads(ctx); err != nil {
		t.Fatal(err)
	}
	heads, _, err := e.Consultation.ListRecordHeads(ctx, 10, "")
	if err != nil || len(heads) != 1 {
		t.Fatalf("heads %v %v", heads, err)
	}
	saved, _ := json.Marshal(map[string]any{"heads": heads})
	file := filepath.Join(t.TempDir(), "heads.json")
	if err := os.WriteFile(file, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runRecord(t, e.DatabaseURL, "verify", "--heads", file)
	if err != nil || !strings.Contains(out, "consistent with 1 saved tree heads") {
		t.Fatalf("intact: %v\n%s", err, out)
	}
	return file
}

// TestRecordVerifyHeadsCatchesRewrittenChain: a decision with no signed
// entry has its whole chain recomputed and re-linked from a changed entry
// on, as a superuser with the triggers off could (issue 12). `record
// verify` and the archive name the logged chain head that no longer
// matches; once the attacker also rebuilds the log of chain heads (and the
// service signs a head over it), the database and an archive exported then
// are consistent with themselves, and only `record verify --heads` with a
// head saved before shows the rewrite.
func TestRecordVerifyHeadsCatchesRewrittenChain(t *testing.T) {
	e := testenv.New(t)
	ids, staff := recordCLIDecisions(t, e, 2)
	file := saveHeads(t, e)
	e.RewriteChain(t, ids[1], 2, func(p string) string { return strings.Replace(p, "道路", "河道", 1) })
	// The attacker rewrites the decision's row to match, or verification
	// names entry 2 by the row alone.
	e.AsSuperuser(t, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE decisions SET summary = replace(summary, '道路', '河道') WHERE id = $1`, ids[1])
		return err
	})

	out, err := runRecord(t, e.DatabaseURL, "verify")
	if err == nil || !strings.Contains(out, fmt.Sprintf("decision %d: ok, 3 entries", ids[0])) ||
		!strings.Contains(out, fmt.Sprintf("decision %d: BROKEN at entry 3: entry 3: its hash ", ids[1])) ||
		!strings.Contains(out, "the chain was rewritten at or before it") {
		t.Fatalf("rewritten chain, log intact: %v\n%s", err, out)
	}
	archive := func() string {
		t.Helper()
		var buf bytes.Buffer
		if err := e.Consultation.ExportDecisionArchive(context.Background(), &staff, ids[1], &buf); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(t.TempDir(), "archive.zip")
		if err := os.WriteFile(name, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	if out, err := runRecord(t, "", "verify", "--archive", archive()); err == nil ||
		!strings.Contains(out, "BROKEN at entry 3: entry 3: its hash ") || !strings.Contains(out, "the chain was rewritten") {
		t.Fatalf("rewritten chain, offline: %v\n%s", err, out)
	}

	e.RebuildLog(t)
	if out, err := runRecord(t, e.DatabaseURL, "verify"); err != nil {
		t.Fatalf("after the log was rebuilt the database is consistent with itself: %v\n%s", err, out)
	}
	if out, err := runRecord(t, "", "verify", "--archive", archive()); err != nil {
		t.Fatalf("an archive exported after the log was rebuilt is consistent with itself: %v\n%s", err, out)
	}
	out, err = runRecord(t, e.DatabaseURL, "verify", "--heads", file)
	if err == nil || !strings.Contains(err.Error(), "today's log is inconsistent with 1 of 1 saved tree heads") ||
		!strings.Contains(out, file+": BROKEN: saved tree head 2 (") || !strings.Contains(out, "inconsistent with the saved head, the log was rewritten") {
		t.Fatalf("saved head: %v\n%s", err, out)
	}
}

// TestRecordVerifyCatalogueCommand: `record verify` verifies each decision
// body's catalogue record beside the decisions' records and names a
// catalogue row changed behind the service's back; --catalogue verifies
// one body's.
func TestRecordVerifyCatalogueCommand(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	ids, _ := recordCLIDecisions(t, e, 1)
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	c, err := e.Catalogue.CreateCatalogue(ctx, &body, "pdsszf", 2026)
	if err != nil {
		t.Fatal(err)
	}
	item, err := e.Catalogue.AddCatalogueItem(ctx, &body, c.ID, catalogue.ItemInput{Title: "平顶山市扬尘污染防治办法", LeadAgency: "hbj",
		Domain: consultation.DomainEnvironment, Category: consultation.CategoryEnvironment, PlannedQuarter: 3})
	if err != nil {
		t.Fatal(err)
	}
	chain := catalogue.ChainOf(c.DecisionBodyID)
	out, err := runRecord(t, e.DatabaseURL, "verify")
	if err != nil || !strings.Contains(out, fmt.Sprintf("decision %d: ok", ids[0])) ||
		!strings.Contains(out, "catalogue record "+chain+": ok, 2 entries") {
		t.Fatalf("intact records: %v\n%s", err, out)
	}
	e.AsSuperuser(t, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE catalogue_items SET planned_quarter = 1 WHERE id = $1`, item.ID)
		return err
	})
	out, err = runRecord(t, e.DatabaseURL, "verify")
	if err == nil || !strings.Contains(err.Error(), "1 of 2 records broken") ||
		!strings.Contains(out, fmt.Sprintf("catalogue record %s: BROKEN at entry 2: entry 2 (catalogue_item_added): catalogue_items row %d was changed", chain, item.ID)) {
		t.Fatalf("changed catalogue item: %v\n%s", err, out)
	}
	out, err = runRecord(t, e.DatabaseURL, "verify", "--catalogue", "pdsszf")
	if err == nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, "BROKEN") {
		t.Fatalf("one body's catalogue record: %v\n%s", err, out)
	}
	if _, err := runRecord(t, e.DatabaseURL, "verify", "--catalogue", "nosuch"); err == nil || !strings.Contains(err.Error(), "decision_body_not_found") {
		t.Fatalf("unknown body: %v", err)
	}
}

// TestRecordVerifyArchiveChecksDecisionAndWindow: an archive exported after
// the decision's row or its consultation window was changed in the
// database fails offline verification, naming what differs from the
// record (decision.json and consultation.json against record.json). Before,
// the archive verified as intact: only the online check re-read them.
func TestRecordVerifyArchiveChecksDecisionAndWindow(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	ids, staff := recordCLIDecisions(t, e, 1)
	c := e.OpenConsultation(&staff, ids[0], consultation.ConsultationInput{WaysToComment: "登录本平台提出意见"})
	export := func(name string) string {
		t.Helper()
		var archive bytes.Buffer
		if err := e.Consultation.ExportDecisionArchive(ctx, &staff, ids[0], &archive); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(file, archive.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	if out, err := runRecord(t, "", "verify", "--archive", export("intact.zip")); err != nil {
		t.Fatalf("intact archive: %v\n%s", err, out)
	}
	cases := []struct{ name, tamper, undo, want string }{
		{"DecisionDomain", `UPDATE decisions SET domain = 'other' WHERE id = $1`, `UPDATE decisions SET domain = 'environment' WHERE id = $1`,
			"the decision's domain differ from what was recorded"},
		{"DecisionStage", `UPDATE decisions SET status = 'handling' WHERE id = $1`, `UPDATE decisions SET status = 'consulting' WHERE id = $1`,
			"the decision is at stage handling, but the record has it at stage consulting"},
		{"WindowEnd", `UPDATE consultations SET ends_at = ends_at + interval '20 days', original_ends_at = original_ends_at + interval '20 days'
			WHERE decision_id = $1`, `UPDATE consultations SET ends_at = ends_at - interval '20 days',
			original_ends_at = original_ends_at - interval '20 days' WHERE decision_id = $1`,
			fmt.Sprintf("consultation %d: its published end", c.ID)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.AsSuperuser(t, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, tc.tamper, ids[0]); return err })
			defer e.AsSuperuser(t, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, tc.undo, ids[0]); return err })
			out, err := runRecord(t, "", "verify", "--archive", export(tc.name+".zip"))
			if err == nil || !strings.Contains(out, "BROKEN") || !strings.Contains(out, tc.want) {
				t.Fatalf("archive of a changed row: %v\n%s", err, out)
			}
		})
	}
}

// TestRecordVerifyCatalogueArchive: `record verify --archive` checks a
// decision body's catalogue archive (export-catalogue-archive) offline,
// names its chain, and refuses a damaged one.
func TestRecordVerifyCatalogueArchive(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	c, err := e.Catalogue.CreateCatalogue(ctx, &body, "pdsszf", 2026)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Catalogue.AddCatalogueItem(ctx, &body, c.ID, catalogue.ItemInput{Title: "义务教育阶段课后服务办法", LeadAgency: "jyj",
		Domain: consultation.DomainEducationCulture, Category: consultation.CategoryPublicServices, PlannedQuarter: 2}); err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	if err := e.Catalogue.ExportCatalogueArchive(ctx, &body, c.ID, &archive); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "catalogue.zip")
	if err := os.WriteFile(good, archive.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runRecord(t, "", "verify", "--archive", good)
	chain := catalogue.ChainOf(c.DecisionBodyID)
	if err != nil || !strings.Contains(out, "(chain "+chain+"): ok, 2 entries") || !strings.Contains(out, "canyu record verify --catalogue") {
		t.Fatalf("intact catalogue archive: %v\n%s", err, out)
	}
	// A damaged file is refused (a changed row: TestCatalogueArchive).
	bad := filepath.Join(dir, "damaged.zip")
	if err := os.WriteFile(bad, archive.Bytes()[:archive.Len()/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := runRecord(t, "", "verify", "--archive", bad); err == nil {
		t.Fatal("a truncated catalogue archive verifies")
	}
}

// TestRecordVerifyFirstFormEvidence: the meetings', publications' and
// proposals' evidence gained a second form that reads the columns added
// after them (attendees, absences, the composition's size; the implementing
// unit and its reporting interval; the organisation). `record verify` names
// a rewrite of such a column; a record written before, whose entries bind
// those rows in the first form, still verifies online, and so do its
// decision's and its catalogue's archives with `record verify --archive`.
func TestRecordVerifyFirstFormEvidence(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	gov := e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	e.Agency("sfj", "平顶山市司法局", identity.AgencyLegalityReview)
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	admin, _ := e.Account(identity.RoleAdmin, "")
	resident, _ := e.Account(identity.RoleResident, "")
	if _, err := e.Consultation.SetMeetingComposition(ctx, &admin, "pdsszf", []consultation.MeetingCompositionMember{
		{Name: "张市长", Position: "市长", IsHead: true}, {Name: "李副市长", Position: "常务副市长"}, {Name: "王副市长", Position: "副市长"}}); err != nil {
		t.Fatal(err)
	}
	d := e.PublishedWithheld(&staff, &body)
	var meeting, meetingSeq, publication, publicationSeq int64
	if err := e.DB.QueryRow(ctx, `SELECT d.id, d.record_seq, p.id, p.record_seq FROM deliberations d
		JOIN decision_publications p ON p.deliberation_id = d.id WHERE d.decision_id = $1`, d.ID).
		Scan(&meeting, &meetingSeq, &publication, &publicationSeq); err != nil {
		t.Fatal(err)
	}
	c, err := e.Catalogue.CreateCatalogue(ctx, &body, "pdsszf", 2026)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Catalogue.ProposeDecisionItem(ctx, &resident, catalogue.ProposalInput{DecisionBody: "pdsszf",
		ProposerKind: catalogue.ProposerResident, Title: "校园周边交通安全整治", Description: "建议整治学校周边上下学时段的交通秩序。"})
	if err != nil {
		t.Fatal(err)
	}
	chain := catalogue.ChainOf(gov.ID)

	// The second form: the implementing unit's reporting interval
	// stretched from 30 days to a year is named.
	e.AsSuperuser(t, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE decision_publications SET report_interval_days = 365 WHERE id = $1`, publication)
		return err
	})
	out, err := runRecord(t, e.DatabaseURL, "verify", "--decision", fmt.Sprint(d.ID))
	if err == nil || !strings.Contains(out, fmt.Sprintf("BROKEN at entry %d", publicationSeq)) ||
		!strings.Contains(out, fmt.Sprintf("decision_publications row %d was changed", publication)) {
		t.Fatalf("reporting interval rewritten: %v\n%s", err, out)
	}
	e.AsSuperuser(t, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE decision_publications SET report_interval_days = 30 WHERE id = $1`, publication)
		return err
	})

	// The record as canyu wrote it before the second forms.
	e.BindInFirstForm(t, d.ID, meetingSeq, "deliberations", meeting)
	e.BindInFirstForm(t, d.ID, publicationSeq, "decision_publications", publication)
	var submitted int64
	if err := e.DB.QueryRow(ctx, `SELECT max(seq) FROM record_entries WHERE chain = $1`, chain).Scan(&submitted); err != nil {
		t.Fatal(err)
	}
	e.BindInFirstFormNamed(t, chain, submitted, "decision_proposals", p.ID)
	out, err = runRecord(t, e.DatabaseURL, "verify")
	if err != nil || !strings.Contains(out, fmt.Sprintf("decision %d: ok", d.ID)) || !strings.Contains(out, "catalogue record "+chain+": ok") {
		t.Fatalf("records with first-form evidence: %v\n%s", err, out)
	}
	dir := t.TempDir()
	var archive bytes.Buffer
	if err := e.Consultation.ExportDecisionArchive(ctx, &body, d.ID, &archive); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "decision.zip")
	if err := os.WriteFile(file, archive.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runRecord(t, "", "verify", "--archive", file); err != nil || !strings.Contains(out, ": ok, ") {
		t.Fatalf("the decision's archive: %v\n%s", err, out)
	}
	archive.Reset()
	if err := e.Catalogue.ExportCatalogueArchive(ctx, &body, c.ID, &archive); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "catalogue.zip")
	if err := os.WriteFile(file, archive.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runRecord(t, "", "verify", "--archive", file); err != nil || !strings.Contains(out, "(chain "+chain+"): ok") {
		t.Fatalf("the catalogue's archive: %v\n%s", err, out)
	}
}
