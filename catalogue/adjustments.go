package catalogue

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
)

// AdjustmentKind is what an adjustment does.
type AdjustmentKind string

// The adjustment kinds.
const (
	AdjustAdd    AdjustmentKind = "add"
	AdjustChange AdjustmentKind = "change"
	AdjustRemove AdjustmentKind = "remove"
)

// AdjustmentKindNames are the Chinese names of the kinds.
var AdjustmentKindNames = map[AdjustmentKind]string{AdjustAdd: "增加事项", AdjustChange: "变更事项", AdjustRemove: "删除事项"}

// Adjustment is a request to adjust a published catalogue (Henan Decree 210
// Art. 4: adjusted through the same procedure and published again).
type Adjustment struct {
	ID             int64
	CatalogueID    int64
	Kind           AdjustmentKind
	ItemID         *int64
	Proposed       ItemInput
	Reason         string
	Status         Status
	PartyDocNumber string
	PartyDocDate   *time.Time
	RequestedAt    time.Time
	PublishedAt    *time.Time
}

func queryAdjustments(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]Adjustment, error) {
	rows, err := tx.Query(ctx, `SELECT id, catalogue_id, kind, item_id, proposed, reason, status, party_doc_number, party_doc_date,
		requested_at, published_at FROM catalogue_adjustments WHERE `+where, args...)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Adjustment, error) {
		var a Adjustment
		var proposed []byte
		if err := row.Scan(&a.ID, &a.CatalogueID, &a.Kind, &a.ItemID, &proposed, &a.Reason, &a.Status, &a.PartyDocNumber, &a.PartyDocDate,
			&a.RequestedAt, &a.PublishedAt); err != nil {
			return a, err
		}
		return a, json.Unmarshal(proposed, &a.Proposed)
	})
	if err != nil {
		return nil, errs.Internal(err)
	}
	if out == nil {
		out = []Adjustment{}
	}
	return out, nil
}

// AdjustmentInput is a requested adjustment.
type AdjustmentInput struct {
	Kind AdjustmentKind
	// ItemID names the item to change or remove.
	ItemID int64
	// Item is the new item (add) or the item's fields after the change.
	Item   ItemInput
	Reason string
}

// RequestCatalogueAdjustment requests an adjustment of a published
// catalogue, with its reason; it takes effect only after the Party
// committee agrees (RecordCatalogueApproval) and it is published
// (PublishCatalogue). Staff of the body (or admins) may call it. Codes:
// catalogue_not_found, not_decision_body_staff, invalid_adjustment_kind,
// reason_required, reason_too_long, the item codes of AddCatalogueItem,
// catalogue_item_not_found (422), catalogue_not_published,
// catalogue_item_removed (409).
func (s *Service) RequestCatalogueAdjustment(ctx context.Context, actor *identity.Account, catalogueID int64, in AdjustmentInput) (Adjustment, error) {
	if AdjustmentKindNames[in.Kind] == "" {
		return Adjustment{}, errs.InvalidField("invalid_adjustment_kind", "kind", "调整类型须为 add（增加）、change（变更）或 remove（删除）")
	}
	reason, err := errs.Text("reason", "调整理由", in.Reason, 5000, true)
	if err != nil {
		return Adjustment{}, err
	}
	var id int64
	err = s.writeCatalogue(ctx, actor, catalogueID, func(tx pgx.Tx, c Catalogue) (err error) {
		if c.Status != StatusPublished {
			return errs.Conflict("catalogue_not_published", "目录公布前可直接修改草案；公布后的调整才需提出调整申请")
		}
		var itemID *int64
		proposed := ItemInput{}
		if in.Kind != AdjustAdd {
			items, err := queryItems(ctx, tx, `i.id = $1 AND i.catalogue_id = $2`, in.ItemID, c.ID)
			if err != nil {
				return err
			}
			if len(items) == 0 {
				return errs.InvalidField("catalogue_item_not_found", "item_id", "目录中没有编号为"+strconv.FormatInt(in.ItemID, 10)+"的事项")
			}
			if items[0].Removed {
				return errs.Conflict("catalogue_item_removed", "该事项已从目录中删除")
			}
			itemID = &items[0].ID
		}
		if in.Kind != AdjustRemove {
			if proposed, _, err = cleanItem(ctx, tx, in.Item); err != nil {
				return err
			}
		}
		now := s.now()
		if id, err = requestAdjustment(ctx, tx, c.ID, in.Kind, itemID, proposed, reason, actor, now); err != nil {
			return err
		}
		return s.step(ctx, tx, c, itemID, "adjustment_requested", map[string]any{"adjustment_id": id, "kind": in.Kind, "reason": reason,
			"proposed": proposed}, actor, now, boundRow{"catalogue_adjustments", id})
	})
	if err != nil {
		return Adjustment{}, err
	}
	return s.getAdjustment(ctx, id)
}

// requestAdjustment stores a requested adjustment of a published
// catalogue (itemID nil for an added item) and returns its id.
func requestAdjustment(ctx context.Context, tx pgx.Tx, catalogueID int64, kind AdjustmentKind, itemID *int64, proposed ItemInput,
	reason string, actor *identity.Account, now time.Time) (int64, error) {
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO catalogue_adjustments (catalogue_id, kind, item_id, proposed, reason, requested_by, requested_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, catalogueID, kind, itemID, proposed, reason, actor.ID, now).Scan(&id); err != nil {
		return 0, errs.Internal(err)
	}
	return id, nil
}

func (s *Service) getAdjustment(ctx context.Context, id int64) (Adjustment, error) {
	var out Adjustment
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		list, err := queryAdjustments(ctx, tx, `id = $1`, id)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return errs.NotFound("adjustment_not_found", "目录调整不存在")
		}
		out = list[0]
		return nil
	})
	return out, err
}

// ApprovalInput is the Party committee's agreement (党委同意).
type ApprovalInput struct {
	// AdjustmentID names the adjustment agreed; 0: the catalogue draft.
	AdjustmentID   int64
	DocumentNumber string
	Date           time.Time
}

// RecordCatalogueApproval records the same-level Party committee's
// agreement (its document number and date) to a draft catalogue or to a
// requested adjustment. Staff of the body (or admins) may call it. Codes:
// catalogue_not_found, not_decision_body_staff, document_number_required,
// document_number_too_long, approval_date_required,
// approval_date_in_future (422), adjustment_not_found (404),
// catalogue_not_draft, catalogue_empty, adjustment_not_requested (409).
func (s *Service) RecordCatalogueApproval(ctx context.Context, actor *identity.Account, catalogueID int64, in ApprovalInput) (Catalogue, error) {
	doc, err := errs.Text("document_number", "党委同意的文号", in.DocumentNumber, 100, true)
	if err != nil {
		return Catalogue{}, err
	}
	if in.Date.IsZero() {
		return Catalogue{}, errs.InvalidField("approval_date_required", "date", "请填写党委同意的日期")
	}
	if today := s.now().In(workday.Location()); in.Date.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
		return Catalogue{}, errs.InvalidField("approval_date_in_future", "date", "同意日期不能晚于今天")
	}
	date := time.Date(in.Date.Year(), in.Date.Month(), in.Date.Day(), 0, 0, 0, 0, time.UTC)
	err = s.writeCatalogue(ctx, actor, catalogueID, func(tx pgx.Tx, c Catalogue) (err error) {
		now := s.now()
		payload := map[string]any{"document_number": doc, "date": date.Format(time.DateOnly), "basis": CatalogueBasis}
		if in.AdjustmentID != 0 {
			list, err := queryAdjustments(ctx, tx, `id = $1 AND catalogue_id = $2 FOR UPDATE`, in.AdjustmentID, c.ID)
			if err != nil {
				return err
			}
			if len(list) == 0 {
				return errs.NotFound("adjustment_not_found", "目录调整不存在")
			}
			if list[0].Status != StatusRequested {
				return errs.Conflict("adjustment_not_requested", "该目录调整已经党委同意")
			}
			if _, err := tx.Exec(ctx, `UPDATE catalogue_adjustments SET status = 'agreed', party_doc_number = $2, party_doc_date = $3 WHERE id = $1`,
				in.AdjustmentID, doc, date); err != nil {
				return errs.Internal(err)
			}
			payload["adjustment_id"] = in.AdjustmentID
			return s.step(ctx, tx, c, list[0].ItemID, "adjustment_agreed", payload, actor, now, boundRow{"catalogue_adjustments", in.AdjustmentID})
		}
		if c.Status != StatusDraft {
			return errs.Conflict("catalogue_not_draft", "目录已经党委同意")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM catalogue_items WHERE catalogue_id = $1`, c.ID).Scan(&n); err != nil {
			return errs.Internal(err)
		}
		if n == 0 {
			return errs.Conflict("catalogue_empty", "目录还没有事项")
		}
		if _, err := tx.Exec(ctx, `UPDATE catalogues SET status = 'agreed', party_doc_number = $2, party_doc_date = $3 WHERE id = $1`,
			c.ID, doc, date); err != nil {
			return errs.Internal(err)
		}
		return s.step(ctx, tx, c, nil, "catalogue_agreed", payload, actor, now, boundRow{"catalogues", c.ID})
	})
	if err != nil {
		return Catalogue{}, err
	}
	return s.GetCatalogue(ctx, actor, catalogueID)
}

// PublishCatalogue publishes a catalogue the Party committee agreed to, or
// the agreed adjustments of a published one (applying each: an item added,
// changed or removed), with history. Staff of the body (or admins) may
// call it. Codes: catalogue_not_found, not_decision_body_staff,
// party_agreement_required (409, Henan Decree 210 Art. 4).
func (s *Service) PublishCatalogue(ctx context.Context, actor *identity.Account, catalogueID int64) (Catalogue, error) {
	err := s.writeCatalogue(ctx, actor, catalogueID, func(tx pgx.Tx, c Catalogue) (err error) {
		now := s.now()
		switch c.Status {
		case StatusAgreed:
			if _, err := tx.Exec(ctx, `UPDATE catalogues SET status = 'published', published_at = $2 WHERE id = $1`, c.ID, now); err != nil {
				return errs.Internal(err)
			}
			return s.step(ctx, tx, c, nil, "catalogue_published", map[string]any{"document_number": c.PartyDocNumber,
				"basis": CatalogueBasis}, actor, now, boundRow{"catalogues", c.ID})
		case StatusDraft:
			e := errs.Conflict("party_agreement_required", "决策事项目录须经同级党委同意后公布，请先记录党委同意的文号和日期")
			e.Basis = CatalogueBasis
			return e
		}
		agreed, err := queryAdjustments(ctx, tx, `catalogue_id = $1 AND status = 'agreed' ORDER BY id`, c.ID)
		if err != nil {
			return err
		}
		if len(agreed) == 0 {
			e := errs.Conflict("party_agreement_required", "没有经党委同意待公布的目录调整")
			e.Basis = CatalogueBasis
			return e
		}
		for _, a := range agreed {
			itemID := a.ItemID
			switch a.Kind {
			case AdjustAdd:
				in, lead, err := cleanItem(ctx, tx, a.Proposed)
				if err != nil {
					return err
				}
				id, err := insertItem(ctx, tx, c.ID, in, lead, now)
				if err != nil {
					return err
				}
				itemID = &id
			case AdjustChange:
				in, lead, err := cleanItem(ctx, tx, a.Proposed)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE catalogue_items SET title = $2, lead_agency_id = $3, domain = $4, category = $5, planned_quarter = $6,
					hearing_planned = $7, survey_planned = $8 WHERE id = $1`, *a.ItemID, in.Title, lead, in.Domain, in.Category, in.PlannedQuarter,
					in.HearingPlanned, in.SurveyPlanned); err != nil {
					return errs.Internal(err)
				}
			case AdjustRemove:
				if _, err := tx.Exec(ctx, `UPDATE catalogue_items SET status = 'removed' WHERE id = $1`, *a.ItemID); err != nil {
					return errs.Internal(err)
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE catalogue_adjustments SET status = 'published', published_at = $2 WHERE id = $1`, a.ID, now); err != nil {
				return errs.Internal(err)
			}
			if err := s.step(ctx, tx, c, itemID, "adjustment_published", map[string]any{"adjustment_id": a.ID, "kind": a.Kind,
				"reason": a.Reason, "document_number": a.PartyDocNumber, "proposed": a.Proposed}, actor, now,
				boundRow{"catalogue_adjustments", a.ID}, boundRow{"catalogue_items", *itemID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Catalogue{}, err
	}
	return s.GetCatalogue(ctx, actor, catalogueID)
}
