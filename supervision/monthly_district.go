package supervision

import (
	"context"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// ReportScope says whose monthly report a report is.
type ReportScope string

// The scopes of a monthly report.
const (
	// ScopeCity is the city-wide report (AgencyID nil), the city's office's.
	ScopeCity ReportScope = "city"
	// ScopeDepartment is one lead unit's report (AgencyID the unit).
	ScopeDepartment ReportScope = "department"
	// ScopeDistrict is a district's report (AgencyID the district's
	// government): its government and the departments it governs, the
	// district's office's to analyse and issue.
	ScopeDistrict ReportScope = "district"
)

// districtMember is the condition, on agencies row alias, that it is the
// district's (its government param's) own: the district's government or a
// department that belongs to it. Strictly so: a department with no parent
// recorded, which governedSQL gives every office of a single-city
// deployment, belongs to no district's report, and neither does a
// township government under the district (it has its own office).
func districtMember(alias, param string) string {
	return "(" + alias + ".id = " + param + " OR (" + alias + ".parent_id = " + param + " AND " + alias +
		".kind <> 'government'))"
}

// district is a district's government with the agencies whose decisions
// its report counts (districtMember).
type district struct {
	id      int64
	name    string
	members map[int64]bool
}

// loadDistricts reads every district: a government whose parent is a
// government with no parent (the city), as the README defines a district's
// office.
func loadDistricts(ctx context.Context, q querier) ([]district, error) {
	rows, err := q.Query(ctx, `SELECT g.id, g.name, a.id
		FROM agencies g
		JOIN agencies c ON c.id = g.parent_id AND c.kind = 'government' AND c.parent_id IS NULL
		JOIN agencies a ON `+districtMember("a", "g.id")+`
		WHERE g.kind = 'government' ORDER BY g.id, a.id`)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []district
	var id, member int64
	var name string
	_, err = pgx.ForEachRow(rows, []any{&id, &name, &member}, func() error {
		if len(out) == 0 || out[len(out)-1].id != id {
			out = append(out, district{id: id, name: name, members: map[int64]bool{}})
		}
		out[len(out)-1].members[member] = true
		return nil
	})
	if err != nil {
		return nil, errs.Internal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

// districtScopeName is how a district's report names its scope: the
// government's name without 人民政府 (新华区人民政府: 新华区), as 全市 names
// the city's.
func districtScopeName(government string) string {
	if n := strings.TrimSuffix(government, "人民政府"); n != "" {
		return n
	}
	return government
}

// mayReadDistrict reports whether the actor may read district report r
// (not published): the district's own office in draft and issued (admins
// too); once issued, the office of the government the district belongs to
// (the city's) and the staff of the district's government and of its
// departments. Another district's office never, nor the city's office a
// draft.
func (s *Service) mayReadDistrict(ctx context.Context, actor *identity.Account, r MonthlyReport) (bool, error) {
	gov := *r.AgencyID
	switch {
	case actor.HasRole(roleSupervisor, identity.RoleAdmin):
		body := bodyOf(actor)
		if body == 0 || body == gov {
			return true, nil
		}
		if !r.Issued() {
			return false, nil
		}
		return s.agencyTest(ctx, `SELECT EXISTS (SELECT 1 FROM agencies WHERE id = $1 AND parent_id = $2)`, gov, body)
	case r.Issued() && actor.Role == identity.RoleAgencyStaff && actor.AgencyID != nil:
		return s.agencyTest(ctx, `SELECT EXISTS (SELECT 1 FROM agencies a WHERE a.id = $2 AND `+districtMember("a", "$1")+`)`,
			gov, *actor.AgencyID)
	}
	return false, nil
}

// agencyTest runs a query answering one boolean.
func (s *Service) agencyTest(ctx context.Context, sql string, args ...any) (bool, error) {
	var ok bool
	if err := s.DB.QueryRow(ctx, sql, args...).Scan(&ok); err != nil {
		return false, errs.Internal(err)
	}
	return ok, nil
}

// districtLeadUnits are the district's own agencies that lead a decision
// of the district: whom an issued district report is sent to.
func districtLeadUnits(ctx context.Context, tx pgx.Tx, gov int64) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT d.lead_agency_id FROM decisions d
		JOIN agencies b ON b.id = d.decision_body_id
		JOIN agencies a ON a.id = d.lead_agency_id
		WHERE `+districtMember("b", "$1")+` AND `+districtMember("a", "$1")+`
		ORDER BY 1`, gov)
	if err != nil {
		return nil, errs.Internal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, errs.Internal(err)
	}
	return ids, nil
}
