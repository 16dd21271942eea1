package catalogue

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Proposals of decision items (Decree 713 Art. 10–11: government leaders,
// departments, 人大代表, 政协委员, residents and organisations may propose):
// residents and organisations through the page, the others recorded by the
// body's staff. Every proposal is answered (accepted into the catalogue, or
// not, with the reason) and the answer is public.

// ProposalStatus is where a proposal stands.
type ProposalStatus string

// The proposal statuses.
const (
	ProposalPending     ProposalStatus = "pending"
	ProposalAccepted    ProposalStatus = "accepted"
	ProposalNotAccepted ProposalStatus = "not_accepted"
)

// ProposalStatusNames are the Chinese names.
var ProposalStatusNames = map[ProposalStatus]string{ProposalPending: "待答复", ProposalAccepted: "已采纳，列入目录", ProposalNotAccepted: "未采纳"}

// Proposal is a proposed decision item.
type Proposal struct {
	ID               int64
	DecisionBodyID   int64
	DecisionBodyCode string
	DecisionBodyName string
	ProposerKind     ProposerKind
	// ProposerName is the name given (staff-recorded proposals) or, for a
	// resident, their pseudonym; never a phone number.
	ProposerName string
	AccountID    int64
	Title        string
	Description  string
	Status       ProposalStatus
	Answer       string
	AdjustmentID *int64
	ItemID       *int64
	AnsweredAt   *time.Time
	CreatedAt    time.Time
	// OrganisationID is the verified organisation in whose name its own
	// managing account proposed; nil for every other proposal.
	OrganisationID *int64
}

// OrganisationUnverified reports a proposal in the name of an
// organisation that the platform has not verified as the proposer's own:
// pages and the API mark it 未经核实.
func (p Proposal) OrganisationUnverified() bool {
	return p.ProposerKind == ProposerOrganisation && p.OrganisationID == nil
}

// ProposalInput is a proposal.
type ProposalInput struct {
	DecisionBody string
	ProposerKind ProposerKind
	ProposerName string
	Title        string
	Description  string
}

// ProposeDecisionItem records a proposal. A resident proposes as a resident
// (under their pseudonym) or in the name of an organisation: the name of an
// organisation verified on the platform only by the account that manages
// it (the proposal then carries the organisation and its registered name),
// any other name as typed and marked 未经核实. The decision body's staff
// (admins for any body) record proposals of leaders, departments, 人大代表
// and 政协委员 with the proposer's name. Any signed-in verified account may
// call it. All the form's problems are named at once (one field error
// each; the code is the first's). Codes: decision_body_required,
// decision_body_not_found, invalid_proposer_kind,
// proposer_name_required, title_required, title_too_long,
// description_required, description_too_long, organisation_name_not_yours
// (422), phone_not_verified, not_decision_body_staff (403),
// proposal_rate_limited (429: a resident's or organisation's proposals,
// ProposalsPerTenMinutes and ProposalsPerDay).
func (s *Service) ProposeDecisionItem(ctx context.Context, actor *identity.Account, in ProposalInput) (Proposal, error) {
	if actor == nil {
		return Proposal{}, errs.Unauthenticated("authentication_required", "请先登录")
	}
	if !actor.Verified() {
		return Proposal{}, errs.Forbidden("phone_not_verified", "请先验证手机号码")
	}
	staffKinds := in.ProposerKind == ProposerLeader || in.ProposerKind == ProposerDepartment || in.ProposerKind == ProposerNPCDeputy ||
		in.ProposerKind == ProposerCPPCCMember
	// Every problem at once, each next to its field on the form.
	var kindErr, bodyErr error
	switch {
	case ProposerKindNames[in.ProposerKind] == "":
		kindErr = errs.InvalidField("invalid_proposer_kind", "proposer_kind", "请选择提出人类型")
	case actor.Role == identity.RoleResident && staffKinds:
		kindErr = errs.InvalidField("invalid_proposer_kind", "proposer_kind", "居民以公民或组织名义提出建议")
	}
	if strings.TrimSpace(in.DecisionBody) == "" {
		bodyErr = errs.InvalidField("decision_body_required", "decision_body", "请选择向哪个决策机关提出建议")
	}
	title, titleErr := errs.Text("title", "建议的决策事项", in.Title, 200, true)
	desc, descErr := errs.Text("description", "理由和主要内容", in.Description, 5000, true)
	name, nameErr := errs.Text("proposer_name", "提出人", in.ProposerName, 200, staffKinds || in.ProposerKind == ProposerOrganisation)
	if err := errs.AllInvalid(bodyErr, kindErr, nameErr, titleErr, descErr); err != nil {
		return Proposal{}, err
	}
	if in.ProposerKind == ProposerResident {
		name = "" // shown under the resident's pseudonym (后台实名、前台自愿)
	}
	var orgID *int64
	if in.ProposerKind == ProposerOrganisation {
		var err error
		if orgID, name, err = s.proposingOrganisation(ctx, actor, name); err != nil {
			return Proposal{}, err
		}
	}
	var id int64
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		bodyID, err := body(ctx, tx, in.DecisionBody)
		if err != nil {
			return err
		}
		if !staffKinds {
			if err := checkProposalRate(ctx, tx, actor.ID, s.now()); err != nil {
				return err
			}
		} else if requireBodyStaff(actor, bodyID) != nil {
			// The body's own staff record what its leaders, departments and
			// deputies proposed to it (outside check sec2: any account but a
			// resident's, of any agency or none, could publish a proposal
			// under 政府领导 or 人大代表 and any name).
			return errs.Forbidden("not_decision_body_staff",
				"只有该决策机关的工作人员可以登记政府领导、部门、人大代表和政协委员提出的建议；您可以以公民身份提出建议")
		}
		if err := tx.QueryRow(ctx, `INSERT INTO decision_proposals (decision_body_id, proposer_kind, proposer_name, account_id, title,
			description, created_at, organisation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, bodyID, in.ProposerKind, name,
			actor.ID, title, desc, s.now(), orgID).Scan(&id); err != nil {
			return errs.Internal(err)
		}
		payload := map[string]any{"proposal_id": id, "proposer_kind": in.ProposerKind, "title": title, "basis": InitiationBasis}
		if orgID != nil {
			// The bound row holds it too (the second form of its
			// content, laterForms).
			payload["organisation_id"] = *orgID
		}
		return s.appendStep(ctx, tx, bodyID, actor, RecordProposalSubmitted, payload, boundRow{"decision_proposals", id})
	})
	if err != nil {
		if e, ok := errs.As(err); ok {
			return Proposal{}, e
		}
		return Proposal{}, errs.Internal(err)
	}
	return s.getProposal(ctx, id)
}

const proposalColumns = `p.id, p.decision_body_id, b.code, b.name, p.proposer_kind,
	CASE WHEN p.proposer_name <> '' THEN p.proposer_name ELSE a.pseudonym END, p.account_id, p.title, p.description, p.status, p.answer,
	p.adjustment_id, p.catalogue_item_id, p.answered_at, p.created_at, p.organisation_id`

// proposingOrganisation checks the name of the organisation a proposal is
// filed in (outside check, security: anyone could propose in the name of
// any organisation, and the public list showed it as the organisation's).
// The name of an organisation verified on the platform belongs to the
// account that manages it: that account's proposal carries the
// organisation and its registered name; anyone else is refused and may
// propose as a resident. Any other name is kept as typed, and the proposal
// is shown as 未经核实. Codes: organisation_name_not_yours (422).
func (s *Service) proposingOrganisation(ctx context.Context, actor *identity.Account, name string) (*int64, string, error) {
	if s.OrganisationNamed == nil {
		return nil, name, nil
	}
	id, registered, taken, err := s.OrganisationNamed(ctx, name, actor.ID)
	switch {
	case err != nil:
		return nil, "", err
	case id != 0:
		return &id, registered, nil
	case taken:
		return nil, "", errs.InvalidField("organisation_name_not_yours", "proposer_name",
			"「"+name+"」是已在本平台登记并通过核验的组织，只有该组织的管理账号才能以其名义提出建议；您可以以公民身份提出")
	}
	return nil, name, nil
}

func queryProposals(ctx context.Context, q pgrows.Querier, where string, args ...any) ([]Proposal, error) {
	return pgrows.AllByPos[Proposal](ctx, q, `SELECT `+proposalColumns+` FROM decision_proposals p
		JOIN agencies b ON b.id = p.decision_body_id JOIN accounts a ON a.id = p.account_id WHERE `+where, args...)
}

func (s *Service) getProposal(ctx context.Context, id int64) (Proposal, error) {
	list, err := queryProposals(ctx, s.DB, `p.id = $1`, id)
	if err != nil {
		return Proposal{}, err
	}
	if len(list) == 0 {
		return Proposal{}, errs.NotFound("proposal_not_found", "建议不存在")
	}
	return list[0], nil
}

// ListDecisionProposals lists proposals, newest first, with their public
// answers; bodyCode filters by decision body when not empty. Anyone may
// call it: proposals and answers are public (residents under their
// pseudonym).
func (s *Service) ListDecisionProposals(ctx context.Context, bodyCode string, limit int) ([]Proposal, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return queryProposals(ctx, s.DB, `($1 = '' OR b.code = $1) ORDER BY p.id DESC LIMIT $2`, bodyCode, limit)
}

// AnswerInput is the body's answer to a proposal.
type AnswerInput struct {
	Accepted bool
	// Answer is the reason (required either way) made public.
	Answer string
	// CatalogueID is the catalogue the accepted item goes into: added
	// directly to a draft, or requested as an adjustment of a published one.
	CatalogueID int64
	Item        ItemInput
}

// AnswerDecisionProposal answers a proposal publicly: accepted into the
// catalogue (as an item of a draft catalogue, or as an add adjustment of a
// published one, which then follows the Party agreement and publication),
// or not accepted with the reason. Staff of the proposal's decision body
// (or admins) may call it, once. Codes: proposal_not_found (404),
// not_decision_body_staff (403), answer_required, answer_too_long, the
// item codes (422), proposal_already_answered, catalogue_of_other_body
// (409).
func (s *Service) AnswerDecisionProposal(ctx context.Context, actor *identity.Account, proposalID int64, in AnswerInput) (Proposal, error) {
	answer, err := errs.Text("answer", "答复", in.Answer, 5000, true)
	if err != nil {
		return Proposal{}, err
	}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		list, err := queryProposals(ctx, tx, `p.id = $1 FOR UPDATE OF p`, proposalID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return errs.NotFound("proposal_not_found", "建议不存在")
		}
		p := list[0]
		if err := requireBodyStaff(actor, p.DecisionBodyID); err != nil {
			return err
		}
		if p.Status != ProposalPending {
			return errs.Conflict("proposal_already_answered", "该建议已经答复")
		}
		now := s.now()
		status := ProposalNotAccepted
		var itemID, adjID *int64
		if in.Accepted {
			status = ProposalAccepted
			c, err := getCatalogue(ctx, tx, in.CatalogueID, true)
			if errors.Is(err, errCatalogueNotFound) || (err == nil && c.DecisionBodyID != p.DecisionBodyID) {
				return errs.Conflict("catalogue_of_other_body", "请选择该决策机关的决策事项目录")
			}
			if err != nil {
				return err
			}
			item, lead, err := cleanItem(ctx, tx, in.Item)
			if err != nil {
				return err
			}
			switch c.Status {
			case StatusDraft:
				id, err := insertItem(ctx, tx, c.ID, item, lead, now)
				if err != nil {
					return err
				}
				itemID = &id
				if err := s.step(ctx, tx, c, itemID, "item_added", map[string]any{"title": item.Title, "proposal_id": p.ID}, actor, now,
					boundRow{"catalogue_items", id}); err != nil {
					return err
				}
			default:
				id, err := requestAdjustment(ctx, tx, c.ID, AdjustAdd, nil, item, "采纳建议："+p.Title, actor, now)
				if err != nil {
					return err
				}
				adjID = &id
				if err := s.step(ctx, tx, c, nil, "adjustment_requested", map[string]any{"adjustment_id": id, "kind": AdjustAdd,
					"reason": "采纳建议：" + p.Title, "proposal_id": p.ID}, actor, now, boundRow{"catalogue_adjustments", id}); err != nil {
					return err
				}
			}
		}
		_, err = tx.Exec(ctx, `UPDATE decision_proposals SET status = $2, answer = $3, catalogue_item_id = $4, adjustment_id = $5,
			answered_by = $6, answered_at = $7 WHERE id = $1`, p.ID, status, answer, itemID, adjID, actor.ID, now)
		if err != nil {
			return errs.Internal(err)
		}
		return s.appendStep(ctx, tx, p.DecisionBodyID, actor, RecordProposalAnswered, map[string]any{"proposal_id": p.ID,
			"status": status, "answer_sha256": record.SHA256Hex([]byte(answer)), "catalogue_item_id": itemID, "adjustment_id": adjID,
			"basis": InitiationBasis}, boundRow{"decision_proposals", p.ID})
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.getProposal(ctx, proposalID)
}

// The proposals a resident files (as a resident or an organisation): each
// is public and must be answered, so one account could flood the list and
// the body's answering (outside check, security). The same bounds as
// implementation feedback.
const (
	ProposalsPerTenMinutes = 3
	ProposalsPerDay        = 10
)

// checkProposalRate refuses a resident who filed too many proposals lately.
// The account's transaction lock makes a burst count one by one.
func checkProposalRate(ctx context.Context, tx pgx.Tx, accountID int64, now time.Time) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('decision_proposals'), $1::int)`, int32(accountID)); err != nil {
		return errs.Internal(err)
	}
	// The limit-th most recent proposal in the window: when it leaves the
	// window, one more may be filed.
	return pgrows.CheckWindows(ctx, tx, "proposal_rate_limited", `SELECT created_at FROM decision_proposals
		WHERE account_id = $1 AND created_at > $2 AND proposer_kind IN ('resident', 'organisation')
		ORDER BY created_at DESC OFFSET $3 LIMIT 1`, accountID, now,
		pgrows.Window{Limit: ProposalsPerTenMinutes, Span: 10 * time.Minute, Msg: "提出建议过于频繁，请稍后再试"},
		pgrows.Window{Limit: ProposalsPerDay, Span: 24 * time.Hour, Msg: "今天提出的建议已达上限，请明天再试"})
}
