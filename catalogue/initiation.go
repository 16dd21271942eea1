package catalogue

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// ProposerKind is who proposed a decision item (Decree 713 Art. 10–11).
type ProposerKind string

// The proposer kinds.
const (
	ProposerLeader       ProposerKind = "government_leader" // 政府领导提出
	ProposerDepartment   ProposerKind = "department"        // 政府工作部门、下级政府提出
	ProposerNPCDeputy    ProposerKind = "npc_deputy"        // 人大代表建议
	ProposerCPPCCMember  ProposerKind = "cppcc_member"      // 政协委员提案
	ProposerResident     ProposerKind = "resident"          // 公民建议
	ProposerOrganisation ProposerKind = "organisation"      // 法人或其他组织建议
)

// ProposerKindNames are the Chinese names of the proposer kinds.
var ProposerKindNames = map[ProposerKind]string{
	ProposerLeader: "政府领导提出", ProposerDepartment: "部门或下级政府提出", ProposerNPCDeputy: "人大代表建议",
	ProposerCPPCCMember: "政协委员提案", ProposerResident: "公民建议", ProposerOrganisation: "企业或其他组织建议",
}

// ProposerKinds lists the kinds in display order.
var ProposerKinds = []ProposerKind{ProposerLeader, ProposerDepartment, ProposerNPCDeputy, ProposerCPPCCMember, ProposerResident, ProposerOrganisation}

// Initiation is the decision body's decision to start a catalogue item
// and who proposed it (决策启动, Decree 713 Art. 10–11).
type Initiation struct {
	ID             int64
	ItemID         int64
	ProposerKind   ProposerKind
	ProposerName   string
	ProposalID     *int64
	StartReference string
	StartDate      time.Time
	LeadAgencyID   int64
	LeadAgencyCode string
	CreatedAt      time.Time
}

// InitiationInput is the body's decision to start an item.
type InitiationInput struct {
	ProposerKind ProposerKind
	ProposerName string
	// ProposalID links the proposal the item came from, if any.
	ProposalID int64
	// StartReference names the body's decision to start (e.g. 市政府常务会议
	// 纪要〔2026〕5号 or the head's written instruction).
	StartReference string
	StartDate      time.Time
	// LeadAgency is the lead unit named (承办单位); empty: the item's.
	LeadAgency string
}

func getInitiation(ctx context.Context, tx pgx.Tx, itemID int64) (Initiation, error) {
	var in Initiation
	err := tx.QueryRow(ctx, `SELECT i.id, i.catalogue_item_id, i.proposer_kind, i.proposer_name, i.proposal_id, i.start_reference, i.start_date,
		i.lead_agency_id, a.code, i.created_at FROM decision_initiations i JOIN agencies a ON a.id = i.lead_agency_id WHERE i.catalogue_item_id = $1`,
		itemID).Scan(&in.ID, &in.ItemID, &in.ProposerKind, &in.ProposerName, &in.ProposalID, &in.StartReference, &in.StartDate, &in.LeadAgencyID,
		&in.LeadAgencyCode, &in.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return in, errs.NotFound("initiation_not_found", "该事项尚未决定启动")
	}
	if err != nil {
		return in, errs.Internal(err)
	}
	return in, nil
}

// itemWithCatalogue locks an item's catalogue and reads both.
func itemWithCatalogue(ctx context.Context, tx pgx.Tx, itemID int64) (Item, Catalogue, error) {
	var catID int64
	err := tx.QueryRow(ctx, `SELECT catalogue_id FROM catalogue_items WHERE id = $1`, itemID).Scan(&catID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, Catalogue{}, errs.NotFound("catalogue_item_not_found", "目录事项不存在")
	}
	if err != nil {
		return Item{}, Catalogue{}, errs.Internal(err)
	}
	c, err := getCatalogue(ctx, tx, catID, true)
	if err != nil {
		return Item{}, Catalogue{}, err
	}
	items, err := queryItems(ctx, tx, `i.id = $1`, itemID)
	if err != nil {
		return Item{}, Catalogue{}, err
	}
	return items[0], c, nil
}

// InitiateDecisionItem records the decision body's decision to start an
// item of its published catalogue, who proposed it and the lead unit it
// names (Decree 713 Art. 10–11). Staff of the body (or admins) may call it.
// Codes: catalogue_item_not_found (404), not_decision_body_staff (403),
// invalid_proposer_kind, proposer_name_required, start_reference_required,
// start_date_required, lead_agency_differs, proposal_not_found (422), catalogue_not_published,
// catalogue_item_removed, already_initiated (409).
func (s *Service) InitiateDecisionItem(ctx context.Context, actor *identity.Account, itemID int64, in InitiationInput) (Initiation, error) {
	if ProposerKindNames[in.ProposerKind] == "" {
		return Initiation{}, errs.InvalidField("invalid_proposer_kind", "proposer_kind", "请选择提出人类型")
	}
	name, err := errs.Text("proposer_name", "提出人", in.ProposerName, 200, true)
	if err != nil {
		return Initiation{}, err
	}
	ref, err := errs.Text("start_reference", "决定启动的依据（会议纪要或批示）", in.StartReference, 500, true)
	if err != nil {
		return Initiation{}, err
	}
	if in.StartDate.IsZero() {
		return Initiation{}, errs.InvalidField("start_date_required", "start_date", "请填写决定启动的日期")
	}
	var out Initiation
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		it, c, err := itemWithCatalogue(ctx, tx, itemID)
		if err != nil {
			return err
		}
		if err := requireBodyStaff(actor, c.DecisionBodyID); err != nil {
			return err
		}
		if c.Status != StatusPublished {
			return errs.Conflict("catalogue_not_published", "目录尚未公布")
		}
		if it.Removed {
			return errs.Conflict("catalogue_item_removed", "该事项已从目录中删除")
		}
		if it.Initiation != nil {
			return errs.Conflict("already_initiated", "该事项已经决定启动")
		}
		if in.LeadAgency != "" && in.LeadAgency != it.LeadAgencyCode {
			return errs.InvalidField("lead_agency_differs", "lead_agency", "确定的承办单位与目录不一致：请先调整目录（"+it.LeadAgencyName+"）")
		}
		var proposal *int64
		if in.ProposalID != 0 {
			// A proposal made to this body only (any number used to be
			// stored, and went into the decision's record on linking).
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM decision_proposals WHERE id = $1 AND decision_body_id = $2)`,
				in.ProposalID, c.DecisionBodyID).Scan(&ok); err != nil {
				return errs.Internal(err)
			}
			if !ok {
				return errs.InvalidField("proposal_not_found", "proposal_id", "没有向该决策机关提出的这项建议")
			}
			proposal = &in.ProposalID
		}
		date := time.Date(in.StartDate.Year(), in.StartDate.Month(), in.StartDate.Day(), 0, 0, 0, 0, time.UTC)
		now := s.now()
		if err := tx.QueryRow(ctx, `INSERT INTO decision_initiations (catalogue_item_id, proposer_kind, proposer_name, proposal_id, start_reference,
			start_date, lead_agency_id, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, it.ID, in.ProposerKind,
			name, proposal, ref, date, it.LeadAgencyID, actor.ID, now).Scan(&out.ID); err != nil {
			return errs.Internal(err)
		}
		out = Initiation{ID: out.ID, ItemID: it.ID, ProposerKind: in.ProposerKind, ProposerName: name, ProposalID: proposal, StartReference: ref,
			StartDate: date, LeadAgencyID: it.LeadAgencyID, LeadAgencyCode: it.LeadAgencyCode, CreatedAt: now}
		return s.step(ctx, tx, c, &it.ID, "item_initiated", map[string]any{"proposer_kind": in.ProposerKind, "proposer_name": name,
			"start_reference": ref, "start_date": date.Format(time.DateOnly), "lead_agency": it.LeadAgencyCode, "basis": InitiationBasis}, actor, now,
			boundRow{"decision_initiations", out.ID})
	})
	return out, err
}

// LinkDecision links a decision item to the catalogue entry it carries
// out, and writes the initiation (who proposed it, the body's decision to
// start it, the lead unit) and the link into the decision's process record.
// The entry must be initiated, in a published catalogue of the decision's
// body, with the decision's lead unit. Staff of the decision's lead unit
// may call it. Codes: decision_not_found, catalogue_item_not_found (404),
// not_lead_unit_staff (403), catalogue_not_published,
// catalogue_item_removed, initiation_required, catalogue_item_mismatch,
// catalogue_item_linked, decision_already_linked (409).
func (s *Service) LinkDecision(ctx context.Context, actor *identity.Account, decisionID, itemID int64) (Item, error) {
	var out Item
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		d, err := s.Consultation.LockDecisionTx(ctx, tx, decisionID)
		if err != nil {
			return err
		}
		if actor == nil {
			return errs.Unauthenticated("authentication_required", "请先登录")
		}
		if !actor.IsStaffOf(d.LeadAgencyID) {
			if !consultation.CanSeeInternal(actor, &d) && !d.Public() {
				return errs.NotFound("decision_not_found", "决策事项不存在")
			}
			return errs.Forbidden("not_lead_unit_staff", "只有该决策事项承办单位的工作人员可以执行此操作")
		}
		it, c, err := itemWithCatalogue(ctx, tx, itemID)
		if err != nil {
			return err
		}
		switch {
		case c.Status != StatusPublished:
			return errs.Conflict("catalogue_not_published", "目录尚未公布")
		case it.Removed:
			return errs.Conflict("catalogue_item_removed", "该事项已从目录中删除")
		case it.Initiation == nil:
			e := errs.Conflict("initiation_required", "决策机关尚未决定启动该事项并确定承办单位（《重大行政决策程序暂行条例》第十条、第十一条）")
			e.Basis = InitiationBasis
			return e
		case c.DecisionBodyID != d.DecisionBodyID || it.LeadAgencyID != d.LeadAgencyID:
			return errs.Conflict("catalogue_item_mismatch", "目录事项的决策机关或承办单位与该决策事项不一致")
		case it.DecisionID != nil:
			return errs.Conflict("catalogue_item_linked", "该目录事项已关联决策事项"+strconv.FormatInt(*it.DecisionID, 10))
		}
		var linked bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM catalogue_items WHERE decision_id = $1)`, d.ID).Scan(&linked); err != nil {
			return errs.Internal(err)
		}
		if linked {
			return errs.Conflict("decision_already_linked", "该决策事项已关联目录事项")
		}
		if _, err := tx.Exec(ctx, `UPDATE catalogue_items SET decision_id = $2 WHERE id = $1`, it.ID, d.ID); err != nil {
			return errs.Internal(err)
		}
		ini := it.Initiation
		if err := s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordDecisionInitiated, map[string]any{
			"catalogue_item_id": it.ID, "proposer_kind": ini.ProposerKind, "proposer_name": ini.ProposerName, "proposal_id": ini.ProposalID,
			"start_reference": ini.StartReference, "start_date": ini.StartDate.Format(time.DateOnly), "lead_agency": ini.LeadAgencyCode,
			"basis": InitiationBasis}); err != nil {
			return err
		}
		if err := s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordCatalogueLinked, map[string]any{
			"catalogue_id": c.ID, "year": c.Year, "catalogue_item_id": it.ID, "title": it.Title,
			"party_doc_number": c.PartyDocNumber, "basis": CatalogueBasis}); err != nil {
			return err
		}
		now := s.now()
		if err := s.step(ctx, tx, c, &it.ID, "decision_linked", map[string]any{"decision_id": d.ID}, actor, now,
			boundRow{"catalogue_items", it.ID}); err != nil {
			return err
		}
		items, err := queryItems(ctx, tx, `i.id = $1`, it.ID)
		if err != nil {
			return err
		}
		out = items[0]
		return nil
	})
	return out, err
}

func init() {
	// A body that requires it: a decision item must be an entry of its
	// published catalogue before it goes to the public or to review
	// (Decree 713 Art. 3(3) leaves it to the body: "可以").
	gate := consultation.Gate{Code: "catalogue_entry_required", Basis: CatalogueBasis,
		Title:   "已列入决策机关公布的决策事项目录（决策机关要求时）",
		Message: "决策机关要求重大行政决策事项先列入公布的决策事项目录：请将本事项关联到目录事项，目录中没有的先提出目录调整",
		Applies: func(*consultation.Decision) bool { return true },
		Check: func(ctx context.Context, st *consultation.GateState) (bool, error) {
			set, err := consultation.ReadBodySettings(ctx, st.Tx, st.Decision.DecisionBodyID)
			if err != nil || !set.CatalogueRequired {
				return err == nil, err
			}
			var ok bool
			err = st.Tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM catalogue_items i JOIN catalogues c ON c.id = i.catalogue_id
				WHERE i.decision_id = $1 AND i.status = 'active' AND c.status = 'published')`, st.Decision.ID).Scan(&ok)
			return ok, err
		}}
	consultation.AddGate(consultation.StatusConsulting, gate)
	consultation.AddGate(consultation.StatusUnderReview, gate)
}
