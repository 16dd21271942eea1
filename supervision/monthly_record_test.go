package supervision_test

import (
	"context"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/supervision"
)

// TestIssuedReportVerifiesAfterKeyRotation: a report issued under one
// platform key still verifies after the operator replaces the key (the
// signature is checked with the key it names, from the record's key
// table), a report issued under the new key verifies too, and a signature
// by a key the platform never published does not.
func TestIssuedReportVerifiesAfterKeyRotation(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	d := s.create(t, "jyj", consultation.DomainOther, at(10, 12, 9))
	s.create(t, "wjw", consultation.DomainOther, at(11, 12, 9))
	issue := func(m supervision.Month, agency int64) supervision.MonthlyReport {
		t.Helper()
		rs, err := s.sup.GenerateMonthlyReports(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if (r.AgencyID == nil && agency == 0) || (r.AgencyID != nil && *r.AgencyID == agency) {
				if _, err := s.sup.UpdateMonthlyReportAnalysis(ctx, s.office, r.ID, supervision.AnalysisInput{
					Analysis: "新启动事项按期推进。", WeakLinks: "暂无。", Measures: "继续跟踪。"}); err != nil {
					t.Fatal(err)
				}
				out, err := s.sup.IssueMonthlyReport(ctx, s.office, r.ID, false)
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
		}
		t.Fatalf("no report for agency %d", agency)
		return supervision.MonthlyReport{}
	}
	s.e.Clock.Set(at(11, 2, 10))
	october := issue(supervision.Month{Year: 2026, Month: 10}, s.agency["jyj"])
	oldKey := *october.SignerKey

	// The operator replaces the key file: the service signs with a new key.
	rotated, err := record.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	s.sup.Signer = rotated
	s.e.Consultation.Signer = rotated
	s.e.Clock.Set(at(12, 1, 10))
	november := issue(supervision.Month{Year: 2026, Month: 11}, 0)
	if *november.SignerKey == oldKey || *november.SignerKey != rotated.KeyID() {
		t.Fatalf("November's report signed by %s, want the new key %s", *november.SignerKey, rotated.KeyID())
	}
	for _, r := range []supervision.MonthlyReport{october, november} {
		v, err := s.sup.VerifyMonthlyReport(ctx, s.office, r.ID)
		if err != nil || !v.OK {
			t.Fatalf("verify %s's report after rotation: %+v, %v", r.Month.Format("2006-01"), v, err)
		}
	}
	// The record of the decision October's report counts verifies too.
	if res, err := s.e.Consultation.VerifyStoredRecord(ctx, d.ID); err != nil || !res.OK || res.Evidence < 1 {
		t.Fatalf("record of the counted decision: %+v, %v", res, err)
	}

	// A signature by a key the platform never published fails: the
	// signature is replaced along with the key id (triggers off).
	forger, _ := record.GenerateSigner()
	tamper(t, s, `UPDATE monthly_reports SET signature = $2, signer_key = $3 WHERE id = $1`, october.ID,
		forger.SignEntryHash(*october.ContentHash), forger.KeyID())
	v, err := s.sup.VerifyMonthlyReport(ctx, s.office, october.ID)
	if err != nil || v.OK || v.Problem != "签名所用的密钥不是平台公布过的密钥" {
		t.Fatalf("verify a report signed with an unpublished key: %+v, %v", v, err)
	}
}
