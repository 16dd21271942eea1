package catalogue

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

const catalogueColumns = `c.id, c.decision_body_id, b.code, b.name, c.year, c.status, c.party_doc_number, c.party_doc_date, c.published_at, c.created_at`

func queryCatalogues(ctx context.Context, q pgx.Tx, where string, args ...any) ([]Catalogue, error) {
	rows, err := q.Query(ctx, `SELECT `+catalogueColumns+` FROM catalogues c JOIN agencies b ON b.id = c.decision_body_id WHERE `+where, args...)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Catalogue, error) {
		var c Catalogue
		err := row.Scan(&c.ID, &c.DecisionBodyID, &c.DecisionBodyCode, &c.DecisionBodyName, &c.Year, &c.Status, &c.PartyDocNumber,
			&c.PartyDocDate, &c.PublishedAt, &c.CreatedAt)
		return c, err
	})
	if err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

func getCatalogue(ctx context.Context, tx pgx.Tx, id int64, lock bool) (Catalogue, error) {
	where := `c.id = $1`
	if lock {
		where += ` FOR UPDATE OF c`
	}
	list, err := queryCatalogues(ctx, tx, where, id)
	if err != nil {
		return Catalogue{}, err
	}
	if len(list) == 0 {
		return Catalogue{}, errCatalogueNotFound
	}
	return list[0], nil
}

// lockCatalogueForStaff locks a catalogue for a change by the decision
// body's staff (or an admin). One the actor may not see is not found;
// otherwise requireBodyStaff decides.
func lockCatalogueForStaff(ctx context.Context, tx pgx.Tx, actor *identity.Account, id int64) (Catalogue, error) {
	c, err := getCatalogue(ctx, tx, id, true)
	if err != nil {
		return Catalogue{}, err
	}
	if !visible(actor, &c) {
		return Catalogue{}, errCatalogueNotFound
	}
	if err := requireBodyStaff(actor, c.DecisionBodyID); err != nil {
		return Catalogue{}, err
	}
	return c, nil
}

// writeCatalogue runs fn in a transaction on the catalogue as locked for a
// change by the decision body's staff (lockCatalogueForStaff).
func (s *Service) writeCatalogue(ctx context.Context, actor *identity.Account, catalogueID int64,
	fn func(tx pgx.Tx, c Catalogue) error) error {
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		c, err := lockCatalogueForStaff(ctx, tx, actor, catalogueID)
		if err != nil {
			return err
		}
		return fn(tx, c)
	})
}

// visible reports whether the actor may see a catalogue: published ones
// are public; drafts only to the body's staff and admins.
func visible(actor *identity.Account, c *Catalogue) bool {
	return c.Status == StatusPublished || (actor != nil && (actor.HasRole(identity.RoleAdmin) || actor.IsStaffOf(c.DecisionBodyID)))
}

// CreateCatalogue starts a decision body's catalogue for a year, as a
// draft. Staff of the body (or admins) may call it. Codes:
// decision_body_not_found, invalid_year (422), not_decision_body_staff
// (403), catalogue_exists (409).
func (s *Service) CreateCatalogue(ctx context.Context, actor *identity.Account, bodyCode string, year int) (Catalogue, error) {
	if year < 2000 || year > 2100 {
		return Catalogue{}, errs.InvalidField("invalid_year", "year", "年度须为2000至2100之间")
	}
	var id int64
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		bodyID, err := body(ctx, tx, bodyCode)
		if err != nil {
			return err
		}
		if err := requireBodyStaff(actor, bodyID); err != nil {
			return err
		}
		now := s.now()
		err = tx.QueryRow(ctx, `INSERT INTO catalogues (decision_body_id, year, created_by, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (decision_body_id, year) DO NOTHING RETURNING id`, bodyID, year, actor.ID, now).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Conflict("catalogue_exists", strconv.Itoa(year)+"年度的决策事项目录已经存在")
		}
		if err != nil {
			return errs.Internal(err)
		}
		return s.step(ctx, tx, Catalogue{ID: id, DecisionBodyID: bodyID, Year: year}, nil, "catalogue_created", map[string]any{"year": year},
			actor, now, boundRow{"catalogues", id})
	})
	if err != nil {
		return Catalogue{}, err
	}
	return s.GetCatalogue(ctx, actor, id)
}

// ListCatalogues lists catalogues, newest year first: the published ones
// for everyone, and drafts of the actor's own body (all for admins).
// bodyCode filters by decision body when not empty.
func (s *Service) ListCatalogues(ctx context.Context, actor *identity.Account, bodyCode string) ([]Catalogue, error) {
	var out []Catalogue
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		list, err := queryCatalogues(ctx, tx, `($1 = '' OR b.code = $1) ORDER BY c.year DESC, b.code`, bodyCode)
		if err != nil {
			return err
		}
		for _, c := range list {
			if visible(actor, &c) {
				out = append(out, c)
			}
		}
		return nil
	})
	if out == nil {
		out = []Catalogue{}
	}
	return out, err
}

// GetCatalogue returns a catalogue with its items (each with the stage of
// its decision), its adjustments and its history. Published catalogues are
// public; drafts are for the body's staff and admins. Codes:
// catalogue_not_found.
func (s *Service) GetCatalogue(ctx context.Context, actor *identity.Account, id int64) (Catalogue, error) {
	var out Catalogue
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		c, err := getCatalogue(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if !visible(actor, &c) {
			return errCatalogueNotFound
		}
		if c.Items, err = queryItems(ctx, tx, `i.catalogue_id = $1 ORDER BY i.planned_quarter, i.id`, id); err != nil {
			return err
		}
		if c.Adjustments, err = queryAdjustments(ctx, tx, `catalogue_id = $1 ORDER BY id`, id); err != nil {
			return err
		}
		if c.History, err = pgrows.AllByPos[Event](ctx, tx, `SELECT id, item_id, kind, payload, created_at FROM catalogue_events
			WHERE catalogue_id = $1 ORDER BY id`, id); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// The stage of a linked decision is read from the decisions table (the
// catalogue writes none of consultation's tables; it reads the stage the
// public catalogue page shows).
const itemColumns = `i.id, i.catalogue_id, i.title, i.lead_agency_id, l.code, l.name, i.domain, i.category, i.planned_quarter,
	i.hearing_planned, i.survey_planned, i.status = 'removed', i.decision_id, coalesce(d.status, '')`

func queryItems(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]Item, error) {
	rows, err := tx.Query(ctx, `SELECT `+itemColumns+` FROM catalogue_items i JOIN agencies l ON l.id = i.lead_agency_id
		LEFT JOIN decisions d ON d.id = i.decision_id WHERE `+where, args...)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Item, error) {
		var it Item
		err := row.Scan(&it.ID, &it.CatalogueID, &it.Title, &it.LeadAgencyID, &it.LeadAgencyCode, &it.LeadAgencyName, &it.Domain, &it.Category,
			&it.PlannedQuarter, &it.HearingPlanned, &it.SurveyPlanned, &it.Removed, &it.DecisionID, &it.DecisionStatus)
		return it, err
	})
	if err != nil {
		return nil, errs.Internal(err)
	}
	for i := range out {
		if ini, err := getInitiation(ctx, tx, out[i].ID); err == nil {
			out[i].Initiation = &ini
		} else if !errs.HasCode(err, "initiation_not_found") {
			return nil, err
		}
	}
	if out == nil {
		out = []Item{}
	}
	return out, nil
}

// cleanItem validates an item's fields and resolves its lead unit.
func cleanItem(ctx context.Context, tx pgx.Tx, in ItemInput) (ItemInput, int64, error) {
	var err error
	if in.Title, err = errs.Text("title", "事项名称", in.Title, 200, true); err != nil {
		return in, 0, err
	}
	if in.Category.Excluded() {
		e := errs.InvalidField("excluded_matter", "category", "财政政策、货币政策等宏观调控决策，政府立法决策以及突发事件应急处置决策不适用重大行政决策程序（《重大行政决策程序暂行条例》第三条）")
		e.Basis = "Decree 713 Art. 3"
		return in, 0, e
	}
	if consultation.CategoryNames[in.Category] == "" {
		return in, 0, errs.InvalidField("invalid_category", "category", "请选择决策事项类别")
	}
	if consultation.DomainNames[in.Domain] == "" {
		return in, 0, errs.InvalidField("invalid_domain", "domain", "请选择领域")
	}
	if in.PlannedQuarter < 1 || in.PlannedQuarter > 4 {
		return in, 0, errs.InvalidField("invalid_planned_quarter", "planned_quarter", "计划完成季度须为1至4")
	}
	var lead int64
	err = tx.QueryRow(ctx, `SELECT id FROM agencies WHERE code = $1 AND kind IN ('government', 'department')`, in.LeadAgency).Scan(&lead)
	if errors.Is(err, pgx.ErrNoRows) && strings.TrimSpace(in.LeadAgency) == "" {
		return in, 0, errs.InvalidField("lead_agency_not_found", "lead_agency", "请选择承办单位")
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return in, 0, errs.InvalidField("lead_agency_not_found", "lead_agency", "没有代码为“"+in.LeadAgency+"”的承办单位")
	}
	if err != nil {
		return in, 0, errs.Internal(err)
	}
	return in, lead, nil
}

func insertItem(ctx context.Context, tx pgx.Tx, catalogueID int64, in ItemInput, lead int64, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO catalogue_items (catalogue_id, title, lead_agency_id, domain, category, planned_quarter, hearing_planned,
		survey_planned, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, catalogueID, in.Title, lead, in.Domain, in.Category,
		in.PlannedQuarter, in.HearingPlanned, in.SurveyPlanned, now).Scan(&id)
	if err != nil {
		return 0, errs.Internal(err)
	}
	return id, nil
}

// AddCatalogueItem adds an item to a draft catalogue. Once the Party
// committee agreed, items change only through adjustments. Staff of the
// body (or admins) may call it. Codes: catalogue_not_found,
// not_decision_body_staff, title_required, title_too_long,
// excluded_matter, invalid_category, invalid_domain,
// invalid_planned_quarter, lead_agency_not_found (422),
// catalogue_not_draft (409).
func (s *Service) AddCatalogueItem(ctx context.Context, actor *identity.Account, catalogueID int64, in ItemInput) (Item, error) {
	var out Item
	err := s.writeCatalogue(ctx, actor, catalogueID, func(tx pgx.Tx, c Catalogue) (err error) {
		if c.Status != StatusDraft {
			return errs.Conflict("catalogue_not_draft", "目录已经党委同意或已公布，增加事项须提出目录调整")
		}
		in, lead, err := cleanItem(ctx, tx, in)
		if err != nil {
			return err
		}
		now := s.now()
		id, err := insertItem(ctx, tx, c.ID, in, lead, now)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(in)
		var fields map[string]any
		_ = json.Unmarshal(raw, &fields)
		if err := s.step(ctx, tx, c, &id, "item_added", fields, actor, now, boundRow{"catalogue_items", id}); err != nil {
			return err
		}
		items, err := queryItems(ctx, tx, `i.id = $1`, id)
		if err != nil {
			return err
		}
		out = items[0]
		return nil
	})
	return out, err
}
