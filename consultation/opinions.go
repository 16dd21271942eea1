package consultation

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
	"github.com/canyu-gov/canyu/internal/workday"
)

// Legal opinions (法律意见) of assigned legal advisers, the review
// department's conclusion (合法性审查意见) and the confirmation of a changed
// version, each signed by the platform in the process record over the
// draft version's content hash (signing.go).

// ReviewQuestion is one of the questions a legal opinion and a conclusion
// answer.
type ReviewQuestion string

// The three questions of Decree 713 Art. 27: (一) whether the matter is
// within the statutory authority; (二) whether the draft was formed through
// the statutory procedure; (三) whether its content complies with laws,
// regulations, rules and state policy.
const (
	QuestionAuthority ReviewQuestion = "authority" // 法定权限
	QuestionProcedure ReviewQuestion = "procedure" // 法定程序
	QuestionContent   ReviewQuestion = "content"   // 内容合法
)

// ReviewQuestions lists the questions of Decree 713 Art. 27, in its order;
// this is the one place they are listed.
var ReviewQuestions = []ReviewQuestion{QuestionAuthority, QuestionProcedure, QuestionContent}

// ReviewQuestionNames are the questions in Chinese.
var ReviewQuestionNames = map[ReviewQuestion]string{
	QuestionAuthority: "决策事项是否符合法定权限",
	QuestionProcedure: "决策草案的形成是否履行相关法定程序",
	QuestionContent:   "决策草案内容是否符合有关法律、法规、规章和国家政策的规定",
}

// Finding is the answer to one question.
type Finding string

// The findings.
const (
	FindingCompliant Finding = "compliant" // 符合
	FindingProblem   Finding = "problem"   // 存在问题
)

// ReviewOutcome is a conclusion's outcome, or a legal opinion's overall view
// (which cannot be exploratory_with_risk: that is the department's call).
type ReviewOutcome string

// The outcomes.
const (
	OutcomeLawful              ReviewOutcome = "lawful"                // 合法
	OutcomeLawfulWithChanges   ReviewOutcome = "lawful_with_changes"   // 修改后合法
	OutcomeUnlawful            ReviewOutcome = "unlawful"              // 不合法
	OutcomeExploratoryWithRisk ReviewOutcome = "exploratory_with_risk" // 探索性改革，明示法律风险 (Art. 25)
)

// Limits of opinion and conclusion text.
const (
	MaxReasoningRunes      = 10_000
	MaxCitedProvisions     = 50
	MaxCitedProvisionRunes = 500
)

// QuestionFinding answers one question of Art. 27.
type QuestionFinding struct {
	Question        ReviewQuestion `json:"question"`
	Finding         Finding        `json:"finding"`
	Reasoning       string         `json:"reasoning"`
	CitedProvisions []string       `json:"cited_provisions"`
}

// LegalOpinion is a signed legal opinion.
type LegalOpinion struct {
	ID                 int64
	ReviewID           int64
	DecisionID         int64
	VersionID          int64
	VersionNumber      int
	VersionHash        string
	AdviserID          int64
	AdviserDisplayName string
	Findings           []QuestionFinding
	Overall            ReviewOutcome
	Changes            string
	RecordSeq          int64
	CreatedAt          time.Time
}

// ReviewConclusion is the department's signed conclusion.
type ReviewConclusion struct {
	ID              int64
	ReviewID        int64
	DecisionID      int64
	VersionID       int64
	VersionNumber   int
	VersionHash     string
	ReviewerID      int64
	Findings        []QuestionFinding
	Outcome         ReviewOutcome
	Changes         string
	RiskStatement   string
	ExpediteReason  string
	Resolution      string
	EarliestAt      time.Time
	CalendarVersion string
	RecordSeq       int64
	CreatedAt       time.Time
}

// ReviewConfirmation is a reviewer's confirmation that a new version makes
// the changes a lawful_with_changes conclusion required.
type ReviewConfirmation struct {
	ID            int64
	ReviewID      int64
	ConclusionID  int64
	VersionID     int64
	VersionNumber int
	VersionHash   string
	ReviewerID    int64
	Note          string
	RecordSeq     int64
	CreatedAt     time.Time
}

// OpinionInput is a legal opinion to sign.
type OpinionInput struct {
	Findings []QuestionFinding
	// Overall is lawful, lawful_with_changes (Changes required) or unlawful.
	Overall ReviewOutcome
	Changes string
	// Password is the adviser's password, re-entered to sign, unless
	// Signature is given: the adviser's own signature over the statement
	// (LegalOpinionStatement).
	Password  string
	Signature *SignerSignature
}

// ConclusionInput is a review conclusion to sign.
type ConclusionInput struct {
	Findings []QuestionFinding
	Outcome  ReviewOutcome
	// Changes lists the required changes (lawful_with_changes).
	Changes string
	// RiskStatement states the legal risk (exploratory_with_risk, Art. 25).
	RiskStatement string
	// ExpediteReason allows signing before the review period has passed.
	ExpediteReason string
	// Resolution says how an adviser's unlawful opinion was resolved; a
	// lawful outcome needs it when there is one.
	Resolution string
	Password   string
	// Signature is the reviewer's own signature over the statement
	// (ReviewConclusionStatement), instead of Password.
	Signature *SignerSignature
}

// ConfirmationInput confirms a changed version.
type ConfirmationInput struct {
	// VersionHash names the new version; it must be the latest.
	VersionHash string
	Note        string
	Password    string
	// Signature is the reviewer's own signature over the statement
	// (ReviewConfirmationStatement), instead of Password.
	Signature *SignerSignature
}

// cleanFindings checks that the findings answer each question of Art. 27
// exactly once, in any order, and returns them in the article's order.
func cleanFindings(in []QuestionFinding) ([]QuestionFinding, error) {
	byQ := map[ReviewQuestion]QuestionFinding{}
	for i, f := range in {
		field := "findings[" + strconv.Itoa(i) + "]"
		if _, known := ReviewQuestionNames[f.Question]; !known {
			return nil, errs.InvalidField("invalid_review_question", field+".question", "审查事项须为 authority（法定权限）、procedure（法定程序）或 content（内容合法）")
		}
		if _, dup := byQ[f.Question]; dup {
			return nil, errs.InvalidField("duplicate_review_question", field+".question", "每个审查事项只能回答一次")
		}
		if f.Finding != FindingCompliant && f.Finding != FindingProblem {
			return nil, errs.InvalidField("invalid_finding", field+".finding", "审查结论须为 compliant（符合）或 problem（存在问题）")
		}
		reasoning, err := limitText(field+".reasoning", "reasoning", "理由", f.Reasoning, MaxReasoningRunes, true)
		if err != nil {
			return nil, err
		}
		cited := make([]string, 0, len(f.CitedProvisions))
		for _, c := range f.CitedProvisions {
			if c = strings.TrimSpace(cleanText(c)); c == "" {
				continue
			}
			if utf8.RuneCountInString(c) > MaxCitedProvisionRunes {
				return nil, errs.InvalidField("invalid_cited_provisions", field+".cited_provisions", "每项引用条款不能超过"+strconv.Itoa(MaxCitedProvisionRunes)+"个字")
			}
			cited = append(cited, c)
		}
		if len(cited) > MaxCitedProvisions {
			return nil, errs.InvalidField("invalid_cited_provisions", field+".cited_provisions", "引用条款最多"+strconv.Itoa(MaxCitedProvisions)+"项")
		}
		byQ[f.Question] = QuestionFinding{Question: f.Question, Finding: f.Finding, Reasoning: reasoning, CitedProvisions: cited}
	}
	out := make([]QuestionFinding, 0, len(ReviewQuestions))
	for _, q := range ReviewQuestions {
		f, ok := byQ[q]
		if !ok {
			return nil, errs.InvalidField("review_question_missing", "findings",
				"须逐项回答《重大行政决策程序暂行条例》第二十七条的三个审查事项，缺少：“"+ReviewQuestionNames[q]+"”")
		}
		out = append(out, f)
	}
	return out, nil
}

// lawfulWithoutProblem refuses an overall "合法" that finds a problem with
// one of the questions of Art. 27: signed, such an opinion or conclusion
// says two things at once, and years later nobody can tell which was meant.
// A problem found leaves "修改后合法", "不合法" or, for the department, the
// exploratory outcome. Code: lawful_with_problem_finding.
func lawfulWithoutProblem(outcome ReviewOutcome, field string, findings []QuestionFinding) error {
	if outcome != OutcomeLawful {
		return nil
	}
	for _, f := range findings {
		if f.Finding == FindingProblem {
			e := errs.InvalidField("lawful_with_problem_finding", field, "“"+ReviewQuestionNames[f.Question]+
				"”一项认定存在问题，结论不能为“合法”：请改选“修改后合法”或“不合法”，或重新核对该项认定")
			e.Basis = "Decree 713 Art. 27"
			return e
		}
	}
	return nil
}

// signingTarget checks, inside the decision lock, that the package is open
// for signing and still names the decision's latest version.
func signingTarget(ctx context.Context, tx pgx.Tx, r *LegalityReview) error {
	if err := requireOpen(r); err != nil {
		return err
	}
	v, err := getLatestVersion(ctx, tx, r.DecisionID)
	if err != nil {
		return err
	}
	if v.ID != r.VersionID {
		return errs.Conflict("review_version_outdated", "送审的是第"+strconv.Itoa(r.VersionNumber)+"版草案，草案已更新为第"+
			strconv.Itoa(v.Number)+"版；审查意见只能针对送审版本，请退回后由承办单位重新送审")
	}
	return nil
}

func (s *Service) reauthenticate(ctx context.Context, actor *identity.Account, password string) error {
	if password == "" {
		return errs.InvalidField("password_required", "password", "签署前请再次输入密码")
	}
	if s.Passwords == nil {
		return errs.Internal(errors.New("no password checker configured"))
	}
	return s.Passwords.CheckPassword(ctx, actor.ID, password)
}

// CreateLegalOpinion signs an assigned legal adviser's opinion on the
// package's draft version (Decree 713 Art. 28) after the adviser re-enters
// their password; the signed record entry binds the version's content hash.
// Only legal advisers assigned to the package may call it. Codes:
// legality_review_not_found, adviser_not_assigned (403),
// invalid_review_question, duplicate_review_question,
// review_question_missing, invalid_finding, reasoning_required,
// reasoning_too_long, invalid_cited_provisions, invalid_opinion_overall,
// lawful_with_problem_finding, changes_required, changes_too_long, password_required,
// reauthentication_failed (403), too_many_login_attempts (429),
// review_not_open, review_version_outdated.
func (s *Service) CreateLegalOpinion(ctx context.Context, actor *identity.Account, reviewID int64, in OpinionInput) (LegalOpinion, error) {
	return signed(s.legalOpinion(ctx, actor, reviewID, in, ""))
}

// LegalOpinionStatement returns the statement an adviser signs with their
// key keyID for the opinion in (record.Statement): CreateLegalOpinion with
// the signature then records it. It checks what CreateLegalOpinion checks
// but the password and writes nothing. Codes: those of CreateLegalOpinion
// but the password's, signing_key_id_required.
func (s *Service) LegalOpinionStatement(ctx context.Context, actor *identity.Account, reviewID int64, in OpinionInput, keyID string) ([]byte, error) {
	return signOffStatement(ctx, actor, reviewID, in, keyID, s.legalOpinion)
}

func (s *Service) legalOpinion(ctx context.Context, actor *identity.Account, reviewID int64, in OpinionInput,
	statementKey string) (LegalOpinion, []byte, error) {
	findings, err := cleanFindings(in.Findings)
	if err != nil {
		return LegalOpinion{}, nil, err
	}
	switch in.Overall {
	case OutcomeLawful, OutcomeLawfulWithChanges, OutcomeUnlawful:
	default:
		return LegalOpinion{}, nil, errs.InvalidField("invalid_opinion_overall", "overall", "总体意见须为 lawful（合法）、lawful_with_changes（修改后合法）或 unlawful（不合法）")
	}
	if err := lawfulWithoutProblem(in.Overall, "overall", findings); err != nil {
		return LegalOpinion{}, nil, err
	}
	changes, err := limitText("changes", "changes", "需要修改的内容", in.Changes, MaxReasoningRunes, in.Overall == OutcomeLawfulWithChanges)
	if err != nil {
		return LegalOpinion{}, nil, err
	}
	var out LegalOpinion
	run := signOffRun{key: statementKey}
	err = s.writeReview(ctx, actor, reviewID, requireAssignedAdviser, func(tx pgx.Tx, d Decision, r LegalityReview) error {
		if err := signingTarget(ctx, tx, &r); err != nil {
			return err
		}
		content := map[string]any{"review_id": r.ID, "version_id": r.VersionID, "version_number": r.VersionNumber,
			"findings": findings, "overall": in.Overall, "changes": changes, "version_hash": r.VersionHash}
		step, err := s.sign(ctx, tx, &run, signedStep{decisionID: d.ID, actor: actor, kind: RecordLegalOpinion, payload: content,
			versionHash: r.VersionHash}, signerAuth{password: in.Password, signature: in.Signature})
		if err != nil {
			return err
		}
		// The opinion is written first and bound by its signed entry.
		_, err = s.appendBound(ctx, tx, step,
			func(seq int64, at time.Time) (string, int64, error) {
				out = LegalOpinion{ReviewID: r.ID, DecisionID: d.ID, VersionID: r.VersionID, VersionNumber: r.VersionNumber,
					VersionHash: r.VersionHash, AdviserID: actor.ID, AdviserDisplayName: actor.DisplayName, Findings: findings,
					Overall: in.Overall, Changes: changes, RecordSeq: seq, CreatedAt: at}
				err := tx.QueryRow(ctx, `INSERT INTO legal_opinions (review_id, decision_id, version_id, version_hash, adviser_id, questions,
					overall, changes, record_seq, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
					out.ReviewID, out.DecisionID, out.VersionID, out.VersionHash, out.AdviserID, findings, out.Overall, out.Changes,
					out.RecordSeq, out.CreatedAt).Scan(&out.ID)
				return "legal_opinions", out.ID, err
			})
		return err
	})
	return statementOrResult(out, run.statement, err)
}

// reviewOpinions lists a package's legal opinions in order (pgx decodes the
// jsonb questions into Findings).
func reviewOpinions(ctx context.Context, q querier, reviewID int64) ([]LegalOpinion, error) {
	return pgrows.AllByPos[LegalOpinion](ctx, q, `SELECT o.id, o.review_id, o.decision_id, o.version_id, v.number, o.version_hash,
		o.adviser_id, a.display_name, o.questions, o.overall, o.changes, o.record_seq, o.created_at
		FROM legal_opinions o JOIN draft_versions v ON v.id = o.version_id JOIN accounts a ON a.id = o.adviser_id
		WHERE o.review_id = $1 ORDER BY o.id`, reviewID)
}

// ListLegalOpinions lists the signed legal opinions of a package in order.
// Reviewers of its department, assigned legal advisers, staff of the lead
// unit and admins may call it. Codes: legality_review_not_found.
func (s *Service) ListLegalOpinions(ctx context.Context, actor *identity.Account, reviewID int64) ([]LegalOpinion, error) {
	var out []LegalOpinion
	err := inSnapshot(ctx, s.DB, func(tx pgx.Tx) error {
		r, err := getReview(ctx, tx, reviewID)
		if err != nil {
			return err
		}
		if err := requireReviewVisible(ctx, tx, actor, &r); err != nil {
			return err
		}
		out, err = reviewOpinions(ctx, tx, reviewID)
		return err
	})
	return out, err
}

// SignReviewConclusion signs the department's conclusion on the package's
// draft version after the reviewer re-enters their password. It is refused
// before ReviewPeriodWorkingDays working days have passed since receipt
// (Decree 713 Art. 26; the working-day calendar's version is stored with
// the conclusion) unless an expedite reason is given; without at least one
// signed legal opinion on the version (Art. 28); and, for any outcome
// other than unlawful, when an adviser's opinion says unlawful and no
// resolution is written (ResolveUnlawfulOpinion, or this input's
// Resolution; 中办发〔2016〕30号).
// Only reviewers of the package's department may call it. Codes:
// legality_review_not_found, not_review_department, the findings codes of
// CreateLegalOpinion, invalid_review_outcome, lawful_with_problem_finding,
// changes_required, risk_statement_required, *_too_long, password_required,
// reauthentication_failed (403), too_many_login_attempts (429),
// review_not_open, review_materials_pending, review_version_outdated,
// review_period_not_elapsed, legal_opinion_required,
// unlawful_opinion_unresolved, calendar_not_covered.
func (s *Service) SignReviewConclusion(ctx context.Context, actor *identity.Account, reviewID int64, in ConclusionInput) (ReviewConclusion, error) {
	return signed(s.reviewConclusion(ctx, actor, reviewID, in, ""))
}

// ReviewConclusionStatement returns the statement a reviewer signs with
// their key keyID for the conclusion in (record.Statement):
// SignReviewConclusion with the signature then records it. It checks what
// SignReviewConclusion checks but the password and writes nothing. Codes:
// those of SignReviewConclusion but the password's, signing_key_id_required.
func (s *Service) ReviewConclusionStatement(ctx context.Context, actor *identity.Account, reviewID int64, in ConclusionInput, keyID string) ([]byte, error) {
	return signOffStatement(ctx, actor, reviewID, in, keyID, s.reviewConclusion)
}

func (s *Service) reviewConclusion(ctx context.Context, actor *identity.Account, reviewID int64, in ConclusionInput,
	statementKey string) (ReviewConclusion, []byte, error) {
	findings, err := cleanFindings(in.Findings)
	if err != nil {
		return ReviewConclusion{}, nil, err
	}
	switch in.Outcome {
	case OutcomeLawful, OutcomeLawfulWithChanges, OutcomeUnlawful, OutcomeExploratoryWithRisk:
	default:
		return ReviewConclusion{}, nil, errs.InvalidField("invalid_review_outcome", "outcome",
			"审查意见须为 lawful（合法）、lawful_with_changes（修改后合法）、unlawful（不合法）或 exploratory_with_risk（探索性改革，明示法律风险）")
	}
	if err := lawfulWithoutProblem(in.Outcome, "outcome", findings); err != nil {
		return ReviewConclusion{}, nil, err
	}
	c := ReviewConclusion{Findings: findings, Outcome: in.Outcome}
	fields := []struct {
		dst                  *string
		src, field, code, lb string
		required             bool
	}{
		{&c.Changes, in.Changes, "changes", "changes", "需要修改的内容", in.Outcome == OutcomeLawfulWithChanges},
		{&c.RiskStatement, in.RiskStatement, "risk_statement", "risk_statement", "法律风险说明", in.Outcome == OutcomeExploratoryWithRisk},
		{&c.ExpediteReason, in.ExpediteReason, "expedite_reason", "expedite_reason", "提前作出审查意见的理由", false},
		{&c.Resolution, in.Resolution, "resolution", "resolution", "对不合法法律意见的处理说明", false},
	}
	for _, f := range fields {
		if *f.dst, err = limitText(f.field, f.code, f.lb, f.src, MaxReasoningRunes, f.required); err != nil {
			return ReviewConclusion{}, nil, err
		}
	}
	cal, err := s.Calendar.Current(ctx)
	if err != nil {
		return ReviewConclusion{}, nil, errs.Internal(err)
	}
	run := signOffRun{key: statementKey}
	err = s.writeReview(ctx, actor, reviewID, requireReviewer, func(tx pgx.Tx, d Decision, r LegalityReview) error {
		if r.Status == ReviewMaterialsRequested {
			return errs.Conflict("review_materials_pending", "已要求承办单位补充材料，补充后才能作出审查意见")
		}
		if err := signingTarget(ctx, tx, &r); err != nil {
			return err
		}
		now := s.now()
		var err error
		if c.EarliestAt, err = reviewDeadline(cal, r.ReceivedAt); err != nil {
			return err
		}
		c.CalendarVersion = cal.Version()
		if now.Before(c.EarliestAt) && c.ExpediteReason == "" {
			return errs.Conflict("review_period_not_elapsed", "自收到送审材料（"+shanghaiDate(r.ReceivedAt)+"）起未满"+strconv.Itoa(ReviewPeriodWorkingDays)+
				"个工作日（《重大行政决策程序暂行条例》第二十六条），最早可于"+c.EarliestAt.In(workday.Location()).Format("2006年1月2日 15:04")+
				"（北京时间）签署；确需提前的，请填写提前作出审查意见的理由")
		}
		opinions, err := reviewOpinions(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		var counted, unlawful int
		for _, o := range opinions {
			if o.VersionID == r.VersionID {
				counted++
				if o.Overall == OutcomeUnlawful {
					unlawful++
				}
			}
		}
		if counted == 0 {
			return errs.Conflict("legal_opinion_required", "作出审查意见前须有至少一名被指派的法律顾问针对送审版本出具法律意见（《重大行政决策程序暂行条例》第二十八条）")
		}
		if c.Outcome != OutcomeUnlawful && unlawful > 0 && c.Resolution == "" {
			_, resolved, err := unlawfulOpinionState(ctx, tx, r.ID)
			if err != nil {
				return err
			}
			if !resolved {
				return errUnlawfulOpinionUnresolved("有法律顾问认为决策草案不合法：作出“不合法”以外的审查意见前，须书面说明对该法律意见的处理情况（法律顾问认为不合法的事项不得提交讨论、作出决定）")
			}
		}
		content := map[string]any{
			"review_id": r.ID, "version_id": r.VersionID, "version_number": r.VersionNumber, "findings": findings, "outcome": c.Outcome,
			"changes": c.Changes, "risk_statement": c.RiskStatement, "expedite_reason": c.ExpediteReason, "resolution": c.Resolution,
			"received_at": r.ReceivedAt.UTC().Format(time.RFC3339Nano), "earliest_at": c.EarliestAt.Format(time.RFC3339),
			"calendar_version": c.CalendarVersion, "legal_opinions": counted, "version_hash": r.VersionHash}
		step, err := s.sign(ctx, tx, &run, signedStep{decisionID: d.ID, actor: actor, kind: RecordReviewConclusion, payload: content,
			versionHash: r.VersionHash}, signerAuth{password: in.Password, signature: in.Signature})
		if err != nil {
			return err
		}
		if _, err := s.appendBound(ctx, tx, step,
			func(seq int64, at time.Time) (string, int64, error) {
				c.ReviewID, c.DecisionID, c.VersionID, c.VersionNumber, c.VersionHash = r.ID, d.ID, r.VersionID, r.VersionNumber, r.VersionHash
				c.ReviewerID, c.RecordSeq, c.CreatedAt = actor.ID, seq, at
				err := tx.QueryRow(ctx, `INSERT INTO review_conclusions (review_id, decision_id, version_id, version_hash, reviewer_id, questions,
					outcome, changes, risk_statement, expedite_reason, resolution, earliest_at, calendar_version, record_seq, created_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
					c.ReviewID, c.DecisionID, c.VersionID, c.VersionHash, c.ReviewerID, findings, c.Outcome, c.Changes, c.RiskStatement,
					c.ExpediteReason, c.Resolution, c.EarliestAt, c.CalendarVersion, c.RecordSeq, c.CreatedAt).Scan(&c.ID)
				return "review_conclusions", c.ID, err
			}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE legality_reviews SET status = 'concluded', updated_at = $2 WHERE id = $1`, r.ID, now); err != nil {
			return errs.Internal(err)
		}
		return nil
	})
	return statementOrResult(c, run.statement, err)
}

// reviewConclusions lists the conclusions matching where (a condition on a
// column of review_conclusions, with $1 arg) in record order.
func reviewConclusions(ctx context.Context, q querier, where string, arg any) ([]ReviewConclusion, error) {
	return pgrows.AllByPos[ReviewConclusion](ctx, q, `SELECT c.id, c.review_id, c.decision_id, c.version_id, v.number, c.version_hash,
		c.reviewer_id, c.questions, c.outcome, c.changes, c.risk_statement, c.expedite_reason, c.resolution, c.earliest_at,
		c.calendar_version, c.record_seq, c.created_at
		FROM review_conclusions c JOIN draft_versions v ON v.id = c.version_id WHERE c.`+where+` ORDER BY c.record_seq`, arg)
}

func reviewConfirmations(ctx context.Context, q querier, reviewID int64) ([]ReviewConfirmation, error) {
	return pgrows.AllByPos[ReviewConfirmation](ctx, q, `SELECT f.id, f.review_id, f.conclusion_id, f.version_id, v.number,
		f.version_hash, f.reviewer_id, f.note, f.record_seq, f.created_at
		FROM review_confirmations f JOIN draft_versions v ON v.id = f.version_id WHERE f.review_id = $1 ORDER BY f.record_seq`, reviewID)
}

// ConfirmReviewChanges confirms that a draft version uploaded after a
// lawful_with_changes conclusion makes the required changes (Decree 713
// Art. 28: the lead unit adjusts the draft according to the review
// conclusion); the signed record entry binds the new version's content
// hash, which then counts as signed off (currentSignOff). Only reviewers of
// the package's department may call it, after re-entering their password.
// Codes: legality_review_not_found, not_review_department,
// version_hash_required, version_hash_mismatch, note_too_long,
// password_required, reauthentication_failed (403),
// too_many_login_attempts (429), review_changes_not_required,
// changed_version_required.
func (s *Service) ConfirmReviewChanges(ctx context.Context, actor *identity.Account, reviewID int64, in ConfirmationInput) (ReviewConfirmation, error) {
	return signed(s.confirmReviewChanges(ctx, actor, reviewID, in, ""))
}

// ReviewConfirmationStatement returns the statement a reviewer signs with
// their key keyID to confirm changes (record.Statement); it checks what
// ConfirmReviewChanges checks but the password and writes nothing. Codes:
// those of ConfirmReviewChanges but the password's, signing_key_id_required.
func (s *Service) ReviewConfirmationStatement(ctx context.Context, actor *identity.Account, reviewID int64, in ConfirmationInput, keyID string) ([]byte, error) {
	return signOffStatement(ctx, actor, reviewID, in, keyID, s.confirmReviewChanges)
}

func (s *Service) confirmReviewChanges(ctx context.Context, actor *identity.Account, reviewID int64, in ConfirmationInput,
	statementKey string) (ReviewConfirmation, []byte, error) {
	note, err := limitText("note", "note", "确认说明", in.Note, MaxReasoningRunes, false)
	if err != nil {
		return ReviewConfirmation{}, nil, err
	}
	var out ReviewConfirmation
	run := signOffRun{key: statementKey}
	err = s.writeReview(ctx, actor, reviewID, requireReviewer, func(tx pgx.Tx, d Decision, r LegalityReview) error {
		conclusions, err := reviewConclusions(ctx, tx, "review_id = $1", r.ID)
		if err != nil {
			return err
		}
		if r.Status != ReviewConcluded || len(conclusions) == 0 || conclusions[len(conclusions)-1].Outcome != OutcomeLawfulWithChanges {
			return errs.Conflict("review_changes_not_required", "只有审查意见为“修改后合法”时，才需要确认修改后的草案版本")
		}
		c := conclusions[len(conclusions)-1]
		v, err := getLatestVersion(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if err := requireVersionHash(v, in.VersionHash, signOffBasis); err != nil {
			return err
		}
		if v.Number <= c.VersionNumber {
			return errs.Conflict("changed_version_required", "审查意见针对第"+strconv.Itoa(c.VersionNumber)+"版草案，请承办单位先上传按审查意见修改后的新版本")
		}
		content := map[string]any{"review_id": r.ID, "conclusion_seq": c.RecordSeq, "reviewed_version_hash": c.VersionHash,
			"version_id": v.ID, "version_number": v.Number, "note": note, "version_hash": v.Hash}
		step, err := s.sign(ctx, tx, &run, signedStep{decisionID: d.ID, actor: actor, kind: RecordReviewConfirmation, payload: content,
			versionHash: v.Hash}, signerAuth{password: in.Password, signature: in.Signature})
		if err != nil {
			return err
		}
		_, err = s.appendBound(ctx, tx, step,
			func(seq int64, at time.Time) (string, int64, error) {
				out = ReviewConfirmation{ReviewID: r.ID, ConclusionID: c.ID, VersionID: v.ID, VersionNumber: v.Number, VersionHash: v.Hash,
					ReviewerID: actor.ID, Note: note, RecordSeq: seq, CreatedAt: at}
				err := tx.QueryRow(ctx, `INSERT INTO review_confirmations (review_id, conclusion_id, decision_id, version_id, version_hash,
					reviewer_id, note, record_seq, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
					out.ReviewID, out.ConclusionID, d.ID, out.VersionID, out.VersionHash, out.ReviewerID, out.Note, out.RecordSeq,
					out.CreatedAt).Scan(&out.ID)
				return "review_confirmations", out.ID, err
			})
		return err
	})
	return statementOrResult(out, run.statement, err)
}
