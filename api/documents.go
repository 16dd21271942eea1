package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// maxDocumentBodyBytes bounds an add-procedure-document request: the files
// travel base64-encoded (4/3 of their size) in the JSON body.
const maxDocumentBodyBytes = 64 << 20

// documentBodyReadTimeout allows a large upload over a slow government
// network (huma's default is 5 seconds).
const documentBodyReadTimeout = 5 * time.Minute

// documentContentDoc documents the content of each kind; the service
// validates it and names each invalid field (body.content.<field>).
const documentContentDoc = "The kind-specific content, a JSON object. Dates are `YYYY-MM-DD` and not in the future; every text field is required unless marked optional.\n\n" +
	"- `expert_argumentation` 专家论证 (Decree 713 Art. 19–21): `topic`, `date`, `experts` (at least one) " +
	"[{`name`, `affiliation`, `field`, `conflict_of_interest_declared` (must be true: each expert declared whether they have a direct interest, Art. 20), " +
	"`conflict_of_interest_note` (optional)}], `opinion_summary`, `dissenting_views` (optional) [{`expert` (one of the experts' names), `view`}]. " +
	"The signed opinion must be uploaded in `attachments`.\n" +
	"- `risk_assessment` 风险评估 (Art. 22–24): `date`, `assessor`, `method` (e.g. 问卷调查、座谈、走访), `risk_points` (at least one) " +
	"[{`description`, `likelihood`, `impact`: `high`|`medium`|`low`}], `measures`, `contingency_plan`, `conclusion`: `controllable`|`not_controllable`.\n" +
	"- `stakeholder_consultation` 听取利益相关方意见 (Art. 14): `groups` (at least one name), `method` (e.g. 座谈会、书面征求意见、实地走访), `date`, " +
	"`participant_count` (≥1), `views_summary`, `response`.\n" +
	"- `hearing_record` 听证 (Art. 16–18): `date`, `place`, `presiding_officer`, `participant_selection`, `participants` (at least one) " +
	"[{`name`, `capacity`}], `main_views`, `record_summary`.\n" +
	"- `fair_competition_review` 公平竞争审查: `reviewer_unit`, `date`, `conclusion`: `compliant`|`compliant_after_revision`|`exception_applies`|`not_compliant`, `reasoning`."

// ProcedureDocumentView is a procedure document as the API shows it.
type ProcedureDocumentView struct {
	ID            int64            `json:"id"`
	DecisionID    int64            `json:"decision_id"`
	Kind          string           `json:"kind" enum:"expert_argumentation,risk_assessment,stakeholder_consultation,hearing_record,fair_competition_review"`
	KindName      string           `json:"kind_name" doc:"Chinese name of the kind."`
	VersionNumber int              `json:"version_number" doc:"The draft version that was current when the document was added."`
	VersionHash   string           `json:"version_hash" doc:"Content hash of that draft version."`
	Content       json.RawMessage  `json:"content" doc:"The validated content as canonical JSON (see add-procedure-document for the fields of each kind)."`
	ContentHash   string           `json:"content_hash" doc:"Hex SHA-256 of the canonical content, as in the process record."`
	CreatedBy     int64            `json:"created_by" doc:"Account that added it."`
	CreatedAt     time.Time        `json:"created_at"`
	Attachments   []AttachmentView `json:"attachments"`
}

func procedureDocumentView(d consultation.ProcedureDocument) ProcedureDocumentView {
	return ProcedureDocumentView{ID: d.ID, DecisionID: d.DecisionID, Kind: string(d.Kind), KindName: consultation.DocumentKindNames[d.Kind],
		VersionNumber: d.VersionNumber, VersionHash: d.VersionHash, Content: d.Content, ContentHash: d.ContentHash,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, Attachments: views(d.Attachments, attachmentView)}
}

type addProcedureDocumentInputBody struct {
	// Not an enum here: an unknown kind gets the service's
	// invalid_document_kind with a Chinese message.
	Kind string `json:"kind" maxLength:"64" doc:"One of expert_argumentation, risk_assessment, stakeholder_consultation, hearing_record, fair_competition_review."`
	// Optional for huma so that a missing content gets the service's
	// Chinese field error like any other missing field.
	Content     json.RawMessage    `json:"content,omitempty" doc:"The kind-specific content, required (see the operation's description)."`
	Attachments []AttachmentUpload `json:"attachments,omitempty" doc:"At most 10 files (PDF, PNG, JPEG, GIF, WebP), each at most 20 MiB; the signed opinion of an expert argumentation is required."`
}

type listProcedureDocumentsInput struct {
	DecisionPath
	Kind string `query:"kind" enum:"expert_argumentation,risk_assessment,stakeholder_consultation,hearing_record,fair_competition_review," doc:"Only documents of this kind."`
	PageQuery
}

type procedureDocumentsOutputBody struct {
	Documents  []ProcedureDocumentView `json:"documents"`
	NextCursor string                  `json:"next_cursor,omitempty"`
}

func (s *server) registerDocuments() {
	tags := []string{"Procedure documents"}
	answer(s, huma.Operation{OperationID: "add-procedure-document", Method: http.MethodPost, Path: "/decisions/{decision_id}/procedure-documents",
		Summary: "Add a procedure document", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 413, 422},
		MaxBodyBytes: maxDocumentBodyBytes, BodyReadTimeout: documentBodyReadTimeout,
		Description: "Adds an expert argumentation, risk assessment, stakeholder consultation, hearing record or fair-competition review, " +
			"tied to the decision's current draft version and appended to the process record with the SHA-256 of its content and files. " +
			"Documents are immutable; a new assessment is a new document. Only staff of the lead unit, before the collective deliberation.\n\n" +
			documentContentDoc},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *onDecision[addProcedureDocumentInputBody]) (consultation.ProcedureDocument, error) {
			atts := make([]consultation.AttachmentInput, len(in.Body.Attachments))
			for i, a := range in.Body.Attachments {
				atts[i] = consultation.AttachmentInput{Filename: a.Filename, ContentType: a.ContentType, Data: a.Data}
			}
			return s.svc.Consultation.AddProcedureDocument(ctx, actor(ctx), in.DecisionID, consultation.ProcedureDocumentInput{
				Kind: consultation.DocumentKind(in.Body.Kind), Content: in.Body.Content, Attachments: atts})
		}, func(d consultation.ProcedureDocument) ProcedureDocumentView { return procedureDocumentView(d) })
	answerPage(s, huma.Operation{OperationID: "list-procedure-documents", Method: http.MethodGet, Path: "/decisions/{decision_id}/procedure-documents",
		Summary: "List procedure documents", Tags: tags, Errors: []int{403, 404, 422},
		Description: "The decision's procedure documents, oldest first, with their files' hashes. They are internal working material: " +
			"only staff of the agencies concerned, the legality-review department, legal advisers and admins may list them."},
		signedIn(), func(ctx context.Context, in *listProcedureDocumentsInput) ([]consultation.ProcedureDocument, string, error) {
			return s.svc.Consultation.ListProcedureDocuments(ctx, actor(ctx), in.DecisionID, consultation.DocumentFilter{
				Kind: consultation.DocumentKind(in.Kind), Limit: in.Limit, Cursor: in.Cursor})
		}, procedureDocumentView, func(list []ProcedureDocumentView, next string) procedureDocumentsOutputBody {
			return procedureDocumentsOutputBody{Documents: list, NextCursor: next}
		})
}
