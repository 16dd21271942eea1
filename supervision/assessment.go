package supervision

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Indicator is one line of the year-end assessment (依法行政考核).
type Indicator struct {
	Key    string  `json:"key"`
	Title  string  `json:"title"`
	Weight float64 `json:"weight"`
}

// DefaultIndicators are the indicators and weights used until the office
// sets its own for the year.
var DefaultIndicators = []Indicator{
	{"procedure_compliance", "决策程序合规率", 30},
	{"report_timeliness", "意见采纳情况公布及时率", 20},
	{"survey_coverage", "民生事项民意调查覆盖率", 20},
	{"review_outcomes", "合法性审查通过率", 10},
	{"rectification_on_time", "问题按期整改率", 20},
}

func indicatorTitle(key string) string {
	for _, i := range DefaultIndicators {
		if i.Key == key {
			return i.Title
		}
	}
	return ""
}

// IndicatorScore is one indicator's computed rate for a department, with
// what it counted so the score traces back to decisions and problems.
type IndicatorScore struct {
	Indicator   Indicator `json:"indicator"`
	Numerator   int       `json:"numerator"`
	Denominator int       `json:"denominator"`
	// Rate is numerator/denominator; an indicator with nothing to count
	// scores full marks (nothing was done wrong) and says so.
	Rate        float64 `json:"rate"`
	Points      float64 `json:"points"`
	DecisionIDs []int64 `json:"decision_ids,omitempty"`
	ProblemIDs  []int64 `json:"problem_ids,omitempty"`
}

// DepartmentScore is a department's scoring sheet.
type DepartmentScore struct {
	AgencyID   int64            `json:"agency_id"`
	AgencyName string           `json:"agency_name"`
	Computed   float64          `json:"computed"`
	Adjusted   *float64         `json:"adjusted,omitempty"`
	Reason     string           `json:"adjustment_reason,omitempty"`
	Lines      []IndicatorScore `json:"lines"`
}

// Final is the score that counts: the adjusted one when there is one.
func (d DepartmentScore) Final() float64 {
	if d.Adjusted != nil {
		return *d.Adjusted
	}
	return d.Computed
}

// Assessment is the year-end assessment of every department.
type Assessment struct {
	Year        int               `json:"year"`
	Indicators  []Indicator       `json:"indicators"`
	Departments []DepartmentScore `json:"departments"`
}

// Indicators returns the year's indicators (the defaults until set).
func (s *Service) Indicators(ctx context.Context, year int) ([]Indicator, error) {
	rows, err := s.DB.Query(ctx, `SELECT key, weight::float8 FROM assessment_indicators WHERE year = $1 ORDER BY key`, year)
	if err != nil {
		return nil, errs.Internal(err)
	}
	set := map[string]float64{}
	var key string
	var w float64
	if _, err := pgx.ForEachRow(rows, []any{&key, &w}, func() error { set[key] = w; return nil }); err != nil {
		return nil, errs.Internal(err)
	}
	out := make([]Indicator, len(DefaultIndicators))
	copy(out, DefaultIndicators)
	if len(set) > 0 {
		for i := range out {
			out[i].Weight = set[out[i].Key]
		}
	}
	return out, nil
}

// UpdateAssessmentIndicators sets the weights of the year's indicators;
// they must be known indicators summing to 100. The weights are the city's:
// only the city's office (cityOffice) or an admin sets them (a district's
// office used to: outside check, security). Codes: not_supervisor,
// not_city_office, invalid_indicators.
func (s *Service) UpdateAssessmentIndicators(ctx context.Context, actor *identity.Account, year int, weights map[string]float64) ([]Indicator, error) {
	if err := requireOffice(actor); err != nil {
		return nil, err
	}
	if err := checkAssessmentYear(year); err != nil {
		return nil, err
	}
	if city, err := cityOffice(ctx, s.DB, actor); err != nil {
		return nil, err
	} else if !city {
		return nil, errs.Forbidden("not_city_office", "考核指标由市法治政府建设办公室设定")
	}
	sum := 0.0
	for k, w := range weights {
		if indicatorTitle(k) == "" || w < 0 || w > 100 {
			return nil, errs.InvalidField("invalid_indicators", k, "未知的考核指标或权重不在0至100之间")
		}
		sum += w
	}
	if len(weights) != len(DefaultIndicators) || sum < 99.999 || sum > 100.001 {
		return nil, errs.Invalid("invalid_indicators", "须为每项考核指标设定权重，合计为100")
	}
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		now := s.now()
		for k, w := range weights {
			if _, err := tx.Exec(ctx, `INSERT INTO assessment_indicators (year, key, weight, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (year, key) DO UPDATE SET weight = $3, updated_by = $4, updated_at = $5`,
				year, k, w, actor.ID, now); err != nil {
				return errs.Internal(err)
			}
		}
		return logAction(ctx, tx, now, actor, "assessment_indicators_updated", "assessment:"+itoa(int64(year)), weights)
	})
	if err != nil {
		return nil, err
	}
	return s.Indicators(ctx, year)
}

// The years an assessment may be asked for: from the first year the
// platform's rules were in force to as far as the calendar reaches (the
// API's schema says the same).
const (
	MinAssessmentYear = 2019
	MaxAssessmentYear = 2100
)

// checkAssessmentYear refuses a year outside MinAssessmentYear to
// MaxAssessmentYear: a page's link without a year asked for year 0, whose
// 1 January PostgreSQL refused (500; outside check sec3). Codes:
// invalid_year.
func checkAssessmentYear(year int) error {
	if year < MinAssessmentYear || year > MaxAssessmentYear {
		return errs.Invalid("invalid_year", fmt.Sprintf("考核年度须在%d年至%d年之间", MinAssessmentYear, MaxAssessmentYear))
	}
	return nil
}

// GetAnnualAssessment computes the year's scoring sheet for every
// department (or the actor's own, for department staff), from the
// decisions it led in the year, evaluated at the year's end (or now,
// during the year), and the problems due in the year.
func (s *Service) GetAnnualAssessment(ctx context.Context, actor *identity.Account, year int) (Assessment, error) {
	if err := checkAssessmentYear(year); err != nil {
		return Assessment{}, err
	}
	var only int64
	if actor != nil && actor.Role == identity.RoleAgencyStaff && actor.AgencyID != nil {
		only = *actor.AgencyID
	}
	if err := s.requireScope(actor, only); err != nil {
		return Assessment{}, err
	}
	inds, err := s.Indicators(ctx, year)
	if err != nil {
		return Assessment{}, err
	}
	cal, err := s.Calendar.Current(ctx)
	if err != nil {
		return Assessment{}, errs.Internal(err)
	}
	start := time.Date(year, 1, 1, 0, 0, 0, 0, shanghaiLoc())
	end := start.AddDate(1, 0, 0)
	at := s.now()
	if at.After(end) {
		at = end
	}
	facts, err := loadFacts(ctx, s.DB, bodyOf(actor), only, 0)
	if err != nil {
		return Assessment{}, err
	}
	names, err := s.agencyNames(ctx)
	if err != nil {
		return Assessment{}, err
	}
	sheets := map[int64]*DepartmentScore{}
	type counts struct {
		n, d int
		ids  []int64
	}
	tally := map[int64]map[string]*counts{}
	get := func(agency int64, key string) *counts {
		if tally[agency] == nil {
			tally[agency] = map[string]*counts{}
			for _, i := range inds {
				tally[agency][i.Key] = &counts{}
			}
		}
		return tally[agency][key]
	}
	count := func(c *counts, ok bool, id int64) {
		c.d++
		if ok {
			c.n++
		}
		if len(c.ids) == 0 || c.ids[len(c.ids)-1] != id {
			c.ids = append(c.ids, id)
		}
	}
	for _, f := range facts {
		if !f.CreatedAt.Before(end) {
			continue
		}
		a := f.LeadAgencyID
		get(a, "procedure_compliance")
		for _, st := range Steps(asOf(f, at), cal, s.limits(), at) {
			switch st.State {
			case StepDone, StepSkipped:
				count(get(a, "procedure_compliance"), true, f.ID)
			case StepProblem, StepOverdue:
				count(get(a, "procedure_compliance"), false, f.ID)
			}
			if st.Key == "adoption_report" && (st.State == StepDone || st.State == StepProblem || st.State == StepOverdue) {
				count(get(a, "report_timeliness"), st.State == StepDone, f.ID)
			}
			if st.Key == "survey" && st.State != StepNotApplicable && st.State != StepNotYet && st.State != StepDue {
				count(get(a, "survey_coverage"), st.State == StepDone || st.State == StepSkipped, f.ID)
			}
		}
		if f.ConcludedAt != nil && f.ConcludedAt.Before(end) && !f.ConcludedAt.Before(start) {
			count(get(a, "review_outcomes"), f.ConclusionOutcome == nil || *f.ConclusionOutcome != "unlawful", f.ID)
		}
	}
	// Problems whose deadline fell in the year: closed by the deadline or
	// not; of the office's own government (governed: a district's office
	// used to score the city's departments by the city's problems).
	rows, err := s.DB.Query(ctx, `SELECT p.id, p.agency_id, p.deadline, p.closed_at FROM supervision_problems p
		JOIN agencies a ON a.id = p.agency_id
		WHERE p.deadline >= $1 AND p.deadline < $2 AND ($3::bigint = 0 OR p.agency_id = $3) AND `+governed(4)+` ORDER BY p.id`,
		start.Format("2006-01-02"), end.Format("2006-01-02"), only, bodyOf(actor))
	if err != nil {
		return Assessment{}, errs.Internal(err)
	}
	var pid, agency int64
	var deadline time.Time
	var closedAt *time.Time
	_, err = pgx.ForEachRow(rows, []any{&pid, &agency, &deadline, &closedAt}, func() error {
		dEnd := time.Date(deadline.Year(), deadline.Month(), deadline.Day()+1, 0, 0, 0, 0, shanghaiLoc())
		if at.Before(dEnd) && closedAt == nil {
			return nil // not yet due
		}
		c := get(agency, "rectification_on_time")
		c.d++
		if closedAt != nil && closedAt.Before(dEnd) {
			c.n++
		}
		c.ids = append(c.ids, pid)
		return nil
	})
	if err != nil {
		return Assessment{}, errs.Internal(err)
	}
	adjust, err := s.adjustments(ctx, year)
	if err != nil {
		return Assessment{}, err
	}
	totalWeight := 0.0
	for _, i := range inds {
		totalWeight += i.Weight
	}
	for agency, byKey := range tally {
		sh := &DepartmentScore{AgencyID: agency, AgencyName: names[agency]}
		for _, i := range inds {
			c := byKey[i.Key]
			line := IndicatorScore{Indicator: i, Numerator: c.n, Denominator: c.d, Rate: 1}
			if c.d > 0 {
				line.Rate = float64(c.n) / float64(c.d)
			}
			if i.Key == "rectification_on_time" {
				line.ProblemIDs = c.ids
			} else {
				line.DecisionIDs = c.ids
			}
			if totalWeight > 0 {
				line.Points = round1(line.Rate * i.Weight * 100 / totalWeight)
			}
			sh.Computed += line.Points
			sh.Lines = append(sh.Lines, line)
		}
		sh.Computed = round1(sh.Computed)
		if adj, ok := adjust[agency]; ok {
			v := adj.value
			sh.Adjusted, sh.Reason = &v, adj.reason
		}
		sheets[agency] = sh
	}
	out := Assessment{Year: year, Indicators: inds}
	for _, sh := range sheets {
		out.Departments = append(out.Departments, *sh)
	}
	sort.Slice(out.Departments, func(i, j int) bool { return out.Departments[i].AgencyID < out.Departments[j].AgencyID })
	return out, nil
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

type adjustment struct {
	value  float64
	reason string
}

func (s *Service) adjustments(ctx context.Context, year int) (map[int64]adjustment, error) {
	rows, err := s.DB.Query(ctx, `SELECT DISTINCT ON (agency_id) agency_id, adjusted::float8, reason FROM assessment_adjustments
		WHERE year = $1 ORDER BY agency_id, id DESC`, year)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := map[int64]adjustment{}
	var agency int64
	var v float64
	var reason string
	if _, err := pgx.ForEachRow(rows, []any{&agency, &v, &reason}, func() error {
		out[agency] = adjustment{v, reason}
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

// AdjustAssessmentScore sets a department's score by hand, with a written
// reason, kept beside the computed score (the computed one is never
// overwritten; every adjustment is kept). Codes: not_supervisor,
// invalid_adjustment.
func (s *Service) AdjustAssessmentScore(ctx context.Context, actor *identity.Account, year int, agencyID int64, score float64, reason string) (DepartmentScore, error) {
	if err := requireOffice(actor); err != nil {
		return DepartmentScore{}, err
	}
	var fields []errs.FieldError
	if score < 0 || score > 100 {
		fields = append(fields, errs.FieldError{Field: "score", Message: "分数须在0至100之间"})
	}
	if len([]rune(trim(reason))) < 5 {
		fields = append(fields, errs.FieldError{Field: "reason", Message: "调整分数须写明理由（不少于5个字）"})
	}
	if len(fields) > 0 {
		return DepartmentScore{}, &errs.Error{Kind: errs.KindInvalid, Code: "invalid_adjustment", Message: "分数调整填写有误", Fields: fields}
	}
	a, err := s.GetAnnualAssessment(ctx, actor, year)
	if err != nil {
		return DepartmentScore{}, err
	}
	var sheet *DepartmentScore
	for i := range a.Departments {
		if a.Departments[i].AgencyID == agencyID {
			sheet = &a.Departments[i]
		}
	}
	if sheet == nil {
		return DepartmentScore{}, errs.InvalidField("invalid_adjustment", "agency_id", "该单位本年度没有考核数据")
	}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO assessment_adjustments (year, agency_id, computed, adjusted, reason, adjusted_by, adjusted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, year, agencyID, sheet.Computed, score, trim(reason), actor.ID, now); err != nil {
			return errs.Internal(err)
		}
		return logAction(ctx, tx, now, actor, "assessment_score_adjusted", "assessment:"+itoa(int64(year))+":"+itoa(agencyID),
			map[string]any{"computed": sheet.Computed, "adjusted": score, "reason": trim(reason)})
	})
	if err != nil {
		return DepartmentScore{}, err
	}
	sheet.Adjusted, sheet.Reason = &score, trim(reason)
	return *sheet, nil
}
