package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// The catalogue of decision items (Decree 713 Art. 3(3); Henan Decree 210
// Art. 4), initiation (Art. 10–11) and proposals from the public.

// CatalogueItemView is one entry of a catalogue.
type CatalogueItemView struct {
	ID             int64  `json:"id"`
	Title          string `json:"title"`
	LeadAgency     string `json:"lead_agency" doc:"Code of the lead unit (承办单位)."`
	LeadAgencyName string `json:"lead_agency_name"`
	Domain         string `json:"domain"`
	Category       string `json:"category"`
	PlannedQuarter int    `json:"planned_quarter" doc:"1 to 4."`
	HearingPlanned bool   `json:"hearing_planned"`
	SurveyPlanned  bool   `json:"survey_planned"`
	Removed        bool   `json:"removed,omitempty" doc:"Removed by a published adjustment."`
	DecisionID     *int64 `json:"decision_id,omitempty" doc:"The decision item carrying it out."`
	DecisionStatus string `json:"decision_status,omitempty" doc:"The stage of that decision."`
	Completed      bool   `json:"completed" doc:"The decision was taken (published or later)."`
	Initiated      bool   `json:"initiated" doc:"The decision body decided to start it (Art. 10–11)."`
	ProposerKind   string `json:"proposer_kind,omitempty"`
	ProposerName   string `json:"proposer_name,omitempty"`
}

// CatalogueItemInputView is an item to add, or an item's fields after a change.
type CatalogueItemInputView struct {
	Title          string `json:"title" maxLength:"200"`
	LeadAgency     string `json:"lead_agency" maxLength:"64" doc:"Code of the lead unit."`
	Domain         string `json:"domain" maxLength:"50"`
	Category       string `json:"category" maxLength:"50"`
	PlannedQuarter int    `json:"planned_quarter" minimum:"0" maximum:"9"`
	HearingPlanned bool   `json:"hearing_planned,omitempty"`
	SurveyPlanned  bool   `json:"survey_planned,omitempty"`
}

func (v CatalogueItemInputView) domain() catalogue.ItemInput {
	return catalogue.ItemInput{Title: v.Title, LeadAgency: v.LeadAgency, Domain: consultation.Domain(v.Domain),
		Category: consultation.Category(v.Category), PlannedQuarter: v.PlannedQuarter, HearingPlanned: v.HearingPlanned, SurveyPlanned: v.SurveyPlanned}
}

// CatalogueAdjustmentView is an adjustment of a published catalogue.
type CatalogueAdjustmentView struct {
	ID             int64                  `json:"id"`
	Kind           string                 `json:"kind" enum:"add,change,remove"`
	ItemID         *int64                 `json:"item_id,omitempty"`
	Proposed       CatalogueItemInputView `json:"proposed"`
	Reason         string                 `json:"reason"`
	Status         string                 `json:"status" enum:"requested,agreed,published"`
	PartyDocNumber string                 `json:"party_doc_number,omitempty"`
	PartyDocDate   string                 `json:"party_doc_date,omitempty" format:"date"`
	RequestedAt    time.Time              `json:"requested_at"`
}

// CatalogueEventView is one entry of a catalogue's history.
type CatalogueEventView struct {
	Kind      string          `json:"kind"`
	ItemID    *int64          `json:"item_id,omitempty"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"created_at"`
}

// CatalogueView is a decision body's catalogue of one year.
type CatalogueView struct {
	ID               int64                     `json:"id"`
	DecisionBody     string                    `json:"decision_body"`
	DecisionBodyName string                    `json:"decision_body_name"`
	Year             int                       `json:"year"`
	Status           string                    `json:"status" enum:"draft,agreed,published"`
	PartyDocNumber   string                    `json:"party_doc_number,omitempty" doc:"The Party committee's agreement (文号)."`
	PartyDocDate     string                    `json:"party_doc_date,omitempty" format:"date"`
	PublishedAt      *time.Time                `json:"published_at,omitempty"`
	Items            []CatalogueItemView       `json:"items,omitempty"`
	Adjustments      []CatalogueAdjustmentView `json:"adjustments,omitempty"`
	History          []CatalogueEventView      `json:"history,omitempty"`
}

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func catalogueItemView(it catalogue.Item) CatalogueItemView {
	v := CatalogueItemView{ID: it.ID, Title: it.Title, LeadAgency: it.LeadAgencyCode, LeadAgencyName: it.LeadAgencyName, Domain: string(it.Domain),
		Category: string(it.Category), PlannedQuarter: it.PlannedQuarter, HearingPlanned: it.HearingPlanned, SurveyPlanned: it.SurveyPlanned,
		Removed: it.Removed, DecisionID: it.DecisionID, DecisionStatus: string(it.DecisionStatus), Completed: it.Completed(), Initiated: it.Initiation != nil}
	if it.Initiation != nil {
		v.ProposerKind, v.ProposerName = string(it.Initiation.ProposerKind), it.Initiation.ProposerName
	}
	return v
}

func catalogueView(c catalogue.Catalogue) CatalogueView {
	v := CatalogueView{ID: c.ID, DecisionBody: c.DecisionBodyCode, DecisionBodyName: c.DecisionBodyName, Year: c.Year, Status: string(c.Status),
		PartyDocNumber: c.PartyDocNumber, PartyDocDate: dateString(c.PartyDocDate), PublishedAt: c.PublishedAt}
	for _, it := range c.Items {
		v.Items = append(v.Items, catalogueItemView(it))
	}
	for _, a := range c.Adjustments {
		v.Adjustments = append(v.Adjustments, CatalogueAdjustmentView{ID: a.ID, Kind: string(a.Kind), ItemID: a.ItemID, Reason: a.Reason,
			Status: string(a.Status), PartyDocNumber: a.PartyDocNumber, PartyDocDate: dateString(a.PartyDocDate), RequestedAt: a.RequestedAt,
			Proposed: CatalogueItemInputView{Title: a.Proposed.Title, LeadAgency: a.Proposed.LeadAgency, Domain: string(a.Proposed.Domain),
				Category: string(a.Proposed.Category), PlannedQuarter: a.Proposed.PlannedQuarter, HearingPlanned: a.Proposed.HearingPlanned,
				SurveyPlanned: a.Proposed.SurveyPlanned}})
	}
	for _, e := range c.History {
		v.History = append(v.History, CatalogueEventView{Kind: e.Kind, ItemID: e.ItemID, Payload: e.Payload, CreatedAt: e.CreatedAt})
	}
	return v
}

// DecisionProposalView is a proposed decision item and its public answer.
type DecisionProposalView struct {
	ID                   int64      `json:"id"`
	DecisionBody         string     `json:"decision_body"`
	DecisionBodyName     string     `json:"decision_body_name"`
	ProposerKind         string     `json:"proposer_kind" enum:"government_leader,department,npc_deputy,cppcc_member,resident,organisation"`
	ProposerName         string     `json:"proposer_name" doc:"The name given, or a resident's pseudonym. Never a phone number."`
	OrganisationVerified *bool      `json:"organisation_verified,omitempty" doc:"For proposer_kind organisation: true when the account that manages the organisation, verified by an admin, filed it under the organisation's registered name; false when the name is as the proposer typed it (shown as 未经核实)."`
	Title                string     `json:"title"`
	Description          string     `json:"description"`
	Status               string     `json:"status" enum:"pending,accepted,not_accepted"`
	Answer               string     `json:"answer,omitempty"`
	AnsweredAt           *time.Time `json:"answered_at,omitempty"`
	CreatedAt            time.Time  `json:"created_at"`
}

func proposalView(p catalogue.Proposal) DecisionProposalView {
	v := DecisionProposalView{ID: p.ID, DecisionBody: p.DecisionBodyCode, DecisionBodyName: p.DecisionBodyName, ProposerKind: string(p.ProposerKind),
		ProposerName: p.ProposerName, Title: p.Title, Description: p.Description, Status: string(p.Status), Answer: p.Answer,
		AnsweredAt: p.AnsweredAt, CreatedAt: p.CreatedAt}
	if p.ProposerKind == catalogue.ProposerOrganisation {
		verified := !p.OrganisationUnverified()
		v.OrganisationVerified = &verified
	}
	return v
}

// CataloguePath names one decision catalogue in the path.
type CataloguePath struct {
	CatalogueID int64 `path:"catalogue_id" minimum:"1"`
}

type listCataloguesInput struct {
	DecisionBody string `query:"decision_body" maxLength:"64"`
}

type cataloguesOutputBody struct {
	Catalogues []CatalogueView `json:"catalogues"`
}

type createCatalogueInputBody struct {
	DecisionBody string `json:"decision_body" maxLength:"64" doc:"Code of the decision body (a government or a department, Art. 42)."`
	Year         int    `json:"year" minimum:"0" maximum:"9999"`
}

type addCatalogueItemInput struct {
	CataloguePath
	Body CatalogueItemInputView
}

type requestAdjustmentInput struct {
	CataloguePath
	Body struct {
		Kind   string                  `json:"kind" enum:"add,change,remove"`
		ItemID int64                   `json:"item_id,omitempty" doc:"The item to change or remove."`
		Item   *CatalogueItemInputView `json:"item,omitempty" doc:"The new item (add) or its fields after the change."`
		Reason string                  `json:"reason" maxLength:"20000"`
	}
}

type approvalInput struct {
	CataloguePath
	Body struct {
		AdjustmentID   int64  `json:"adjustment_id,omitempty" doc:"The adjustment agreed; absent: the draft catalogue."`
		DocumentNumber string `json:"document_number" maxLength:"400" doc:"The Party committee's document number (文号)."`
		Date           string `json:"date" format:"date"`
	}
}

type initiateInput struct {
	ItemID int64 `path:"item_id" minimum:"1"`
	Body   struct {
		ProposerKind   string `json:"proposer_kind" enum:"government_leader,department,npc_deputy,cppcc_member,resident,organisation"`
		ProposerName   string `json:"proposer_name" maxLength:"800"`
		ProposalID     int64  `json:"proposal_id,omitempty"`
		StartReference string `json:"start_reference" maxLength:"2000" doc:"The body's decision to start: meeting minutes or the head's instruction."`
		StartDate      string `json:"start_date" format:"date"`
		LeadAgency     string `json:"lead_agency,omitempty" maxLength:"64"`
	}
}

// InitiationView is the body's decision to start a catalogue item.
type InitiationView struct {
	ItemID         int64  `json:"item_id"`
	ProposerKind   string `json:"proposer_kind"`
	ProposerName   string `json:"proposer_name"`
	StartReference string `json:"start_reference"`
	StartDate      string `json:"start_date" format:"date"`
	LeadAgency     string `json:"lead_agency"`
}

type linkDecisionInputBody struct {
	CatalogueItemID int64 `json:"catalogue_item_id" minimum:"1"`
}

type proposeInputBody struct {
	DecisionBody string `json:"decision_body" maxLength:"64"`
	ProposerKind string `json:"proposer_kind" enum:"government_leader,department,npc_deputy,cppcc_member,resident,organisation"`
	ProposerName string `json:"proposer_name,omitempty" maxLength:"800" doc:"Required except for a resident, who is shown under their pseudonym."`
	Title        string `json:"title" maxLength:"800"`
	Description  string `json:"description" maxLength:"20000"`
}

type listProposalsInput struct {
	DecisionBody string `query:"decision_body" maxLength:"64"`
	Limit        int    `query:"limit" minimum:"0" maximum:"200"`
}

type proposalsOutputBody struct {
	Proposals []DecisionProposalView `json:"proposals"`
}

type answerProposalInput struct {
	ProposalID int64 `path:"proposal_id" minimum:"1"`
	Body       struct {
		Accepted    bool                    `json:"accepted"`
		Answer      string                  `json:"answer" maxLength:"20000" doc:"The public answer with its reason."`
		CatalogueID int64                   `json:"catalogue_id,omitempty" doc:"Accepted: the catalogue the item goes into."`
		Item        *CatalogueItemInputView `json:"item,omitempty" doc:"Accepted: the catalogue item."`
	}
}

func (s *server) registerCatalogue() {
	tags := []string{"Catalogue and initiation"}
	staff := roles(identity.RoleAgencyStaff, identity.RoleAdmin)
	answer(s, huma.Operation{OperationID: "list-catalogues", Method: http.MethodGet, Path: "/catalogues",
		Summary: "Catalogues of decision items (决策事项目录)", Tags: tags,
		Description: "Published catalogues for everyone; drafts of the caller's own decision body. Newest year first."},
		public(), func(ctx context.Context, in *listCataloguesInput) ([]catalogue.Catalogue, error) {
			return s.svc.Catalogue.ListCatalogues(ctx, actor(ctx), in.DecisionBody)
		}, func(list []catalogue.Catalogue) cataloguesOutputBody {
			return cataloguesOutputBody{Catalogues: views(list, catalogueView)}
		})
	answer(s, huma.Operation{OperationID: "create-catalogue", Method: http.MethodPost, Path: "/catalogues", DefaultStatus: http.StatusCreated,
		Summary: "Start a decision body's catalogue for a year", Tags: tags, Errors: []int{409, 422},
		Description: "A draft; 409 `catalogue_exists` for a second one of the same year. Staff of the decision body."},
		staff, func(ctx context.Context, in *withBody[createCatalogueInputBody]) (catalogue.Catalogue, error) {
			return s.svc.Catalogue.CreateCatalogue(ctx, actor(ctx), in.Body.DecisionBody, in.Body.Year)
		}, catalogueView)
	answer(s, huma.Operation{OperationID: "get-catalogue", Method: http.MethodGet, Path: "/catalogues/{catalogue_id}",
		Summary: "A catalogue with its items, adjustments and history", Tags: tags, Errors: []int{404},
		Description: "Each item with the stage of its decision and whether it was completed. Published catalogues are public."},
		public(), func(ctx context.Context, in *CataloguePath) (catalogue.Catalogue, error) {
			return s.svc.Catalogue.GetCatalogue(ctx, actor(ctx), in.CatalogueID)
		}, catalogueView)
	answer(s, huma.Operation{OperationID: "verify-catalogue-record", Method: http.MethodPost, Path: "/catalogues/{catalogue_id}/record/verify",
		Summary: "Verify the decision body's catalogue record", Tags: tags, Errors: []int{404},
		Description: "The process record of the catalogue's decision body outside any decision (chain catalogue:<body id>): its catalogues of " +
			"every year, items, adjustments, initiations, history and the proposals of decision items with their answers. Recomputes the " +
			"hash chain, re-reads every row an entry binds, names a row no entry records and checks the chain against the signed tree heads. " +
			"Whoever may see the catalogue may verify it. A broken record is a 200 answer with ok false."},
		public(), func(ctx context.Context, in *CataloguePath) (consultation.VerifyResult, error) {
			return s.svc.Catalogue.VerifyCatalogueRecord(ctx, actor(ctx), in.CatalogueID)
		}, recordVerificationView)
	register(s, huma.Operation{OperationID: "export-catalogue-archive", Method: http.MethodGet, Path: "/catalogues/{catalogue_id}/record/archive",
		Summary: "Export the decision body's catalogue record as an archive package", Tags: tags,
		Description: "One ZIP with the catalogue record of the catalogue's decision body (chain catalogue:<body id>; record.json), the rows " +
			"its entries bind, the signing keys, the signed tree head's inclusion proofs and a manifest of SHA-256 hashes, verifiable offline " +
			"(`canyu record verify --archive`; README.txt inside explains how). The proposals' rows name their proposers: only staff of the " +
			"decision body, the rule-of-law office and admins may export (403 `archive_forbidden`).",
		Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Responses: map[string]*huma.Response{"200": {Description: "The archive package.",
			Content: map[string]*huma.MediaType{"application/zip": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}},
		signedIn(), func(ctx context.Context, in *CataloguePath) (*streamedFile, error) {
			c, err := s.svc.Catalogue.GetCatalogue(ctx, actor(ctx), in.CatalogueID)
			if err != nil {
				return nil, toProblem(ctx, err) // a streamed answer's errors are not converted for it
			}
			return streamFile(ctx, "canyu-archive-*.zip", "application/zip",
				`attachment; filename="`+catalogue.ArchiveFilename(c.DecisionBodyID)+`"`, func(w io.Writer) error {
					return s.svc.Catalogue.ExportCatalogueArchive(ctx, actor(ctx), in.CatalogueID, w)
				})
		})
	answer(s, huma.Operation{OperationID: "add-catalogue-item", Method: http.MethodPost, Path: "/catalogues/{catalogue_id}/items", DefaultStatus: http.StatusCreated,
		Summary: "Add an item to a draft catalogue", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Title, lead unit, domain, statutory category, planned quarter, whether a hearing and a survey are planned. After the Party " +
			"committee agreed, 409 `catalogue_not_draft`: use request-catalogue-adjustment. Staff of the decision body."},
		staff, func(ctx context.Context, in *addCatalogueItemInput) (catalogue.Item, error) {
			return s.svc.Catalogue.AddCatalogueItem(ctx, actor(ctx), in.CatalogueID, in.Body.domain())
		}, catalogueItemView)
	answer(s, huma.Operation{OperationID: "request-catalogue-adjustment", Method: http.MethodPost, Path: "/catalogues/{catalogue_id}/adjustments",
		DefaultStatus: http.StatusCreated, Summary: "Request an adjustment of a published catalogue", Tags: tags, Errors: []int{404, 409, 422},
		Description: "add, change or remove, with a reason; it takes effect after the Party committee agrees (record-catalogue-approval) and it is " +
			"published (publish-catalogue). Staff of the decision body."},
		staff, func(ctx context.Context, in *requestAdjustmentInput) (catalogue.Adjustment, error) {
			var item catalogue.ItemInput
			if in.Body.Item != nil {
				item = in.Body.Item.domain()
			}
			return s.svc.Catalogue.RequestCatalogueAdjustment(ctx, actor(ctx), in.CatalogueID, catalogue.AdjustmentInput{
				Kind: catalogue.AdjustmentKind(in.Body.Kind), ItemID: in.Body.ItemID, Item: item, Reason: in.Body.Reason})
		}, func(a catalogue.Adjustment) CatalogueAdjustmentView {
			return catalogueView(catalogue.Catalogue{Adjustments: []catalogue.Adjustment{a}}).Adjustments[0]
		})
	answer(s, huma.Operation{OperationID: "record-catalogue-approval", Method: http.MethodPost, Path: "/catalogues/{catalogue_id}/approvals",
		Summary: "Record the Party committee's agreement", Tags: tags, Errors: []int{404, 409, 422},
		Description: "The same-level Party committee's agreement (document number and date) to the draft catalogue or to an adjustment " +
			"(Henan Decree 210 Art. 4). Staff of the decision body."},
		staff, func(ctx context.Context, in *approvalInput) (catalogue.Catalogue, error) {
			date, err := parseDateField("date", in.Body.Date)
			if err != nil {
				return catalogue.Catalogue{}, err
			}
			return s.svc.Catalogue.RecordCatalogueApproval(ctx, actor(ctx), in.CatalogueID, catalogue.ApprovalInput{
				AdjustmentID: in.Body.AdjustmentID, DocumentNumber: in.Body.DocumentNumber, Date: date})
		}, catalogueView)
	answer(s, huma.Operation{OperationID: "publish-catalogue", Method: http.MethodPost, Path: "/catalogues/{catalogue_id}/publication",
		Summary: "Publish a catalogue or its agreed adjustments", Tags: tags, Errors: []int{404, 409},
		Description: "409 `party_agreement_required` without the Party committee's agreement. Staff of the decision body."},
		staff, func(ctx context.Context, in *CataloguePath) (catalogue.Catalogue, error) {
			return s.svc.Catalogue.PublishCatalogue(ctx, actor(ctx), in.CatalogueID)
		}, catalogueView)
	answer(s, huma.Operation{OperationID: "initiate-decision-item", Method: http.MethodPost, Path: "/catalogue-items/{item_id}/initiation",
		DefaultStatus: http.StatusCreated, Summary: "Record the decision to start a catalogue item (决策启动)", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Who proposed it and the decision body's decision to start it, naming the lead unit (Decree 713 Art. 10–11). Staff of the decision body."},
		staff, func(ctx context.Context, in *initiateInput) (catalogue.Initiation, error) {
			date, err := parseDateField("start_date", in.Body.StartDate)
			if err != nil {
				return catalogue.Initiation{}, err
			}
			return s.svc.Catalogue.InitiateDecisionItem(ctx, actor(ctx), in.ItemID, catalogue.InitiationInput{
				ProposerKind: catalogue.ProposerKind(in.Body.ProposerKind), ProposerName: in.Body.ProposerName, ProposalID: in.Body.ProposalID,
				StartReference: in.Body.StartReference, StartDate: date, LeadAgency: in.Body.LeadAgency})
		}, func(i catalogue.Initiation) InitiationView {
			return InitiationView{ItemID: i.ItemID, ProposerKind: string(i.ProposerKind), ProposerName: i.ProposerName,
				StartReference: i.StartReference, StartDate: i.StartDate.Format(time.DateOnly), LeadAgency: i.LeadAgencyCode}
		})
	answer(s, huma.Operation{OperationID: "link-decision-catalogue-item", Method: http.MethodPut, Path: "/decisions/{decision_id}/catalogue-item",
		Summary: "Link a decision item to its catalogue entry", Tags: tags, Errors: []int{404, 409},
		Description: "The entry must be initiated, in a published catalogue of the decision's body, with its lead unit; the initiation and the link " +
			"go into the decision's process record. Staff of the lead unit."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *onDecision[linkDecisionInputBody]) (catalogue.Item, error) {
			return s.svc.Catalogue.LinkDecision(ctx, actor(ctx), in.DecisionID, in.Body.CatalogueItemID)
		}, catalogueItemView)
	answer(s, huma.Operation{OperationID: "propose-decision-item", Method: http.MethodPost, Path: "/decision-proposals", DefaultStatus: http.StatusCreated,
		Summary: "Propose a decision item", Tags: tags, Errors: []int{403, 422, 429},
		Description: "Residents propose as a resident (under their pseudonym) or an organisation; the decision body's staff (or an admin) record " +
			"proposals of leaders, departments, 人大代表 and 政协委员 made to it (403 `not_decision_body_staff` for anyone else) (Decree 713 Art. 10–11). Every proposal is answered publicly. A verified account; a resident files " +
			"three in ten minutes and ten a day (429 `proposal_rate_limited`). The name of an organisation verified on the platform " +
			"(create-organisation, verify-organisation) may be used only by the account that manages it (422 `organisation_name_not_yours`); " +
			"any other organisation name is kept as typed and marked `organisation_verified: false` (未经核实)."},
		signedIn(), func(ctx context.Context, in *withBody[proposeInputBody]) (catalogue.Proposal, error) {
			return s.svc.Catalogue.ProposeDecisionItem(ctx, actor(ctx), catalogue.ProposalInput{DecisionBody: in.Body.DecisionBody,
				ProposerKind: catalogue.ProposerKind(in.Body.ProposerKind), ProposerName: in.Body.ProposerName, Title: in.Body.Title,
				Description: in.Body.Description})
		}, proposalView)
	answer(s, huma.Operation{OperationID: "list-decision-proposals", Method: http.MethodGet, Path: "/decision-proposals",
		Summary: "Proposals of decision items and their answers", Tags: tags, Description: "Public, newest first."},
		public(), func(ctx context.Context, in *listProposalsInput) ([]catalogue.Proposal, error) {
			return s.svc.Catalogue.ListDecisionProposals(ctx, in.DecisionBody, in.Limit)
		}, func(list []catalogue.Proposal) proposalsOutputBody {
			return proposalsOutputBody{Proposals: views(list, proposalView)}
		})
	answer(s, huma.Operation{OperationID: "answer-decision-proposal", Method: http.MethodPost, Path: "/decision-proposals/{proposal_id}/answer",
		Summary: "Answer a proposal publicly", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Accepted into the catalogue (added to a draft, or requested as an adjustment of a published one) or not, with the reason. " +
			"Staff of the decision body."},
		staff, func(ctx context.Context, in *answerProposalInput) (catalogue.Proposal, error) {
			var item catalogue.ItemInput
			if in.Body.Item != nil {
				item = in.Body.Item.domain()
			}
			return s.svc.Catalogue.AnswerDecisionProposal(ctx, actor(ctx), in.ProposalID, catalogue.AnswerInput{Accepted: in.Body.Accepted,
				Answer: in.Body.Answer, CatalogueID: in.Body.CatalogueID, Item: item})
		}, func(p catalogue.Proposal) DecisionProposalView { return proposalView(p) })
}
