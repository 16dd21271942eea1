package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Legality review (合法性审查, Decree 713 Art. 25–28): submission, the
// review department's queue, return and request for materials, assignment
// of legal advisers, signed legal opinions and conclusions, confirmation of
// a changed version, and the record-signing public key.

// ReviewFindingView answers one of the three questions of Decree 713 Art. 27.
type ReviewFindingView struct {
	Finding         string   `json:"finding" enum:"compliant,problem" doc:"compliant (符合) or problem (存在问题)."`
	Reasoning       string   `json:"reasoning" doc:"Why; required, at most 10,000 characters."`
	CitedProvisions []string `json:"cited_provisions,omitempty" maxItems:"50" doc:"Provisions relied on, e.g. 《中华人民共和国行政许可法》第十二条."`
}

// ReviewFindingsView is the answer to the three questions of Art. 27.
type ReviewFindingsView struct {
	Authority ReviewFindingView `json:"authority" doc:"法定权限: is the matter within the decision body's statutory authority?"`
	Procedure ReviewFindingView `json:"procedure" doc:"法定程序: was the draft formed through the statutory procedure?"`
	Content   ReviewFindingView `json:"content" doc:"内容合法: does the content comply with laws, regulations, rules and state policy?"`
}

func findingsIn(f ReviewFindingsView) []consultation.QuestionFinding {
	one := func(q consultation.ReviewQuestion, v ReviewFindingView) consultation.QuestionFinding {
		return consultation.QuestionFinding{Question: q, Finding: consultation.Finding(v.Finding), Reasoning: v.Reasoning, CitedProvisions: v.CitedProvisions}
	}
	return []consultation.QuestionFinding{one(consultation.QuestionAuthority, f.Authority), one(consultation.QuestionProcedure, f.Procedure),
		one(consultation.QuestionContent, f.Content)}
}

func findingsView(list []consultation.QuestionFinding) ReviewFindingsView {
	var out ReviewFindingsView
	for _, f := range list {
		v := ReviewFindingView{Finding: string(f.Finding), Reasoning: f.Reasoning, CitedProvisions: f.CitedProvisions}
		if v.CitedProvisions == nil {
			v.CitedProvisions = []string{}
		}
		switch f.Question {
		case consultation.QuestionAuthority:
			out.Authority = v
		case consultation.QuestionProcedure:
			out.Procedure = v
		case consultation.QuestionContent:
			out.Content = v
		}
	}
	return out
}

// ReviewAdviserView is a legal adviser assigned to a review.
type ReviewAdviserView struct {
	AccountID   int64     `json:"account_id"`
	DisplayName string    `json:"display_name"`
	AssignedAt  time.Time `json:"assigned_at"`
}

// ReviewMaterialView is the materials text or a file added to a package.
type ReviewMaterialView struct {
	ID          int64     `json:"id"`
	Text        string    `json:"text,omitempty"`
	Filename    string    `json:"filename,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	Size        int64     `json:"size,omitempty"`
	SHA256      string    `json:"sha256,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// ReviewConclusionView is the review department's signed conclusion.
type ReviewConclusionView struct {
	ID              int64              `json:"id"`
	VersionNumber   int                `json:"version_number"`
	VersionHash     string             `json:"version_hash" doc:"Content hash of the draft version the conclusion signs off."`
	ReviewerID      int64              `json:"reviewer_id"`
	Findings        ReviewFindingsView `json:"findings"`
	Outcome         string             `json:"outcome" enum:"lawful,lawful_with_changes,unlawful,exploratory_with_risk"`
	Changes         string             `json:"changes,omitempty"`
	RiskStatement   string             `json:"risk_statement,omitempty"`
	ExpediteReason  string             `json:"expedite_reason,omitempty"`
	Resolution      string             `json:"resolution,omitempty"`
	EarliestAt      time.Time          `json:"earliest_at" doc:"When the 7-working-day review period had passed."`
	CalendarVersion string             `json:"calendar_version" doc:"Version of the working-day calendar used."`
	RecordSeq       int64              `json:"record_seq" doc:"The signed process-record entry."`
	CreatedAt       time.Time          `json:"created_at"`
}

func reviewConclusionView(c consultation.ReviewConclusion) ReviewConclusionView {
	return ReviewConclusionView{ID: c.ID, VersionNumber: c.VersionNumber, VersionHash: c.VersionHash, ReviewerID: c.ReviewerID,
		Findings: findingsView(c.Findings), Outcome: string(c.Outcome), Changes: c.Changes, RiskStatement: c.RiskStatement,
		ExpediteReason: c.ExpediteReason, Resolution: c.Resolution, EarliestAt: c.EarliestAt, CalendarVersion: c.CalendarVersion,
		RecordSeq: c.RecordSeq, CreatedAt: c.CreatedAt}
}

// ReviewConfirmationView confirms a version changed after lawful_with_changes.
type ReviewConfirmationView struct {
	ID            int64     `json:"id"`
	VersionNumber int       `json:"version_number"`
	VersionHash   string    `json:"version_hash" doc:"Content hash of the changed version now signed off."`
	ReviewerID    int64     `json:"reviewer_id"`
	Note          string    `json:"note,omitempty"`
	RecordSeq     int64     `json:"record_seq"`
	CreatedAt     time.Time `json:"created_at"`
}

func reviewConfirmationView(c consultation.ReviewConfirmation) ReviewConfirmationView {
	return ReviewConfirmationView{ID: c.ID, VersionNumber: c.VersionNumber, VersionHash: c.VersionHash, ReviewerID: c.ReviewerID,
		Note: c.Note, RecordSeq: c.RecordSeq, CreatedAt: c.CreatedAt}
}

// LegalityReviewView is a review package.
type LegalityReviewView struct {
	ID                   int64                    `json:"id"`
	DecisionID           int64                    `json:"decision_id"`
	DecisionTitle        string                   `json:"decision_title"`
	VersionNumber        int                      `json:"version_number"`
	VersionHash          string                   `json:"version_hash" doc:"Content hash of the draft version under review."`
	ReviewAgency         string                   `json:"review_agency" doc:"Code of the legality-review department."`
	ReviewAgencyName     string                   `json:"review_agency_name"`
	Status               string                   `json:"status" enum:"received,materials_requested,returned,concluded"`
	LegalBasis           []string                 `json:"legal_basis"`
	Materials            string                   `json:"materials,omitempty"`
	ProcedureStatement   string                   `json:"procedure_statement" doc:"The statement of the procedure followed, generated from the process record."`
	SubmittedBy          int64                    `json:"submitted_by"`
	SubmittedAt          time.Time                `json:"submitted_at"`
	ReceivedAt           time.Time                `json:"received_at" doc:"Receipt; the review period runs from here (reset by a resubmission)."`
	EarliestConclusionAt time.Time                `json:"earliest_conclusion_at" doc:"7 working days after receipt (Decree 713 Art. 26)."`
	CalendarVersion      string                   `json:"calendar_version"`
	CalendarNotCovered   bool                     `json:"calendar_not_covered,omitempty" doc:"The period runs into a year whose holiday notice is not loaded: earliest_conclusion_at is provisional and signing answers 409 calendar_not_covered."`
	Reason               string                   `json:"reason,omitempty" doc:"Reason of the last return or request for materials."`
	Advisers             []ReviewAdviserView      `json:"advisers,omitempty"`
	AddedMaterials       []ReviewMaterialView     `json:"added_materials,omitempty"`
	Conclusion           *ReviewConclusionView    `json:"conclusion,omitempty"`
	Confirmations        []ReviewConfirmationView `json:"confirmations,omitempty"`
}

func legalityReviewView(r consultation.LegalityReview) LegalityReviewView {
	v := LegalityReviewView{ID: r.ID, DecisionID: r.DecisionID, DecisionTitle: r.DecisionTitle, VersionNumber: r.VersionNumber,
		VersionHash: r.VersionHash, ReviewAgency: r.ReviewAgencyCode, ReviewAgencyName: r.ReviewAgencyName, Status: string(r.Status),
		LegalBasis: r.LegalBasis, Materials: r.Materials, ProcedureStatement: r.ProcedureStatement, SubmittedBy: r.SubmittedBy,
		SubmittedAt: r.SubmittedAt, ReceivedAt: r.ReceivedAt, EarliestConclusionAt: r.EarliestConclusionAt,
		CalendarVersion: r.CalendarVersion, Reason: r.Reason, CalendarNotCovered: r.CalendarNotCovered}
	if v.LegalBasis == nil {
		v.LegalBasis = []string{}
	}
	for _, a := range r.Advisers {
		v.Advisers = append(v.Advisers, ReviewAdviserView{AccountID: a.AccountID, DisplayName: a.DisplayName, AssignedAt: a.AssignedAt})
	}
	for _, m := range r.Additions {
		v.AddedMaterials = append(v.AddedMaterials, ReviewMaterialView{ID: m.ID, Text: m.Text, Filename: m.Filename,
			ContentType: m.ContentType, Size: m.Size, SHA256: m.SHA256, CreatedAt: m.CreatedAt})
	}
	if r.Conclusion != nil {
		c := reviewConclusionView(*r.Conclusion)
		v.Conclusion = &c
	}
	for _, c := range r.Confirmations {
		v.Confirmations = append(v.Confirmations, reviewConfirmationView(c))
	}
	return v
}

// LegalOpinionView is a legal adviser's signed opinion.
type LegalOpinionView struct {
	ID                 int64              `json:"id"`
	ReviewID           int64              `json:"review_id"`
	VersionNumber      int                `json:"version_number"`
	VersionHash        string             `json:"version_hash" doc:"Content hash of the draft version the opinion is about."`
	AdviserID          int64              `json:"adviser_id"`
	AdviserDisplayName string             `json:"adviser_display_name"`
	Findings           ReviewFindingsView `json:"findings"`
	Overall            string             `json:"overall" enum:"lawful,lawful_with_changes,unlawful"`
	Changes            string             `json:"changes,omitempty"`
	RecordSeq          int64              `json:"record_seq" doc:"The signed process-record entry."`
	CreatedAt          time.Time          `json:"created_at"`
}

func legalOpinionView(o consultation.LegalOpinion) LegalOpinionView {
	return LegalOpinionView{ID: o.ID, ReviewID: o.ReviewID, VersionNumber: o.VersionNumber, VersionHash: o.VersionHash,
		AdviserID: o.AdviserID, AdviserDisplayName: o.AdviserDisplayName, Findings: findingsView(o.Findings),
		Overall: string(o.Overall), Changes: o.Changes, RecordSeq: o.RecordSeq, CreatedAt: o.CreatedAt}
}

// RecordPublicKeyView is the record-signing public key.
type RecordPublicKeyView struct {
	KeyID     string `json:"key_id" doc:"First 16 hex characters of the SHA-256 of the raw public key; signed record entries name it in signer_key."`
	Algorithm string `json:"algorithm" enum:"Ed25519"`
	PEM       string `json:"pem" doc:"The public key as a PEM PUBLIC KEY (PKIX) block."`
	Base64    string `json:"base64" doc:"The raw 32-byte public key, base64."`
}

type submitLegalityReviewInputBody struct {
	VersionHash  string             `json:"version_hash" maxLength:"100" doc:"Content hash of the draft version submitted; must be the latest version."`
	LegalBasis   []string           `json:"legal_basis" maxItems:"100" doc:"Laws, regulations and rules the decision rests on (Art. 26)."`
	Materials    string             `json:"materials,omitempty" doc:"Any further explanation, at most 50,000 characters."`
	Attachments  []AttachmentUpload `json:"attachments,omitempty" maxItems:"10" doc:"Further files (PDF or images), each at most 20 MiB."`
	ReviewAgency string             `json:"review_agency,omitempty" maxLength:"64" doc:"Code of the legality-review department; optional when there is only one."`
}

type reasonInputBody struct {
	Reason string `json:"reason" doc:"Required, at most 5,000 characters."`
}

type resolutionInputBody struct {
	Resolution string `json:"resolution" doc:"How the unlawful opinions were dealt with; required, at most 10,000 characters."`
}

// UnlawfulOpinionResolutionView is the reviewer's written resolution of the
// advisers' unlawful opinions.
type UnlawfulOpinionResolutionView struct {
	ID         int64     `json:"id"`
	ReviewID   int64     `json:"review_id"`
	DecisionID int64     `json:"decision_id"`
	Resolution string    `json:"resolution"`
	RecordSeq  int64     `json:"record_seq"`
	CreatedAt  time.Time `json:"created_at"`
}

type resubmitLegalityReviewInputBody struct {
	Materials   string             `json:"materials,omitempty" doc:"The material asked for; required unless files are attached."`
	Attachments []AttachmentUpload `json:"attachments,omitempty" maxItems:"10"`
}

type assignLegalAdviserInputBody struct {
	AdviserIDs []int64 `json:"adviser_ids" minItems:"1" maxItems:"20" doc:"Accounts with the legal_adviser role."`
}

type listLegalityReviewsInput struct {
	Status     string `query:"status" enum:"received,materials_requested,returned,concluded" doc:"Only packages in this status."`
	AdviserID  int64  `query:"adviser_id" minimum:"0" doc:"Only packages assigned to this legal adviser."`
	DecisionID int64  `query:"decision_id" minimum:"0" doc:"Only packages of this decision."`
	PageQuery
}

type legalityReviewsOutputBody struct {
	Reviews    []LegalityReviewView `json:"reviews"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

// OpinionFields are the members of a legal opinion, signed with the
// password (create-legal-opinion) or stated for a personal key to sign
// (prepare-legal-opinion-statement).
type OpinionFields struct {
	Findings ReviewFindingsView `json:"findings"`
	Overall  string             `json:"overall" enum:"lawful,lawful_with_changes,unlawful"`
	Changes  string             `json:"changes,omitempty" doc:"The changes required; required with lawful_with_changes."`
}

func (f OpinionFields) input() consultation.OpinionInput {
	return consultation.OpinionInput{Findings: findingsIn(f.Findings), Overall: consultation.ReviewOutcome(f.Overall), Changes: f.Changes}
}

type createLegalOpinionInputBody struct {
	OpinionFields
	Password string `json:"password,omitempty" doc:"The adviser's password, re-entered to sign (unless signed with a personal key)."`
	SignerSignatureFields
}

type legalOpinionsOutputBody struct {
	Opinions []LegalOpinionView `json:"opinions"`
}

// ConclusionFields are the members of a review conclusion.
type ConclusionFields struct {
	Findings       ReviewFindingsView `json:"findings"`
	Outcome        string             `json:"outcome" enum:"lawful,lawful_with_changes,unlawful,exploratory_with_risk"`
	Changes        string             `json:"changes,omitempty" doc:"Required changes; required with lawful_with_changes."`
	RiskStatement  string             `json:"risk_statement,omitempty" doc:"The legal risk; required with exploratory_with_risk (Art. 25)."`
	ExpediteReason string             `json:"expedite_reason,omitempty" doc:"Why the conclusion is signed before 7 working days since receipt."`
	Resolution     string             `json:"resolution,omitempty" doc:"How an adviser's unlawful opinion was resolved; required for lawful when there is one."`
}

func (f ConclusionFields) input() consultation.ConclusionInput {
	return consultation.ConclusionInput{Findings: findingsIn(f.Findings), Outcome: consultation.ReviewOutcome(f.Outcome), Changes: f.Changes,
		RiskStatement: f.RiskStatement, ExpediteReason: f.ExpediteReason, Resolution: f.Resolution}
}

type signReviewConclusionInputBody struct {
	ConclusionFields
	Password string `json:"password,omitempty" doc:"The reviewer's password, re-entered to sign (unless signed with a personal key)."`
	SignerSignatureFields
}

// ConfirmationFields are the members of a confirmation of changes.
type ConfirmationFields struct {
	VersionHash string `json:"version_hash" maxLength:"100" doc:"Content hash of the changed version; must be the latest."`
	Note        string `json:"note,omitempty"`
}

func (f ConfirmationFields) input() consultation.ConfirmationInput {
	return consultation.ConfirmationInput{VersionHash: f.VersionHash, Note: f.Note}
}

type confirmReviewChangesInputBody struct {
	ConfirmationFields
	Password string `json:"password,omitempty" doc:"The reviewer's password, re-entered to sign (unless signed with a personal key)."`
	SignerSignatureFields
}

func attachmentInputs(list []AttachmentUpload) []consultation.AttachmentInput {
	out := make([]consultation.AttachmentInput, len(list))
	for i, a := range list {
		out[i] = consultation.AttachmentInput{Filename: a.Filename, ContentType: a.ContentType, Data: a.Data}
	}
	return out
}

// registerReview registers the legality-review operations.
func (s *server) registerReview() {
	tags := []string{"Legality review"}
	answer(s, huma.Operation{OperationID: "submit-legality-review", Method: http.MethodPost, Path: "/decisions/{decision_id}/legality-reviews",
		Summary: "Submit the draft for legality review", Tags: tags, DefaultStatus: http.StatusCreated,
		MaxBodyBytes: maxVersionBodyBytes, BodyReadTimeout: versionBodyReadTimeout,
		Description: "Submits the latest draft version, named by its content hash (409 `version_hash_mismatch` otherwise), with the legal basis and materials, " +
			"and moves the decision to under_review; refused with every failed gate (the gate's code, or `procedure_gate_failed` listing them when several fail) when the earlier stages are incomplete. " +
			"The statement of the procedure followed is generated from the process record. Receipt starts the 7-working-day review period (Decree 713 Art. 26). " +
			"Only staff of the lead unit."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *onDecision[submitLegalityReviewInputBody]) (consultation.LegalityReview, error) {
			return s.svc.Consultation.SubmitLegalityReview(ctx, actor(ctx), in.DecisionID, consultation.SubmissionInput{
				VersionHash: in.Body.VersionHash, LegalBasis: in.Body.LegalBasis, Materials: in.Body.Materials,
				Attachments: attachmentInputs(in.Body.Attachments), ReviewAgency: in.Body.ReviewAgency})
		}, legalityReviewView)
	answerPage(s, huma.Operation{OperationID: "list-legality-reviews", Method: http.MethodGet, Path: "/legality-reviews",
		Summary: "The legality-review queue", Tags: tags,
		Description: "Review packages, newest first: reviewers see their department's queue, legal advisers their assignments, " +
			"lead-unit staff their unit's packages, admins all."},
		signedIn(), func(ctx context.Context, in *listLegalityReviewsInput) ([]consultation.LegalityReview, string, error) {
			return s.svc.Consultation.ListLegalityReviews(ctx, actor(ctx), consultation.ReviewFilter{
				Status: consultation.ReviewStatus(in.Status), AdviserID: in.AdviserID, DecisionID: in.DecisionID, Limit: in.Limit, Cursor: in.Cursor})
		}, legalityReviewView, func(list []LegalityReviewView, next string) legalityReviewsOutputBody {
			return legalityReviewsOutputBody{Reviews: list, NextCursor: next}
		})
	answer(s, huma.Operation{OperationID: "get-legality-review", Method: http.MethodGet, Path: "/legality-reviews/{review_id}",
		Summary: "A review package", Tags: tags,
		Description: "The package with its procedure statement, materials, advisers, conclusion and confirmations. " +
			"Reviewers of its department, assigned legal advisers, lead-unit staff and admins; 404 for anyone else."},
		signedIn(), func(ctx context.Context, in *ReviewPath) (consultation.LegalityReview, error) {
			return s.svc.Consultation.GetLegalityReview(ctx, actor(ctx), in.ReviewID)
		}, legalityReviewView)
	answer(s, huma.Operation{OperationID: "return-legality-review", Method: http.MethodPost, Path: "/legality-reviews/{review_id}/return",
		Summary: "Return a review package (退回)", Tags: tags,
		Description: "Returns the package with a reason (Decree 713 Art. 26) before a conclusion; the decision goes back to handling. " +
			"After a conclusion it answers 409 `review_already_concluded`: an unlawful conclusion is followed by revise-after-unlawful-conclusion. " +
			"Reviewers of the package's department."},
		roles(identity.RoleReviewer), func(ctx context.Context, in *onReview[reasonInputBody]) (consultation.LegalityReview, error) {
			return s.svc.Consultation.ReturnLegalityReview(ctx, actor(ctx), in.ReviewID, in.Body.Reason)
		}, legalityReviewView)
	answer(s, huma.Operation{OperationID: "revise-after-unlawful-conclusion", Method: http.MethodPost, Path: "/legality-reviews/{review_id}/revision",
		Summary: "Revise the draft after an unlawful conclusion", Tags: tags, Errors: []int{404, 409, 422},
		Description: "The lead unit takes the decision back to handling to change the draft after the package was concluded unlawful " +
			"(Decree 713 Art. 25, 28), with its own record entry; a new version then goes to a new package. 409 `conclusion_not_unlawful` " +
			"for any other package. Staff of the lead unit."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *onReview[reasonInputBody]) (consultation.LegalityReview, error) {
			return s.svc.Consultation.ReviseAfterUnlawfulConclusion(ctx, actor(ctx), in.ReviewID, in.Body.Reason)
		}, legalityReviewView)
	answer(s, huma.Operation{OperationID: "resolve-unlawful-opinion", Method: http.MethodPost, Path: "/legality-reviews/{review_id}/unlawful-opinion-resolution",
		Summary: "Resolve an adviser's unlawful opinion in writing", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
		Description: "Records how the reviewer dealt with the legal advisers' unlawful opinions on the package (中办发〔2016〕30号: matters the advisers " +
			"consider unlawful may not go to discussion or decision). Without it, any conclusion other than unlawful and deliberation answer 409 " +
			"`unlawful_opinion_unresolved`. 409 `no_unlawful_opinion` when there is none. Reviewers of the package's department, while the package is open."},
		roles(identity.RoleReviewer), func(ctx context.Context, in *onReview[resolutionInputBody]) (consultation.UnlawfulOpinionResolution, error) {
			return s.svc.Consultation.ResolveUnlawfulOpinion(ctx, actor(ctx), in.ReviewID, in.Body.Resolution)
		}, func(r consultation.UnlawfulOpinionResolution) UnlawfulOpinionResolutionView {
			return UnlawfulOpinionResolutionView{ID: r.ID, ReviewID: r.ReviewID, DecisionID: r.DecisionID,
				Resolution: r.Resolution, RecordSeq: r.RecordSeq, CreatedAt: r.CreatedAt.UTC()}
		})
	answer(s, huma.Operation{OperationID: "request-review-materials", Method: http.MethodPost, Path: "/legality-reviews/{review_id}/materials-requests",
		Summary: "Ask for more material (要求补充)", Tags: tags,
		Description: "Asks the lead unit for more material with a reason (Decree 713 Art. 26); the package waits for resubmit-legality-review. " +
			"Reviewers of the package's department."},
		roles(identity.RoleReviewer), func(ctx context.Context, in *onReview[reasonInputBody]) (consultation.LegalityReview, error) {
			return s.svc.Consultation.RequestReviewMaterials(ctx, actor(ctx), in.ReviewID, in.Body.Reason)
		}, legalityReviewView)
	answer(s, huma.Operation{OperationID: "resubmit-legality-review", Method: http.MethodPost, Path: "/legality-reviews/{review_id}/resubmissions",
		Summary: "Add the material asked for", Tags: tags, MaxBodyBytes: maxVersionBodyBytes, BodyReadTimeout: versionBodyReadTimeout,
		Description: "Adds material after request-review-materials and puts the package back in the queue; the review period runs again from now. " +
			"Only staff of the lead unit."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *onReview[resubmitLegalityReviewInputBody]) (consultation.LegalityReview, error) {
			return s.svc.Consultation.ResubmitLegalityReview(ctx, actor(ctx), in.ReviewID, consultation.ResubmissionInput{
				Materials: in.Body.Materials, Attachments: attachmentInputs(in.Body.Attachments)})
		}, legalityReviewView)
	answer(s, huma.Operation{OperationID: "assign-legal-adviser", Method: http.MethodPost, Path: "/legality-reviews/{review_id}/advisers",
		Summary: "Assign legal advisers", Tags: tags,
		Description: "Assigns legal_adviser accounts to the package (Decree 713 Art. 28); only they see it and may give an opinion. Reviewers of the package's department."},
		roles(identity.RoleReviewer), func(ctx context.Context, in *onReview[assignLegalAdviserInputBody]) (consultation.LegalityReview, error) {
			return s.svc.Consultation.AssignLegalAdviser(ctx, actor(ctx), in.ReviewID, in.Body.AdviserIDs)
		}, legalityReviewView)
	answer(s, huma.Operation{OperationID: "create-legal-opinion", Method: http.MethodPost, Path: "/legality-reviews/{review_id}/opinions",
		Summary: "Sign a legal opinion", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "An assigned legal adviser's opinion on the three questions of Decree 713 Art. 27 and an overall view, signed after re-entering the password " +
			"(403 `reauthentication_failed`); the signed record entry binds the draft version's content hash. Unassigned advisers get 403 `adviser_not_assigned`."},
		roles(identity.RoleLegalAdviser), func(ctx context.Context, in *onReview[createLegalOpinionInputBody]) (consultation.LegalOpinion, error) {
			o := in.Body.input()
			o.Password, o.Signature = in.Body.Password, in.Body.signature()
			return s.svc.Consultation.CreateLegalOpinion(ctx, actor(ctx), in.ReviewID, o)
		}, legalOpinionView)
	answer(s, huma.Operation{OperationID: "list-legal-opinions", Method: http.MethodGet, Path: "/legality-reviews/{review_id}/opinions",
		Summary: "The legal opinions of a package", Tags: tags,
		Description: "Signed legal opinions in order. Whoever may see the package."},
		signedIn(), func(ctx context.Context, in *ReviewPath) ([]consultation.LegalOpinion, error) {
			return s.svc.Consultation.ListLegalOpinions(ctx, actor(ctx), in.ReviewID)
		}, func(list []consultation.LegalOpinion) legalOpinionsOutputBody {
			return legalOpinionsOutputBody{Opinions: views(list, legalOpinionView)}
		})
	answer(s, huma.Operation{OperationID: "sign-review-conclusion", Method: http.MethodPost, Path: "/legality-reviews/{review_id}/conclusion",
		Summary: "Sign the review conclusion", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "The department's conclusion on the three questions of Decree 713 Art. 27 and its outcome, signed after re-entering the password. " +
			"Refused before 7 working days since receipt (409 `review_period_not_elapsed`, Art. 26) unless an expedite reason is given, " +
			"without a signed legal opinion on the version (409 `legal_opinion_required`, Art. 28), and for lawful over an adviser's unlawful opinion " +
			"without a resolution (409 `unlawful_opinion_unresolved`). Reviewers of the package's department."},
		roles(identity.RoleReviewer), func(ctx context.Context, in *onReview[signReviewConclusionInputBody]) (consultation.ReviewConclusion, error) {
			c := in.Body.input()
			c.Password, c.Signature = in.Body.Password, in.Body.signature()
			return s.svc.Consultation.SignReviewConclusion(ctx, actor(ctx), in.ReviewID, c)
		}, reviewConclusionView)
	answer(s, huma.Operation{OperationID: "confirm-review-changes", Method: http.MethodPost, Path: "/legality-reviews/{review_id}/confirmations",
		Summary: "Confirm the changed version", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "After a lawful_with_changes conclusion, confirms that the latest draft version (named by its content hash) makes the changes; " +
			"the signed entry binds the new hash, which then counts as reviewed. Reviewers of the package's department, re-entering the password."},
		roles(identity.RoleReviewer), func(ctx context.Context, in *onReview[confirmReviewChangesInputBody]) (consultation.ReviewConfirmation, error) {
			c := in.Body.input()
			c.Password, c.Signature = in.Body.Password, in.Body.signature()
			return s.svc.Consultation.ConfirmReviewChanges(ctx, actor(ctx), in.ReviewID, c)
		}, reviewConfirmationView)
	answer(s, huma.Operation{OperationID: "get-record-public-key", Method: http.MethodGet, Path: "/record/public-key",
		Summary: "The record-signing public key", Tags: []string{"Process record"},
		Description: "The platform's Ed25519 public key: signed process-record entries carry its id (signer_key) and a signature over their entry_hash. " +
			"Compare it with the key in an exported archive (public-key.pem)."},
		public(), func(ctx context.Context, _ *struct{}) (consultation.RecordPublicKey, error) {
			return s.svc.Consultation.GetRecordPublicKey(ctx)
		}, func(k consultation.RecordPublicKey) RecordPublicKeyView {
			return RecordPublicKeyView{KeyID: k.KeyID, Algorithm: k.Algorithm, PEM: k.PEM, Base64: k.Base64}
		})
}
