// Package catalogue is the yearly catalogue of decision items (决策事项目录,
// Decree 713 Art. 3(3); Henan Decree 210 Art. 4): a decision body drafts
// it, records the same-level Party committee's agreement (document number
// and date) and publishes it; adjustments during the year (add, change,
// remove) go through the same agreement and publication, with history. It
// also holds initiation (决策启动, Art. 10–11: who proposed an item and the
// body's decision to start it, naming the lead unit) and proposals of
// decision items from the public, each answered publicly. A decision item
// links to its catalogue entry; a body may require that link as a gate.
package catalogue

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Basis of the catalogue rules.
const (
	CatalogueBasis  = "Decree 713 Art. 3(3); Henan Decree 210 Art. 4"
	InitiationBasis = "Decree 713 Art. 10, 11"
)

// Record kinds this package writes on a decision's process record (its
// own chain's kinds are in record.go).
const (
	RecordCatalogueLinked   record.Kind = "catalogue_entry_linked"
	RecordDecisionInitiated record.Kind = "decision_initiated"
)

// Status is where a catalogue (or an adjustment) stands.
type Status string

// The statuses.
const (
	StatusDraft     Status = "draft"     // 起草
	StatusRequested Status = "requested" // adjustment requested
	StatusAgreed    Status = "agreed"    // 党委同意
	StatusPublished Status = "published" // 已公布
)

// StatusNames are the Chinese names of the statuses.
var StatusNames = map[Status]string{StatusDraft: "起草中", StatusRequested: "已提出调整", StatusAgreed: "党委已同意，待公布", StatusPublished: "已公布"}

// Service is the catalogue, initiation and proposal use cases.
type Service struct {
	DB           *pgxpool.Pool
	Consultation *consultation.Service
	// Record appends to a decision's process record.
	Record record.Appender
	Now    func() time.Time
	// OrganisationNamed looks up a proposer's organisation name among the
	// organisations an admin verified (package integrations, wired in
	// cmd): the one of that name managed by account (its id and
	// registered name), or taken when only other accounts' verified
	// organisations bear the name. nil: no directory, every organisation
	// name is shown as 未经核实.
	OrganisationNamed func(ctx context.Context, name string, account int64) (id int64, registered string, taken bool, err error)
}

// NewService returns a Service on the real clock.
func NewService(db *pgxpool.Pool, cs *consultation.Service) *Service {
	return &Service{DB: db, Consultation: cs, Record: cs, Now: time.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// Catalogue is a decision body's catalogue of one year.
type Catalogue struct {
	ID               int64
	DecisionBodyID   int64
	DecisionBodyCode string
	DecisionBodyName string
	Year             int
	Status           Status
	PartyDocNumber   string
	PartyDocDate     *time.Time
	PublishedAt      *time.Time
	CreatedAt        time.Time
	// Filled in by GetCatalogue.
	Items       []Item
	Adjustments []Adjustment
	History     []Event
}

// Item is one entry of a catalogue.
type Item struct {
	ID             int64
	CatalogueID    int64
	Title          string
	LeadAgencyID   int64
	LeadAgencyCode string
	LeadAgencyName string
	Domain         consultation.Domain
	Category       consultation.Category
	PlannedQuarter int
	HearingPlanned bool
	SurveyPlanned  bool
	Removed        bool
	DecisionID     *int64
	// DecisionStatus is the stage of the linked decision, if any.
	DecisionStatus consultation.Status
	Initiation     *Initiation
}

// Completed reports whether the item's decision was taken (published or
// later, not withdrawn).
func (it Item) Completed() bool {
	switch it.DecisionStatus {
	case consultation.StatusPublished, consultation.StatusInEffect, consultation.StatusSuspended, consultation.StatusEvaluated,
		consultation.StatusEnded:
		return true
	}
	return false
}

// ItemInput is an item to add or the fields of a change.
type ItemInput struct {
	Title          string                `json:"title"`
	LeadAgency     string                `json:"lead_agency"`
	Domain         consultation.Domain   `json:"domain"`
	Category       consultation.Category `json:"category"`
	PlannedQuarter int                   `json:"planned_quarter"`
	HearingPlanned bool                  `json:"hearing_planned"`
	SurveyPlanned  bool                  `json:"survey_planned"`
}

// Event is one entry of a catalogue's history.
type Event struct {
	ID        int64
	ItemID    *int64
	Kind      string
	Payload   []byte
	CreatedAt time.Time
}

var errCatalogueNotFound = errs.NotFound("catalogue_not_found", "决策事项目录不存在")

// requireBodyStaff refuses anyone but staff of the decision body (or an
// admin).
func requireBodyStaff(actor *identity.Account, bodyID int64) error {
	if actor == nil {
		return errs.Unauthenticated("authentication_required", "请先登录")
	}
	if actor.HasRole(identity.RoleAdmin) || actor.IsStaffOf(bodyID) {
		return nil
	}
	return errs.Forbidden("not_decision_body_staff", "只有决策机关的工作人员可以编制、调整决策事项目录")
}

// body resolves a decision body by code (government or department, Art. 42).
func body(ctx context.Context, q pgx.Tx, code string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM agencies WHERE code = $1 AND kind IN ('government', 'department')`, strings.TrimSpace(code)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) && strings.TrimSpace(code) == "" {
		return 0, errs.InvalidField("decision_body_not_found", "decision_body", "请选择决策机关")
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errs.InvalidField("decision_body_not_found", "decision_body", "没有代码为“"+code+"”的决策机关")
	}
	if err != nil {
		return 0, errs.Internal(err)
	}
	return id, nil
}

// event writes a row of the catalogue's history and returns its id; step
// (record.go) calls it and binds the row in the catalogue's record.
func event(ctx context.Context, tx pgx.Tx, catalogueID int64, itemID *int64, kind string, payload map[string]any, actor *identity.Account,
	at time.Time) (int64, error) {
	var actorID *int64
	if actor != nil {
		actorID = &actor.ID
	}
	if payload == nil {
		payload = map[string]any{}
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO catalogue_events (catalogue_id, item_id, kind, payload, actor_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, catalogueID, itemID, kind, payload, actorID, at).Scan(&id); err != nil {
		return 0, errs.Internal(err)
	}
	return id, nil
}
