package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// internalPaths are the reads of a decision that show what is not public.
func internalPaths(decisionID, attachmentID int64) []string {
	return []string{
		fmt.Sprintf("/decisions/%d", decisionID),
		fmt.Sprintf("/decisions/%d/versions", decisionID),
		fmt.Sprintf("/decisions/%d/versions/1", decisionID),
		fmt.Sprintf("/decisions/%d/record", decisionID),
		fmt.Sprintf("/decisions/%d/archive", decisionID),
		fmt.Sprintf("/attachments/%d", attachmentID),
	}
}

// Issue 15, finding 5: reviewers of any legality-review department and
// legal advisers not assigned to a review read every non-public decision's
// versions, record, archive and attachments. A reviewer belongs to the
// department that reviews the decision; an adviser is someone assigned to
// its review. Everyone else gets 404, as for a decision that does not exist.
func TestInternalReadsScopedToTheReview(t *testing.T) {
	e := newCity(t, "pdsszf", "zjj", "sfj", "sfj2")
	staff, staffTok := e.Account(identity.RoleAgencyStaff, "zjj")
	_, reviewerTok := e.Account(identity.RoleReviewer, "sfj")
	_, otherReviewerTok := e.Account(identity.RoleReviewer, "sfj2")
	adviser, adviserTok := e.Account(identity.RoleLegalAdviser, "")
	_, otherAdviserTok := e.Account(identity.RoleLegalAdviser, "")
	_, adminTok := e.Account(identity.RoleAdmin, "")

	// A draft nobody outside the agencies has seen.
	d, v := draftDecision(t, e, &staff, consultation.DecisionInput{Title: "平顶山市物业服务收费管理办法", Summary: "草案。",
		Category: consultation.CategoryOther, Domain: consultation.DomainOther, DecisionBody: "pdsszf", LeadAgency: "zjj"},
		consultation.DraftVersionInput{Text: "第一条 为规范物业服务收费，制定本办法。", Explanation: "起草说明。", LegalBasis: []string{"《物业管理条例》"},
			Attachments: []consultation.AttachmentInput{{Filename: "说明.pdf", ContentType: "application/pdf", Data: pdfBytes}}})
	for _, p := range internalPaths(d.ID, v.Attachments[0].ID) {
		for name, tok := range map[string]string{"reviewer": reviewerTok, "adviser": adviserTok, "anonymous": ""} {
			if r := e.Do("GET", p, tok, nil); r.Status != 404 && !(tok == "" && r.Status == 401) {
				t.Errorf("%s GET %s: %d, want 404: %.200s", name, p, r.Status, r.Body)
			}
		}
		for name, tok := range map[string]string{"lead staff": staffTok, "admin": adminTok} {
			if r := e.Do("GET", p, tok, nil); r.Status != 200 {
				t.Errorf("%s GET %s: %d, want 200: %.200s", name, p, r.Status, r.Body)
			}
		}
	}

	// Under review by sfj with one adviser assigned: the department's
	// reviewers and that adviser read it; the others still get 404 for what
	// is not public (the archive holds every version).
	decisionID, _ := submittedWithAdviser(t, e, &staff, staffTok, reviewerTok, adviser,
		map[string]any{"review_agency": "sfj", "legal_basis": []string{"《道路交通安全法》"}})
	archive := fmt.Sprintf("/decisions/%d/archive", decisionID)
	for name, tok := range map[string]string{"reviewer of sfj": reviewerTok, "assigned adviser": adviserTok} {
		if r := e.Do("GET", archive, tok, nil); r.Status != 200 {
			t.Errorf("%s: archive %d", name, r.Status)
		}
	}
	for name, tok := range map[string]string{"reviewer of sfj2": otherReviewerTok, "unassigned adviser": otherAdviserTok} {
		if r := e.Do("GET", archive, tok, nil); r.Status != 403 && r.Status != 404 {
			t.Errorf("%s: archive %d, want refused", name, r.Status)
		} else if !strings.Contains(string(r.Body), "code") {
			t.Errorf("%s: no problem body", name)
		}
	}
}
