package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
)

// handlingDecision makes a decision of domain other whose consultation
// closed without comments and whose adoption report is published, so it may
// go to legality review; it returns the decision id and its version hash.
func handlingDecision(t *testing.T, e *testenv.Env, staff *identity.Account) (int64, string) {
	t.Helper()
	ctx := context.Background()
	svc := e.Consultation
	d, v := draftDecision(t, e, staff, consultation.DecisionInput{Title: "平顶山市公共停车场管理办法", Summary: "规范公共停车场管理。",
		Category: consultation.CategoryOther, Domain: consultation.DomainOther, DecisionBody: "pdsszf", LeadAgency: "zjj"},
		consultation.DraftVersionInput{
			Text:        "第一条 为规范公共停车场管理，制定本办法。\n第二条 本办法适用于本市城区公共停车场。",
			Explanation: "起草说明：依据道路交通安全法。", LegalBasis: []string{"《中华人民共和国道路交通安全法》"}})
	e.OpenConsultation(staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台提出意见"})
	e.CloseConsultations()
	if _, err := svc.GenerateAdoptionReport(ctx, staff, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PublishAdoptionReport(ctx, staff, d.ID); err != nil {
		t.Fatal(err)
	}
	return d.ID, v.ContentHash
}

// submittedWithAdviser makes a decision through handlingDecision, received
// on Thursday 20 August 2026, submits its version for legality review with
// the other members of submission, and has the reviewer assign adviser; it
// returns the decision id and the package's id.
func submittedWithAdviser(t *testing.T, e *testenv.Env, staff *identity.Account, staffToken, reviewerToken string,
	adviser identity.Account, submission map[string]any) (int64, int64) {
	t.Helper()
	e.Clock.Set(time.Date(2026, 8, 20, 10, 0, 0, 0, workday.Location()))
	decisionID, hash := handlingDecision(t, e, staff)
	submission["version_hash"] = hash
	var review struct {
		ID int64 `json:"id"`
	}
	e.Do("POST", fmt.Sprintf("/decisions/%d/legality-reviews", decisionID), staffToken, submission).Expect(t, 201, "").JSON(t, &review)
	e.Do("POST", fmt.Sprintf("/legality-reviews/%d/advisers", review.ID), reviewerToken,
		map[string]any{"adviser_ids": []int64{adviser.ID}}).Expect(t, 200, "")
	return decisionID, review.ID
}

func reviewFindings() map[string]any {
	one := map[string]any{"finding": "compliant", "reasoning": "符合规定。", "cited_provisions": []string{"《重大行政决策程序暂行条例》第二十七条"}}
	return map[string]any{"authority": one, "procedure": one, "content": one}
}

func TestLegalityReviewAPI(t *testing.T) {
	e := newCity(t, "pdsszf", "zjj", "sfj")
	staff, staffToken := e.Account(identity.RoleAgencyStaff, "zjj")
	_, reviewerToken := e.Account(identity.RoleReviewer, "sfj")
	adviser, adviserToken := e.Account(identity.RoleLegalAdviser, "")
	_, otherAdviserToken := e.Account(identity.RoleLegalAdviser, "")
	_, residentToken := e.Account(identity.RoleResident, "")
	// Receipt on Friday 25 September 2026, before the Mid-Autumn and
	// National Day holidays (25 Sep – 7 Oct; 10 Oct is a make-up day).
	e.Clock.Set(time.Date(2026, 8, 20, 10, 0, 0, 0, workday.Location()))
	decisionID, hash := handlingDecision(t, e, &staff)
	e.Clock.Set(time.Date(2026, 9, 24, 15, 0, 0, 0, workday.Location()))

	base := fmt.Sprintf("/decisions/%d/legality-reviews", decisionID)
	e.Do("POST", base, staffToken, map[string]any{"version_hash": strings.Repeat("0", 64), "legal_basis": []string{"《道路交通安全法》"}}).
		Expect(t, 409, "version_hash_mismatch")
	e.Do("POST", base, residentToken, map[string]any{"version_hash": hash, "legal_basis": []string{"《道路交通安全法》"}}).Expect(t, 403, "")
	var review struct {
		ID                   int64     `json:"id"`
		Status               string    `json:"status"`
		ProcedureStatement   string    `json:"procedure_statement"`
		EarliestConclusionAt time.Time `json:"earliest_conclusion_at"`
		Advisers             []struct {
			AccountID int64 `json:"account_id"`
		} `json:"advisers"`
		Conclusion *struct {
			Outcome     string `json:"outcome"`
			VersionHash string `json:"version_hash"`
		} `json:"conclusion"`
	}
	e.Do("POST", base, staffToken, map[string]any{"version_hash": hash, "legal_basis": []string{"《中华人民共和国道路交通安全法》第三十三条"}}).
		Expect(t, 201, "").JSON(t, &review)
	if review.Status != "received" || !strings.Contains(review.ProcedureStatement, "公开征求意见") {
		t.Fatalf("submitted: %+v", review)
	}
	// Thursday 24 Sep: 25 Sep is a holiday, the 7 working days are
	// 28, 29, 30 Sep, 8, 9, 10 (make-up Saturday), 12 Oct.
	if want := time.Date(2026, 10, 13, 0, 0, 0, 0, workday.Location()); !review.EarliestConclusionAt.Equal(want) {
		t.Errorf("earliest conclusion %v, want %v", review.EarliestConclusionAt, want)
	}
	rp := fmt.Sprintf("/legality-reviews/%d", review.ID)

	var queue struct {
		Reviews []struct {
			ID int64 `json:"id"`
		} `json:"reviews"`
	}
	e.Do("GET", "/legality-reviews?status=received", reviewerToken, nil).Expect(t, 200, "").JSON(t, &queue)
	if len(queue.Reviews) != 1 || queue.Reviews[0].ID != review.ID {
		t.Fatalf("queue %+v", queue)
	}
	e.Do("GET", rp, adviserToken, nil).Expect(t, 404, "legality_review_not_found")
	opinion := map[string]any{"findings": reviewFindings(), "overall": "lawful", "password": testenv.Password}
	e.Do("POST", rp+"/opinions", adviserToken, opinion).Expect(t, 403, "adviser_not_assigned")
	e.Do("POST", rp+"/advisers", adviserToken, map[string]any{"adviser_ids": []int64{adviser.ID}}).Expect(t, 403, "")
	e.Do("POST", rp+"/advisers", reviewerToken, map[string]any{"adviser_ids": []int64{adviser.ID}}).Expect(t, 200, "").JSON(t, &review)
	if len(review.Advisers) != 1 {
		t.Fatalf("advisers %+v", review.Advisers)
	}
	e.Do("GET", rp, adviserToken, nil).Expect(t, 200, "")
	e.Do("GET", "/legality-reviews", adviserToken, nil).Expect(t, 200, "").JSON(t, &queue)
	if len(queue.Reviews) != 1 {
		t.Fatalf("adviser's assignments %+v", queue)
	}
	e.Do("GET", "/legality-reviews", otherAdviserToken, nil).Expect(t, 200, "").JSON(t, &queue)
	if len(queue.Reviews) != 0 {
		t.Fatalf("unassigned adviser's list %+v", queue)
	}
	e.Do("GET", rp, otherAdviserToken, nil).Expect(t, 404, "legality_review_not_found")
	e.Do("POST", rp+"/opinions", otherAdviserToken, opinion).Expect(t, 403, "adviser_not_assigned")

	wrong := map[string]any{"findings": reviewFindings(), "overall": "lawful", "password": "not-my-password"}
	e.Do("POST", rp+"/opinions", adviserToken, wrong).Expect(t, 403, "reauthentication_failed")
	e.Do("POST", rp+"/opinions", adviserToken, map[string]any{"findings": reviewFindings(), "overall": "lawful_with_changes",
		"password": testenv.Password}).Expect(t, 422, "changes_required")
	e.Do("POST", rp+"/opinions", adviserToken, opinion).Expect(t, 201, "")
	var opinions struct {
		Opinions []struct {
			VersionHash string `json:"version_hash"`
			Overall     string `json:"overall"`
		} `json:"opinions"`
	}
	e.Do("GET", rp+"/opinions", reviewerToken, nil).Expect(t, 200, "").JSON(t, &opinions)
	if len(opinions.Opinions) != 1 || opinions.Opinions[0].VersionHash != hash {
		t.Fatalf("opinions %+v", opinions)
	}

	conclusion := map[string]any{"findings": reviewFindings(), "outcome": "lawful", "password": testenv.Password}
	e.Clock.Set(time.Date(2026, 10, 12, 17, 0, 0, 0, workday.Location()))
	r := e.Do("POST", rp+"/conclusion", reviewerToken, conclusion).Expect(t, 409, "review_period_not_elapsed")
	if !strings.Contains(string(r.Body), "2026年10月13日") {
		t.Errorf("refusal does not name the earliest date: %s", r.Body)
	}
	e.Do("POST", rp+"/conclusion", adviserToken, conclusion).Expect(t, 403, "")
	e.Clock.Set(time.Date(2026, 10, 13, 9, 0, 0, 0, workday.Location()))
	e.Do("POST", rp+"/conclusion", reviewerToken, conclusion).Expect(t, 201, "")
	e.Do("GET", rp, staffToken, nil).Expect(t, 200, "").JSON(t, &review)
	if review.Status != "concluded" || review.Conclusion == nil || review.Conclusion.VersionHash != hash {
		t.Fatalf("concluded: %+v", review)
	}

	var key struct {
		KeyID  string `json:"key_id"`
		PEM    string `json:"pem"`
		Base64 string `json:"base64"`
	}
	e.Do("GET", "/record/public-key", "", nil).Expect(t, 200, "").JSON(t, &key)
	if key.KeyID != e.Consultation.Signer.KeyID() || !strings.HasPrefix(key.PEM, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("public key %+v", key)
	}
	var verify struct {
		OK         bool   `json:"ok"`
		Signatures int    `json:"signatures"`
		SignerKey  string `json:"signer_key"`
	}
	e.Do("POST", fmt.Sprintf("/decisions/%d/record/verify", decisionID), staffToken, nil).Expect(t, 200, "").JSON(t, &verify)
	if !verify.OK || verify.Signatures != 2 || verify.SignerKey != key.KeyID {
		t.Fatalf("verify %+v", verify)
	}
}
