package supervision

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Rectification is a department's report of how it rectified a problem
// (整改情况) and the office's verdict on it.
type Rectification struct {
	ID          int64      `db:"id" json:"id"`
	ProblemID   int64      `db:"problem_id" json:"problem_id"`
	Report      string     `db:"report" json:"report"`
	Evidence    string     `db:"evidence" json:"evidence"`
	SubmittedBy int64      `db:"submitted_by" json:"submitted_by"`
	SubmittedAt time.Time  `db:"submitted_at" json:"submitted_at"`
	Outcome     string     `db:"outcome" json:"outcome"`
	ReviewNote  string     `db:"review_note" json:"review_note"`
	ReviewedBy  *int64     `db:"reviewed_by" json:"reviewed_by,omitempty"`
	ReviewedAt  *time.Time `db:"reviewed_at" json:"reviewed_at,omitempty"`
}

func (s *Service) rectifications(ctx context.Context, problemID int64) ([]Rectification, error) {
	return pgrows.All[Rectification](ctx, s.DB, `SELECT * FROM problem_rectifications WHERE problem_id = $1 ORDER BY id`, problemID)
}

// SubmitRectification is the department's rectification report with its
// evidence. Only staff of the problem's department may submit, and only
// while the problem is open or was sent back. Codes: problem_not_found,
// not_problem_department, problem_not_open, invalid_rectification.
func (s *Service) SubmitRectification(ctx context.Context, actor *identity.Account, problemID int64, report, evidence string) (Rectification, error) {
	report, evidence = strings.TrimSpace(report), strings.TrimSpace(evidence)
	if report == "" {
		return Rectification{}, errs.InvalidField("invalid_rectification", "report", "请写明整改情况")
	}
	var out Rectification
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		p, err := getProblem(ctx, tx, problemID, true)
		if err != nil {
			return err
		}
		if actor == nil || !actor.IsStaffOf(p.AgencyID) {
			if actor != nil && actor.HasRole(roleSupervisor, identity.RoleAdmin) {
				return errs.Forbidden("not_problem_department", "整改情况由责任单位报送")
			}
			return errs.NotFound("problem_not_found", "问题不存在")
		}
		if p.Status != "open" && p.Status != "returned" {
			return errs.Conflict("problem_not_open", "该问题不在待整改状态")
		}
		now := s.now()
		if out, err = pgrows.Returning[Rectification](ctx, tx, `INSERT INTO problem_rectifications (problem_id, report, evidence, submitted_by, submitted_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING *`, problemID, report, evidence, actor.ID, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE supervision_problems SET status = 'rectification_submitted' WHERE id = $1`, problemID); err != nil {
			return errs.Internal(err)
		}
		return logAction(ctx, tx, now, actor, "rectification_submitted", problemSubject(problemID),
			map[string]any{"rectification_id": out.ID, "report": report, "evidence": evidence})
	})
	return out, err
}

// reviewRectification is the office's verdict on the latest report.
func (s *Service) reviewRectification(ctx context.Context, actor *identity.Account, problemID int64, accept bool, note string) (Problem, error) {
	if err := requireOffice(actor); err != nil {
		return Problem{}, err
	}
	note = strings.TrimSpace(note)
	if !accept && note == "" {
		return Problem{}, errs.InvalidField("invalid_review_note", "note", "退回整改须写明理由")
	}
	var out Problem
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		p, err := lockGovernedProblem(ctx, tx, actor, problemID)
		if err != nil {
			return err
		}
		if p.Status != "rectification_submitted" {
			return errs.Conflict("no_rectification_pending", "该问题没有待核查的整改情况")
		}
		now := s.now()
		outcome, status, kind := "returned", "returned", "rectification_returned"
		if accept {
			outcome, status, kind = "accepted", "closed", "problem_closed"
		}
		if _, err := tx.Exec(ctx, `UPDATE problem_rectifications SET outcome = $2, review_note = $3, reviewed_by = $4,
			reviewed_at = $5 WHERE id = (SELECT max(id) FROM problem_rectifications WHERE problem_id = $1)`,
			problemID, outcome, note, actor.ID, now); err != nil {
			return errs.Internal(err)
		}
		if accept {
			_, err = tx.Exec(ctx, `UPDATE supervision_problems SET status = 'closed', closed_at = $2, closed_by = $3 WHERE id = $1`,
				problemID, now, actor.ID)
		} else {
			_, err = tx.Exec(ctx, `UPDATE supervision_problems SET status = $2 WHERE id = $1`, problemID, status)
		}
		if err != nil {
			return errs.Internal(err)
		}
		if err := logAction(ctx, tx, now, actor, kind, problemSubject(problemID), map[string]any{"note": note}); err != nil {
			return err
		}
		title := "整改已核查销号：" + p.Rule
		if !accept {
			title = "整改被退回，请继续整改：" + p.Rule
		}
		if err := notify(ctx, tx, now, p.AgencyID, kind, title, "/supervision/problems/"+itoa(problemID),
			kind+":"+itoa(problemID)+":"+now.Format(time.RFC3339Nano)); err != nil {
			return err
		}
		out, err = getProblem(ctx, tx, problemID, false)
		return err
	})
	return out, err
}

// CloseProblem verifies the department's rectification and closes the
// problem (销号). Codes: not_supervisor, problem_not_found,
// no_rectification_pending.
func (s *Service) CloseProblem(ctx context.Context, actor *identity.Account, problemID int64, note string) (Problem, error) {
	return s.reviewRectification(ctx, actor, problemID, true, note)
}

// ReturnRectification sends the rectification back with the reason.
// Codes: not_supervisor, problem_not_found, no_rectification_pending,
// invalid_review_note.
func (s *Service) ReturnRectification(ctx context.Context, actor *identity.Account, problemID int64, note string) (Problem, error) {
	return s.reviewRectification(ctx, actor, problemID, false, note)
}

// Circulation is a circulated problem list (问题清单通报), fixed once issued.
type Circulation struct {
	ID          int64     `db:"id" json:"id"`
	Title       string    `db:"title" json:"title"`
	Number      string    `db:"number" json:"number"`
	ProblemIDs  []int64   `db:"problem_ids" json:"problem_ids"`
	Content     []Problem `db:"content" json:"content"`
	ContentHash string    `db:"content_hash" json:"content_hash"`
	Signature   string    `db:"signature" json:"signature"`
	SignerKey   string    `db:"signer_key" json:"signer_key"`
	IssuedBy    int64     `db:"issued_by" json:"issued_by"`
	IssuedAt    time.Time `db:"issued_at" json:"issued_at"`
}

// CirculateProblemList issues a circulation of the given problems (all
// open ones when none are named): their content as of now is fixed,
// hashed and signed, and every department concerned is told.
// Codes: not_supervisor, invalid_circulation.
func (s *Service) CirculateProblemList(ctx context.Context, actor *identity.Account, title, number string, problemIDs []int64) (Circulation, error) {
	if err := requireOffice(actor); err != nil {
		return Circulation{}, err
	}
	title = strings.TrimSpace(title)
	if title == "" {
		return Circulation{}, errs.InvalidField("invalid_circulation", "title", "请填写通报标题")
	}
	var out Circulation
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+problemColumns+` FROM supervision_problems p JOIN agencies a ON a.id = p.agency_id
			WHERE ((cardinality(coalesce($1::bigint[], '{}')) = 0 AND p.status <> 'closed') OR p.id = ANY($1)) AND `+governed(2)+`
			ORDER BY p.agency_id, p.id`, problemIDs, bodyOf(actor))
		if err != nil {
			return errs.Internal(err)
		}
		ps, err := pgx.CollectRows(rows, pgx.RowToStructByName[Problem])
		if err != nil {
			return errs.Internal(err)
		}
		if len(ps) == 0 || (len(problemIDs) > 0 && len(ps) != len(uniq(problemIDs))) {
			return errs.InvalidField("invalid_circulation", "problem_ids", "没有可通报的问题，或所选问题不存在")
		}
		ids := make([]int64, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		content, err := json.Marshal(ps)
		if err != nil {
			return errs.Internal(err)
		}
		hash, sig, key, err := s.signContent(ctx, content)
		if err != nil {
			return err
		}
		now := s.now()
		if out, err = pgrows.Returning[Circulation](ctx, tx, `INSERT INTO problem_circulations (title, number, problem_ids, content, content_hash, signature,
			signer_key, issued_by, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
			title, strings.TrimSpace(number), ids, content, hash, sig, key, actor.ID, now); err != nil {
			return err
		}
		if err := logAction(ctx, tx, now, actor, "problem_list_circulated", "circulation:"+itoa(out.ID),
			map[string]any{"problem_ids": ids, "content_hash": hash}); err != nil {
			return err
		}
		told := map[int64]bool{}
		for _, p := range ps {
			if told[p.AgencyID] {
				continue
			}
			told[p.AgencyID] = true
			if err := notify(ctx, tx, now, p.AgencyID, "problem_list_circulated", "问题清单通报："+title,
				"/supervision/circulations/"+itoa(out.ID), "circulation:"+itoa(out.ID)+":"+itoa(p.AgencyID)); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// GetCirculation returns an issued circulation to the office or a
// department it concerns. Codes: circulation_not_found.
func (s *Service) GetCirculation(ctx context.Context, actor *identity.Account, id int64) (Circulation, error) {
	c, err := pgrows.One[Circulation](ctx, s.DB, errs.NotFound("circulation_not_found", "通报不存在"),
		`SELECT * FROM problem_circulations WHERE id = $1`, id)
	if err != nil {
		return Circulation{}, err
	}
	if actor.HasRole(identity.RoleAdmin) {
		return c, nil
	}
	for _, p := range c.Content {
		if actor.HasRole(roleSupervisor) && requireGoverns(ctx, s.DB, actor, p.AgencyID, "", "") == nil {
			return c, nil
		}
		if actor.IsStaffOf(p.AgencyID) {
			return c, nil
		}
	}
	return Circulation{}, errs.NotFound("circulation_not_found", "通报不存在")
}

// AccountabilitySuggestion is a suggestion of accountability to the
// city's rule-of-law committee (问责建议), its own recorded step.
type AccountabilitySuggestion struct {
	ID         int64     `db:"id" json:"id"`
	ProblemID  int64     `db:"problem_id" json:"problem_id"`
	Committee  string    `db:"committee" json:"committee"`
	Suggestion string    `db:"suggestion" json:"suggestion"`
	RecordedBy int64     `db:"recorded_by" json:"recorded_by"`
	RecordedAt time.Time `db:"recorded_at" json:"recorded_at"`
}

// RecordAccountabilitySuggestion records the office's suggestion of
// accountability for a problem. Codes: not_supervisor, problem_not_found,
// invalid_suggestion.
func (s *Service) RecordAccountabilitySuggestion(ctx context.Context, actor *identity.Account, problemID int64, committee, suggestion string) (AccountabilitySuggestion, error) {
	if err := requireOffice(actor); err != nil {
		return AccountabilitySuggestion{}, err
	}
	suggestion, committee = strings.TrimSpace(suggestion), strings.TrimSpace(committee)
	if suggestion == "" {
		return AccountabilitySuggestion{}, errs.InvalidField("invalid_suggestion", "suggestion", "请写明问责建议")
	}
	if committee == "" {
		committee = "市委全面依法治市委员会"
	}
	var out AccountabilitySuggestion
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		_, err := lockGovernedProblem(ctx, tx, actor, problemID)
		if err != nil {
			return err
		}
		now := s.now()
		if out, err = pgrows.Returning[AccountabilitySuggestion](ctx, tx, `INSERT INTO accountability_suggestions (problem_id, committee, suggestion, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING *`, problemID, committee, suggestion, actor.ID, now); err != nil {
			return err
		}
		return logAction(ctx, tx, now, actor, "accountability_suggested", problemSubject(problemID),
			map[string]any{"committee": committee, "suggestion": suggestion})
	})
	return out, err
}

// reminderWorkingDays is how far ahead a department is reminded of a
// rectification deadline: when no more than this many working days are
// left, the deadline's own day included.
const reminderWorkingDays = 3

// EscalateOverdueProblems raises the escalation level of every unclosed
// problem past its deadline (once per level: level 1 when overdue, level 2
// ten working days later) and tells its department; it also reminds
// departments of deadlines three working days ahead. A problem whose rectification
// awaits the office's check is left alone. The scheduled job runs it;
// it returns how many problems escalated.
func (s *Service) EscalateOverdueProblems(ctx context.Context) (int, error) {
	cal, err := s.Calendar.Current(ctx)
	if err != nil {
		return 0, errs.Internal(err)
	}
	now := s.now()
	// Every unclosed problem that may be due within the reminder's three
	// working days (at most 14 calendar days: the longest holiday with the
	// weekends around it is shorter) or overdue, however many (the office's
	// list stops at 1,000).
	soon := now.In(shanghaiLoc()).AddDate(0, 0, 14).Format("2006-01-02")
	ps, err := pgrows.All[Problem](ctx, s.DB, `SELECT `+problemColumns+` FROM supervision_problems p JOIN agencies a ON a.id = p.agency_id
		WHERE p.status <> 'closed' AND p.deadline <= $1::date ORDER BY p.deadline, p.id`, soon)
	if err != nil {
		return 0, errs.Internal(err)
	}
	n := 0
	for _, p := range ps {
		// The department has reported; the office's check is pending. The
		// wait is the office's, not the department's: no escalation, no
		// reminder, until the report is sent back.
		if p.Status == "rectification_submitted" {
			continue
		}
		end := time.Date(p.Deadline.Year(), p.Deadline.Month(), p.Deadline.Day()+1, 0, 0, 0, 0, shanghaiLoc())
		level := 0
		switch {
		case now.After(cal.AddWorkingDays(end, 10)):
			level = 2
		case now.After(end):
			level = 1
		case cal.WorkingDaysBetween(now, end) <= reminderWorkingDays:
			// Three working days ahead, on the calendar: three calendar
			// days announced a Monday's deadline on the Saturday before
			// (outside check).
			err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
				return notify(ctx, tx, now, p.AgencyID, "deadline_approaching", "整改期限临近（"+p.Deadline.Format("1月2日")+"）："+p.Rule,
					"/supervision/problems/"+itoa(p.ID), "approaching:"+itoa(p.ID)+":"+p.Deadline.Format("2006-01-02"))
			})
			if err != nil {
				return n, err
			}
		}
		if level <= p.EscalationLevel {
			continue
		}
		err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `UPDATE supervision_problems SET escalation_level = $2, escalated_at = $3
				WHERE id = $1 AND escalation_level < $2 AND status <> 'closed'`, p.ID, level, now)
			if err != nil {
				return errs.Internal(err)
			}
			if tag.RowsAffected() == 0 {
				return nil
			}
			n++
			if err := logAction(ctx, tx, now, nil, "problem_escalated", problemSubject(p.ID), map[string]any{"level": level}); err != nil {
				return err
			}
			title := "整改逾期，已升级督办：" + p.Rule
			if level == 2 {
				title = "整改逾期超过10个工作日，已报请领导督办：" + p.Rule
			}
			return notify(ctx, tx, now, p.AgencyID, "problem_escalated", title, "/supervision/problems/"+itoa(p.ID),
				"escalated:"+itoa(p.ID)+":"+itoa(int64(level)))
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
