package catalogue_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// catalogueScene is a decision body's catalogue through every write of
// the package: created, items added, agreed, published; an item changed
// through an adjustment agreed and published; a resident's proposal
// accepted as an add adjustment and one not accepted; an item initiated.
type catalogueScene struct {
	e                      *testenv.Env
	bodyID                 int64
	cat                    catalogue.Catalogue
	accepted, notAccepted  catalogue.Proposal
	initiation             catalogue.Initiation
	changedItem, initiated int64
	adjustment             int64
}

func newCatalogueScene(t *testing.T) catalogueScene {
	t.Helper()
	e := testenv.New(t)
	ctx := context.Background()
	gov := e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	resident, _ := e.Account(identity.RoleResident, "")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := e.Catalogue.CreateCatalogue(ctx, &body, "pdsszf", 2026)
	must(err)
	item := func(title string) catalogue.ItemInput {
		return catalogue.ItemInput{Title: title, LeadAgency: "jyj", Domain: consultation.DomainEducationCulture,
			Category: consultation.CategoryPublicServices, PlannedQuarter: 2}
	}
	first, err := e.Catalogue.AddCatalogueItem(ctx, &body, c.ID, item("义务教育阶段课后服务办法"))
	must(err)
	second, err := e.Catalogue.AddCatalogueItem(ctx, &body, c.ID, item("中小学校园安全管理规定"))
	must(err)
	today := e.Today()
	_, err = e.Catalogue.RecordCatalogueApproval(ctx, &body, c.ID, catalogue.ApprovalInput{DocumentNumber: "平市委办〔2026〕3号", Date: today})
	must(err)
	_, err = e.Catalogue.PublishCatalogue(ctx, &body, c.ID)
	must(err)
	adj, err := e.Catalogue.RequestCatalogueAdjustment(ctx, &body, c.ID, catalogue.AdjustmentInput{Kind: catalogue.AdjustChange,
		ItemID: first.ID, Item: item("义务教育阶段课后服务管理办法"), Reason: "名称调整"})
	must(err)
	_, err = e.Catalogue.RecordCatalogueApproval(ctx, &body, c.ID, catalogue.ApprovalInput{AdjustmentID: adj.ID,
		DocumentNumber: "平市委办〔2026〕9号", Date: today})
	must(err)
	_, err = e.Catalogue.PublishCatalogue(ctx, &body, c.ID)
	must(err)
	accepted, err := e.Catalogue.ProposeDecisionItem(ctx, &resident, catalogue.ProposalInput{DecisionBody: "pdsszf",
		ProposerKind: catalogue.ProposerResident, Title: "困难家庭课后托管补贴", Description: "建议对困难家庭课后托管给予补贴。"})
	must(err)
	accepted, err = e.Catalogue.AnswerDecisionProposal(ctx, &body, accepted.ID, catalogue.AnswerInput{Accepted: true,
		Answer: "采纳，列入年度目录调整。", CatalogueID: c.ID, Item: item("困难家庭课后托管补贴办法")})
	must(err)
	notAccepted, err := e.Catalogue.ProposeDecisionItem(ctx, &resident, catalogue.ProposalInput{DecisionBody: "pdsszf",
		ProposerKind: catalogue.ProposerResident, Title: "取消寒假作业", Description: "建议取消全市中小学寒假作业。"})
	must(err)
	notAccepted, err = e.Catalogue.AnswerDecisionProposal(ctx, &body, notAccepted.ID, catalogue.AnswerInput{
		Answer: "作业管理属学校教学事务，不属于重大行政决策事项。"})
	must(err)
	ini, err := e.Catalogue.InitiateDecisionItem(ctx, &body, second.ID, catalogue.InitiationInput{ProposerKind: catalogue.ProposerLeader,
		ProposerName: "张市长", StartReference: "市政府常务会议纪要〔2026〕5号", StartDate: today})
	must(err)
	c, err = e.Catalogue.GetCatalogue(ctx, &body, c.ID)
	must(err)
	return catalogueScene{e: e, bodyID: gov.ID, cat: c, accepted: accepted, notAccepted: notAccepted, initiation: ini,
		changedItem: first.ID, initiated: second.ID, adjustment: adj.ID}
}

func (s catalogueScene) verify(t *testing.T) record.VerifyResult {
	t.Helper()
	r, err := record.VerifyNamed(context.Background(), s.e.DB, catalogue.ChainOf(s.bodyID))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCatalogueRecord: every write of the catalogue package appends an
// entry to the decision body's catalogue chain binding the rows it wrote,
// and the chain verifies and is logged in the signed tree heads.
func TestCatalogueRecord(t *testing.T) {
	s := newCatalogueScene(t)
	ctx := context.Background()
	entries, err := record.ChainEntries(ctx, s.e.DB, catalogue.ChainOf(s.bodyID))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range entries {
		kinds = append(kinds, string(e.Kind))
		if e.DecisionID != 0 || e.Chain != catalogue.ChainOf(s.bodyID) {
			t.Fatalf("entry %d belongs to decision %d, chain %q", e.Seq, e.DecisionID, e.Chain)
		}
	}
	want := "catalogue_created catalogue_item_added catalogue_item_added catalogue_agreed catalogue_published " +
		"catalogue_adjustment_requested catalogue_adjustment_agreed catalogue_adjustment_published " +
		"decision_proposal_submitted catalogue_adjustment_requested decision_proposal_answered " +
		"decision_proposal_submitted decision_proposal_answered catalogue_item_initiated"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("entries:\n got %s\nwant %s", got, want)
	}
	r := s.verify(t)
	if !r.OK || r.Entries != len(entries) || r.Evidence == 0 || r.Chain != catalogue.ChainOf(s.bodyID) {
		t.Fatalf("intact catalogue record: %+v", r)
	}
	// The chain's head is logged with the decisions' and verified against
	// the signed tree head.
	if signed, err := s.e.Consultation.LogRecordHeads(ctx); err != nil || !signed {
		t.Fatalf("log heads: %v %v", signed, err)
	}
	if r := s.verify(t); !r.OK || r.Anchored != 1 {
		t.Fatalf("logged catalogue record: %+v", r)
	}
	// A chain recomputed after its head was logged no longer matches it.
	s.e.AsSuperuser(t, func(tx pgx.Tx) error {
		prev := record.GenesisHash
		for _, en := range entries {
			if en.Seq == 2 {
				en.Payload = strings.Replace(en.Payload, "义务教育阶段课后服务办法", "义务教育阶段课后服务规定", 1)
			}
			en.PrevHash = prev
			en.EntryHash = record.EntryHash(en)
			prev = en.EntryHash
			if _, err := tx.Exec(ctx, `UPDATE record_entries SET payload = $2, prev_hash = $3, entry_hash = $4 WHERE id = $1`,
				en.ID, en.Payload, en.PrevHash, en.EntryHash); err != nil {
				return err
			}
		}
		return nil
	})
	if r := s.verify(t); r.OK || !strings.Contains(r.Problem, "the chain was rewritten") {
		t.Fatalf("recomputed catalogue chain: %+v", r)
	}
}

// TestCatalogueRecordCatchesRewrittenRows rewrites, as a database
// superuser would (every trigger off), each kind of row the catalogue
// package writes, and inserts rows no step wrote: verification of the
// body's catalogue record passes before and after, and names the table and
// the row each time. Before the catalogue had a record, each went
// unnoticed.
func TestCatalogueRecordCatchesRewrittenRows(t *testing.T) {
	s := newCatalogueScene(t)
	ctx := context.Background()
	if r := s.verify(t); !r.OK {
		t.Fatalf("intact catalogue record: %+v", r)
	}
	cases := []struct {
		name, tamper, undo string
		id                 int64
		table              string
		unbound            bool
	}{
		{"CatalogueDocumentNumber", `UPDATE catalogues SET party_doc_number = '平市委办〔2026〕1号' WHERE id = $1`,
			`UPDATE catalogues SET party_doc_number = '平市委办〔2026〕3号' WHERE id = $1`, s.cat.ID, "catalogues", false},
		{"CatalogueUnpublished", `UPDATE catalogues SET status = 'agreed' WHERE id = $1`,
			`UPDATE catalogues SET status = 'published' WHERE id = $1`, s.cat.ID, "catalogues", false},
		{"ItemTitle", `UPDATE catalogue_items SET title = '义务教育阶段收费办法' WHERE id = $1`,
			`UPDATE catalogue_items SET title = '义务教育阶段课后服务管理办法' WHERE id = $1`, s.changedItem, "catalogue_items", false},
		{"ItemRemoved", `UPDATE catalogue_items SET status = 'removed' WHERE id = $1`,
			`UPDATE catalogue_items SET status = 'active' WHERE id = $1`, s.initiated, "catalogue_items", false},
		{"AdjustmentReason", `UPDATE catalogue_adjustments SET reason = '上级要求' WHERE id = $1`,
			`UPDATE catalogue_adjustments SET reason = '名称调整' WHERE id = $1`, s.adjustment, "catalogue_adjustments", false},
		{"InitiationReference", `UPDATE decision_initiations SET start_reference = '市长批示' WHERE id = $1`,
			`UPDATE decision_initiations SET start_reference = '市政府常务会议纪要〔2026〕5号' WHERE id = $1`,
			s.initiation.ID, "decision_initiations", false},
		{"ProposalAnswer", `UPDATE decision_proposals SET answer = '采纳。', status = 'accepted' WHERE id = $1`,
			`UPDATE decision_proposals SET answer = '作业管理属学校教学事务，不属于重大行政决策事项。', status = 'not_accepted' WHERE id = $1`,
			s.notAccepted.ID, "decision_proposals", false},
		{"ProposalText", `UPDATE decision_proposals SET description = '建议补贴全部家庭。' WHERE id = $1`,
			`UPDATE decision_proposals SET description = '建议对困难家庭课后托管给予补贴。' WHERE id = $1`,
			s.accepted.ID, "decision_proposals", false},
		// The organisation a proposal was filed in the name of (migration
		// 00108): a resident's proposal rewritten as a verified
		// organisation's. Verification did not see it.
		{"ProposalOrganisation", `UPDATE decision_proposals SET organisation_id = 4242 WHERE id = $1`,
			`UPDATE decision_proposals SET organisation_id = NULL WHERE id = $1`, s.accepted.ID, "decision_proposals", false},
		{"HistoryRow", `UPDATE catalogue_events SET payload = '{"document_number": "平市委办〔2026〕1号"}' WHERE id = $1`,
			`UPDATE catalogue_events SET payload = '{"basis": "Decree 713 Art. 3(3); Henan Decree 210 Art. 4", "document_number": "平市委办〔2026〕3号"}'
			WHERE id = $1`, s.historyID(t, "catalogue_published"), "catalogue_events", false},
		{"ItemInserted", `INSERT INTO catalogue_items (id, catalogue_id, title, lead_agency_id, domain, category, planned_quarter, created_at)
			SELECT $1, catalogue_id, '补列的事项', lead_agency_id, domain, category, 4, created_at FROM catalogue_items ORDER BY id LIMIT 1`,
			`DELETE FROM catalogue_items WHERE id = $1`, 900001, "catalogue_items", true},
		{"ProposalInserted", `INSERT INTO decision_proposals (id, decision_body_id, proposer_kind, account_id, title, description, created_at)
			SELECT $1, decision_body_id, 'resident', account_id, '补记的建议', '补记。', created_at FROM decision_proposals ORDER BY id LIMIT 1`,
			`DELETE FROM decision_proposals WHERE id = $1`, 900002, "decision_proposals", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.e.AsSuperuser(t, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, c.tamper, c.id); return err })
			defer s.e.AsSuperuser(t, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, c.undo, c.id); return err })
			r := s.verify(t)
			row := fmt.Sprintf("%s row %d", c.table, c.id)
			want := "was changed after it was recorded"
			if c.unbound {
				want = "no entry of the catalogue record binds it"
			}
			if r.OK || !strings.Contains(r.Problem, row) || !strings.Contains(r.Problem, want) {
				t.Fatalf("want broken naming %q (%s), got %+v", row, want, r)
			}
		})
	}
	if r := s.verify(t); !r.OK {
		t.Fatalf("restored catalogue record: %+v", r)
	}
	// A proposal deleted is named as missing, at the entry that bound it.
	s.e.AsSuperuser(t, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM decision_proposals WHERE id = $1`, s.notAccepted.ID)
		return err
	})
	if r := s.verify(t); r.OK || !strings.Contains(r.Problem, fmt.Sprintf("decision_proposals row %d: the row it binds is missing", s.notAccepted.ID)) {
		t.Fatalf("deleted proposal: %+v", r)
	}
}

// historyID is the id of the catalogue's latest history row of kind.
func (s catalogueScene) historyID(t *testing.T, kind string) int64 {
	t.Helper()
	var id int64
	if err := s.e.DB.QueryRow(context.Background(), `SELECT max(id) FROM catalogue_events WHERE catalogue_id = $1 AND kind = $2`,
		s.cat.ID, kind).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestCatalogueRecordSealsEarlierRows: rows written before the catalogue
// had a record (up to the migration's cut-offs) are not named as unbound,
// are sealed once by SealUnrecorded, and a change to them is caught from
// then on; a row above the cut-off is never sealed.
func TestCatalogueRecordSealsEarlierRows(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	gov := e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	resident, _ := e.Account(identity.RoleResident, "")
	at := e.Clock.Now().Add(-30 * 24 * time.Hour)
	// As if written by the release before the record covered them.
	e.AsSuperuser(t, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO decision_proposals (id, decision_body_id, proposer_kind, account_id, title, description, created_at)
			VALUES (1, $1, 'resident', $2, '早先的建议', '早先提出。', $3)`, gov.ID, resident.ID, at); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE catalogue_record_cutoffs SET max_id = 1 WHERE table_name = 'decision_proposals'`)
		return err
	})
	chain := catalogue.ChainOf(gov.ID)
	if r, err := record.VerifyNamed(ctx, e.DB, chain); err != nil || !r.OK || r.Entries != 0 {
		t.Fatalf("an earlier row before sealing: %+v %v", r, err)
	}
	if n, err := e.Catalogue.SealUnrecorded(ctx); err != nil || n != 1 {
		t.Fatalf("sealed %d rows: %v", n, err)
	}
	if n, err := e.Catalogue.SealUnrecorded(ctx); err != nil || n != 0 {
		t.Fatalf("sealed again %d rows: %v", n, err)
	}
	if r, err := record.VerifyNamed(ctx, e.DB, chain); err != nil || !r.OK || r.Entries != 1 || r.Evidence != 1 {
		t.Fatalf("sealed: %+v %v", r, err)
	}
	e.AsSuperuser(t, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE decision_proposals SET title = '改过的建议' WHERE id = 1`)
		return err
	})
	if r, _ := record.VerifyNamed(ctx, e.DB, chain); r.OK || !strings.Contains(r.Problem, "decision_proposals row 1 was changed") {
		t.Fatalf("sealed row changed: %+v", r)
	}
	e.AsSuperuser(t, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE decision_proposals SET title = '早先的建议' WHERE id = 1`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO decision_proposals (id, decision_body_id, proposer_kind, account_id, title, description, created_at)
			VALUES (2, $1, 'resident', $2, '后补的建议', '后补。', $3)`, gov.ID, resident.ID, at)
		return err
	})
	if n, err := e.Catalogue.SealUnrecorded(ctx); err != nil || n != 0 {
		t.Fatalf("a row above the cut-off sealed (%d): %v", n, err)
	}
	if r, _ := record.VerifyNamed(ctx, e.DB, chain); r.OK || !strings.Contains(r.Problem, "decision_proposals row 2 is stored but no entry") {
		t.Fatalf("row above the cut-off: %+v", r)
	}
}

// TestCatalogueRecordVerifiesFirstFormEvidence: a proposal submitted before
// the proposals' evidence gained its second form (the organisation,
// migration 00108) is bound in the first form, with no form named. The
// catalogue record still verifies, online and in an archive, which holds
// the row in that form; answered now, the proposal is bound in the second
// form, the archive holds that, and a rewrite of its organisation is named
// at the answer.
func TestCatalogueRecordVerifiesFirstFormEvidence(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	gov := e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	resident, _ := e.Account(identity.RoleResident, "")
	c, err := e.Catalogue.CreateCatalogue(ctx, &body, "pdsszf", 2026)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Catalogue.ProposeDecisionItem(ctx, &resident, catalogue.ProposalInput{DecisionBody: "pdsszf",
		ProposerKind: catalogue.ProposerResident, Title: "取消寒假作业", Description: "建议取消全市中小学寒假作业。"})
	if err != nil {
		t.Fatal(err)
	}
	chain := catalogue.ChainOf(gov.ID)
	entries, err := record.ChainEntries(ctx, e.DB, chain)
	if err != nil {
		t.Fatal(err)
	}
	submitted := entries[len(entries)-1].Seq
	e.BindInFirstFormNamed(t, chain, submitted, "decision_proposals", p.ID)
	// verify verifies the chain online and its archive, and returns the
	// proposal's row as the archive holds it.
	verify := func(stage string) string {
		t.Helper()
		if r, err := record.VerifyNamed(ctx, e.DB, chain); err != nil || !r.OK {
			t.Fatalf("%s: %+v, %v", stage, r, err)
		}
		var buf bytes.Buffer
		if err := e.Catalogue.ExportCatalogueArchive(ctx, &body, c.ID, &buf); err != nil {
			t.Fatal(err)
		}
		if r, err := record.VerifyArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil || !r.OK {
			t.Fatalf("%s, the archive: %+v, %v", stage, r, err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		f, err := zr.Open(fmt.Sprintf("evidence/decision_proposals/%d.json", p.ID))
		if err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		defer f.Close()
		row, _ := io.ReadAll(f)
		return string(row)
	}
	if row := verify("submitted before forms"); strings.Contains(row, "organisation_id") {
		t.Fatalf("the archive holds the row in the second form, its entry bound the first: %s", row)
	}
	if _, err := e.Catalogue.AnswerDecisionProposal(ctx, &body, p.ID, catalogue.AnswerInput{
		Answer: "作业管理属学校教学事务，不属于重大行政决策事项。"}); err != nil {
		t.Fatal(err)
	}
	if row := verify("answered"); !strings.Contains(row, `"organisation_id":null`) {
		t.Fatalf("the archive holds the answered row in the first form: %s", row)
	}
	e.AsSuperuser(t, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE decision_proposals SET organisation_id = 4242 WHERE id = $1`, p.ID)
		return err
	})
	r, err := record.VerifyNamed(ctx, e.DB, chain)
	if err != nil || r.OK || r.FirstBadSeq != submitted+1 || !strings.Contains(r.Problem, fmt.Sprintf("decision_proposals row %d was changed", p.ID)) {
		t.Fatalf("the organisation rewritten: %+v, %v", r, err)
	}
}
