package consultation

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
	"github.com/canyu-gov/canyu/internal/workday"
)

// The legality review (合法性审查, Decree 713 Art. 25–28; DOMAIN.md stage 4):
// the lead unit submits a review package naming one exact draft version by
// content hash; the legality-review department (an agency of kind
// legality_review, its reviewer accounts) receives it into its queue,
// returns it (退回) or asks for more material (要求补充) (Art. 26), assigns
// legal advisers who write signed legal opinions (Art. 28), and signs the
// conclusion on the three questions of Art. 27 no earlier than 7 working
// days after receipt (Art. 26). Opinions and conclusions live in opinions.go.

// ReviewPeriodWorkingDays is the review time the department must be given:
// Decree 713 Art. 26, "送请合法性审查，应当保证必要的审查时间，一般不少于7个工作日".
// "一般" allows exceptions: a conclusion before it needs a recorded expedite
// reason.
const ReviewPeriodWorkingDays = 7

// Record entry kinds of the legality review.
const (
	RecordReviewSubmitted          RecordKind = "legality_review_submitted"
	RecordReviewReturned           RecordKind = "legality_review_returned"
	RecordReviewMaterialsRequested RecordKind = "review_materials_requested"
	RecordReviewResubmitted        RecordKind = "legality_review_resubmitted"
	RecordAdviserAssigned          RecordKind = "legal_adviser_assigned"
	RecordLegalOpinion             RecordKind = "legal_opinion_signed"
	RecordReviewConclusion         RecordKind = "review_conclusion_signed"
	RecordReviewConfirmation       RecordKind = "review_changes_confirmed"
)

// ReviewStatus is where a review package stands.
type ReviewStatus string

// The review statuses.
const (
	ReviewReceived           ReviewStatus = "received"            // in the department's queue
	ReviewMaterialsRequested ReviewStatus = "materials_requested" // 要求补充: waiting for the lead unit
	ReviewReturned           ReviewStatus = "returned"            // 退回: the decision went back to handling
	ReviewConcluded          ReviewStatus = "concluded"           // the conclusion is signed
)

// ReviewStatuses lists the review statuses.
var ReviewStatuses = []ReviewStatus{ReviewReceived, ReviewMaterialsRequested, ReviewReturned, ReviewConcluded}

// Limits of the free text of a review.
const (
	MaxReviewMaterialsRunes = 50_000
	MaxReviewReasonRunes    = 5_000
)

// LegalityReview is a review package and where it stands.
type LegalityReview struct {
	ID                 int64
	DecisionID         int64
	DecisionTitle      string
	LeadAgencyID       int64
	VersionID          int64
	VersionNumber      int
	VersionHash        string
	ReviewAgencyID     int64
	ReviewAgencyCode   string
	ReviewAgencyName   string
	Status             ReviewStatus
	LegalBasis         []string
	Materials          string
	ProcedureStatement string
	SubmittedBy        int64
	SubmittedAt        time.Time
	// ReceivedAt is the receipt from which the review period runs: the
	// submission, or the last resubmission after a request for materials.
	ReceivedAt time.Time
	// Reason is the reason of the last return or request for materials.
	Reason    string
	UpdatedAt time.Time
	// EarliestConclusionAt is when the review period has passed
	// (ReviewPeriodWorkingDays after ReceivedAt), by CalendarVersion.
	EarliestConclusionAt time.Time
	CalendarVersion      string
	// CalendarNotCovered: the period runs into a year whose holiday notice
	// is not loaded, so EarliestConclusionAt is provisional (pages say so).
	CalendarNotCovered bool
	// Filled in by GetLegalityReview, not by ListLegalityReviews.
	Advisers      []ReviewAdviser
	Additions     []ReviewMaterial
	Conclusion    *ReviewConclusion
	Confirmations []ReviewConfirmation
}

// ReviewAdviser is a legal adviser assigned to a review.
type ReviewAdviser struct {
	AccountID   int64
	DisplayName string
	AssignedAt  time.Time
}

// ReviewMaterial is one addition to a package: the materials text of the
// submission or a resubmission, or an attached file (then Filename is set).
type ReviewMaterial struct {
	ID          int64
	Text        string
	Filename    string
	ContentType string
	Size        int64
	SHA256      string
	CreatedBy   int64
	CreatedAt   time.Time
}

// SubmissionInput is a review package.
type SubmissionInput struct {
	// VersionHash names the draft version to review by its content hash; it
	// must be the decision's latest version.
	VersionHash string
	// LegalBasis lists the laws, regulations and rules the decision rests
	// on (Art. 26).
	LegalBasis []string
	// Materials is any further explanation; Attachments any further files.
	Materials   string
	Attachments []AttachmentInput
	// ReviewAgency is the code of the legality-review department; it may be
	// empty when there is exactly one.
	ReviewAgency string
}

// ResubmissionInput is the material a lead unit adds after 要求补充.
type ResubmissionInput struct {
	Materials   string
	Attachments []AttachmentInput
}

var errReviewNotFound = errs.NotFound("legality_review_not_found", "合法性审查材料不存在")

func limitText(field, code, label string, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(cleanText(s))
	if required && s == "" {
		return "", errs.InvalidField(code+"_required", field, "请填写"+label)
	}
	if utf8.RuneCountInString(s) > max {
		return "", errs.InvalidField(code+"_too_long", field, label+"不能超过"+strconv.Itoa(max)+"个字")
	}
	return s, nil
}

func cleanLegalBasis(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, b := range in {
		b = strings.TrimSpace(cleanText(b))
		if b == "" {
			continue
		}
		if utf8.RuneCountInString(b) > MaxLegalBasisRunes {
			return nil, errs.InvalidField("invalid_legal_basis", "legal_basis", "每项法律依据不能超过"+strconv.Itoa(MaxLegalBasisRunes)+"个字")
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, errs.InvalidField("legal_basis_required", "legal_basis", "送请合法性审查须列明法律、法规、规章等依据（《重大行政决策程序暂行条例》第二十六条）")
	}
	if len(out) > MaxLegalBasisEntries {
		return nil, errs.InvalidField("invalid_legal_basis", "legal_basis", "法律依据最多"+strconv.Itoa(MaxLegalBasisEntries)+"项")
	}
	return out, nil
}

type latestVersion struct {
	ID     int64
	Number int
	Hash   string
}

func getLatestVersion(ctx context.Context, q querier, decisionID int64) (latestVersion, error) {
	rows, err := q.Query(ctx, `SELECT id, number, content_hash FROM draft_versions WHERE decision_id = $1 ORDER BY number DESC LIMIT 1`, decisionID)
	if err != nil {
		return latestVersion{}, errs.Internal(err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[latestVersion])
	if errors.Is(err, pgx.ErrNoRows) {
		return v, errs.Conflict("decision_has_no_version", "决策事项还没有草案版本")
	}
	if err != nil {
		return v, errs.Internal(err)
	}
	return v, nil
}

// reviewedDraftBasis is the article a package naming another draft version
// than the latest refuses by: the draft submitted for discussion is the one
// the legality-review department reviewed (Decree 713 Art. 25).
const reviewedDraftBasis = "Decree 713 Art. 25"

// requireVersionHash checks that hash names the latest version; a mismatch
// cites basis.
func requireVersionHash(v latestVersion, hash, basis string) error {
	hash = strings.TrimSpace(hash)
	if hash == "" {
		return errs.InvalidField("version_hash_required", "version_hash", "请写明所针对草案版本的内容哈希")
	}
	if hash != v.Hash {
		e := errs.Conflict("version_hash_mismatch", "内容哈希与最新草案版本（第"+strconv.Itoa(v.Number)+"版，"+record.HashPrefix(v.Hash)+
			"…）不一致：合法性审查针对提交讨论的草案版本，请核对草案版本")
		e.Basis = basis
		return e
	}
	return nil
}

// reviewAgency resolves the legality-review department a package goes to.
func reviewAgency(ctx context.Context, q querier, code string) (int64, string, error) {
	sql := `SELECT id, code FROM agencies WHERE kind = 'legality_review'`
	args := []any{}
	if code = strings.TrimSpace(code); code != "" {
		sql += ` AND code = $1`
		args = append(args, code)
	}
	type agency struct {
		ID   int64
		Code string
	}
	list, err := pgrows.AllByPos[agency](ctx, q, sql+` ORDER BY id LIMIT 2`, args...)
	if err != nil {
		return 0, "", err
	}
	switch {
	case len(list) == 0 && code != "":
		return 0, "", errs.InvalidField("review_agency_not_found", "review_agency", "没有代码为“"+code+"”的合法性审查部门")
	case len(list) == 0:
		return 0, "", errs.Conflict("review_agency_not_found", "平台尚未设置合法性审查部门")
	case len(list) > 1:
		return 0, "", errs.InvalidField("review_agency_required", "review_agency", "请选择负责合法性审查的部门")
	}
	return list[0].ID, list[0].Code, nil
}

// SubmitLegalityReview submits the decision's latest draft version (named by
// its content hash) for legality review and moves the decision to
// under_review through the stage gates, which refuse with every failed
// gate. The statement of the procedure followed is generated from the
// process record and stored in the package; receipt, from which the review
// period runs, is now. Only staff of the lead unit may call it. Codes:
// decision_not_found, not_lead_unit_staff, version_hash_required,
// version_hash_mismatch, decision_has_no_version, legal_basis_required,
// invalid_legal_basis, materials_too_long, review_agency_required,
// review_agency_not_found, the attachment codes of CreateDraftVersion,
// calendar_not_covered (the 7 working days run into a year whose holiday
// notice is not loaded), stage_transition_not_allowed, and the failed gate's code
// (procedure_gate_failed listing every failed gate when several fail).
func (s *Service) SubmitLegalityReview(ctx context.Context, actor *identity.Account, decisionID int64, in SubmissionInput) (LegalityReview, error) {
	legal, err := cleanLegalBasis(in.LegalBasis)
	if err != nil {
		return LegalityReview{}, err
	}
	m, err := s.prepareMaterials(ctx, in.Materials, false, in.Attachments)
	if err != nil {
		return LegalityReview{}, err
	}
	var id int64
	err = s.writeDecision(ctx, actor, decisionID, requireLeadWriter, func(tx pgx.Tx, d Decision) (err error) {
		v, err := getLatestVersion(ctx, tx, decisionID)
		if err != nil {
			return err
		}
		if err := requireVersionHash(v, in.VersionHash, reviewedDraftBasis); err != nil {
			return err
		}
		agencyID, agencyCode, err := reviewAgency(ctx, tx, in.ReviewAgency)
		if err != nil {
			return err
		}
		now, err := m.receipt(s.now())
		if err != nil {
			return err
		}
		statement, err := procedureStatement(ctx, tx, &d, v, now)
		if err != nil {
			return err
		}
		if err := s.transition(ctx, tx, actor, &d, StatusUnderReview, map[string]any{"version_id": v.ID, "version_hash": v.Hash}); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO legality_reviews (decision_id, version_id, version_hash, review_agency_id, status, legal_basis,
			materials, procedure_statement, submitted_by, submitted_at, received_at, updated_at)
			VALUES ($1, $2, $3, $4, 'received', $5, $6, $7, $8, $9, $9, $9) RETURNING id`,
			decisionID, v.ID, v.Hash, agencyID, legal, m.text, statement, actor.ID, now).Scan(&id); err != nil {
			return errs.Internal(err)
		}
		files, err := s.addMaterials(ctx, tx, actor, id, m, now)
		if err != nil {
			return err
		}
		_, err = s.appendRecord(ctx, tx, decisionID, actor, RecordReviewSubmitted, map[string]any{
			"review_id": id, "version_id": v.ID, "version_number": v.Number, "version_hash": v.Hash, "review_agency": agencyCode,
			"legal_basis": legal, "materials_sha256": SHA256Hex([]byte(m.text)), "procedure_statement_sha256": SHA256Hex([]byte(statement)),
			"attachments": files, "received_at": now.Format(time.RFC3339Nano)})
		return err
	})
	if err != nil {
		return LegalityReview{}, err
	}
	return s.GetLegalityReview(ctx, actor, id)
}

// packageMaterials is what a submission or resubmission adds to a package,
// checked before its transaction: the materials text and files, and the
// working-day calendar by which the review period runs from receipt.
type packageMaterials struct {
	text string
	atts []preparedAttachment
	cal  workday.Calendar
}

// prepareMaterials checks the materials text (required: when no file comes
// with it) and the files, and reads the current calendar. Codes:
// materials_required, materials_too_long, the attachment codes.
func (s *Service) prepareMaterials(ctx context.Context, text string, required bool, files []AttachmentInput) (packageMaterials, error) {
	var m packageMaterials
	var err error
	if m.text, err = limitText("materials", "materials", "补充材料说明", text, MaxReviewMaterialsRunes, required); err != nil {
		return m, err
	}
	if m.atts, err = prepareAttachments(files); err != nil {
		return m, err
	}
	if m.cal, err = s.Calendar.Current(ctx); err != nil {
		return m, errs.Internal(err)
	}
	return m, nil
}

// receipt returns the time of receipt at now, from which the review period
// runs, once the calendar covers that period (calendar_not_covered).
func (m packageMaterials) receipt(now time.Time) (time.Time, error) {
	now = now.Truncate(time.Microsecond)
	if _, err := reviewDeadline(m.cal, now); err != nil {
		return now, err
	}
	return now, nil
}

// addMaterials stores the materials text (when not empty) and files of a
// submission or resubmission and returns the files' digests for the record.
func (s *Service) addMaterials(ctx context.Context, tx pgx.Tx, actor *identity.Account, reviewID int64, m packageMaterials,
	now time.Time) ([]AttachmentDigest, error) {
	if m.text != "" {
		if _, err := tx.Exec(ctx, `INSERT INTO review_materials (review_id, text, created_by, created_at) VALUES ($1, $2, $3, $4)`,
			reviewID, m.text, actor.ID, now); err != nil {
			return nil, errs.Internal(err)
		}
	}
	files := make([]AttachmentDigest, 0, len(m.atts))
	for _, a := range m.atts {
		if _, err := tx.Exec(ctx, `INSERT INTO review_materials (review_id, filename, content_type, size, sha256, data, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, reviewID, a.filename, a.contentType, len(a.data), a.sha256, a.data, actor.ID, now); err != nil {
			return nil, errs.Internal(err)
		}
		files = append(files, a.digest())
	}
	return files, nil
}

// lockReview locks the decision of a review and reads the review.
func lockReview(ctx context.Context, tx pgx.Tx, reviewID int64) (Decision, LegalityReview, error) {
	var decisionID int64
	err := tx.QueryRow(ctx, `SELECT decision_id FROM legality_reviews WHERE id = $1`, reviewID).Scan(&decisionID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Decision{}, LegalityReview{}, errReviewNotFound
	}
	if err != nil {
		return Decision{}, LegalityReview{}, errs.Internal(err)
	}
	d, err := lockDecision(ctx, tx, decisionID)
	if err != nil {
		return Decision{}, LegalityReview{}, err
	}
	r, err := getReview(ctx, tx, reviewID)
	return d, r, err
}

// reviewCheck is what lets an actor take a step on a review package
// (requireReviewer, requireReviewLead, requireAssignedAdviser), checked on
// the package as locked.
type reviewCheck func(ctx context.Context, q querier, actor *identity.Account, d *Decision, r *LegalityReview) error

// writeReview runs fn in a transaction that holds the lock of the review's
// decision (lockReview), once may has let the actor take the step: how a
// step on a review package starts. fn gets the decision and the package as
// locked.
func (s *Service) writeReview(ctx context.Context, actor *identity.Account, reviewID int64, may reviewCheck,
	fn func(tx pgx.Tx, d Decision, r LegalityReview) error) error {
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		d, r, err := lockReview(ctx, tx, reviewID)
		if err != nil {
			return err
		}
		if err := may(ctx, tx, actor, &d, &r); err != nil {
			return err
		}
		return fn(tx, d, r)
	})
}

// reviewStep runs a step on a review package (writeReview) and returns the
// package as it then stands.
func (s *Service) reviewStep(ctx context.Context, actor *identity.Account, reviewID int64, may reviewCheck,
	fn func(tx pgx.Tx, d Decision, r LegalityReview) error) (LegalityReview, error) {
	if err := s.writeReview(ctx, actor, reviewID, may, fn); err != nil {
		return LegalityReview{}, err
	}
	return s.GetLegalityReview(ctx, actor, reviewID)
}

const reviewColumns = `r.id, r.decision_id, d.title, d.lead_agency_id, r.version_id, v.number, r.version_hash, r.review_agency_id, a.code, a.name,
	r.status, r.legal_basis, r.materials, r.procedure_statement, r.submitted_by, r.submitted_at, r.received_at, r.reason, r.updated_at`

const reviewFrom = ` FROM legality_reviews r JOIN decisions d ON d.id = r.decision_id JOIN draft_versions v ON v.id = r.version_id
	JOIN agencies a ON a.id = r.review_agency_id `

func scanReviews(rows pgx.Rows) ([]LegalityReview, error) {
	var out []LegalityReview
	var r LegalityReview
	_, err := pgx.ForEachRow(rows, []any{&r.ID, &r.DecisionID, &r.DecisionTitle, &r.LeadAgencyID, &r.VersionID, &r.VersionNumber, &r.VersionHash,
		&r.ReviewAgencyID, &r.ReviewAgencyCode, &r.ReviewAgencyName, &r.Status, &r.LegalBasis, &r.Materials, &r.ProcedureStatement,
		&r.SubmittedBy, &r.SubmittedAt, &r.ReceivedAt, &r.Reason, &r.UpdatedAt}, func() error {
		out = append(out, r)
		r = LegalityReview{}
		return nil
	})
	if err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

func getReview(ctx context.Context, q querier, id int64) (LegalityReview, error) {
	rows, err := q.Query(ctx, `SELECT `+reviewColumns+reviewFrom+`WHERE r.id = $1`, id)
	if err != nil {
		return LegalityReview{}, errs.Internal(err)
	}
	list, err := scanReviews(rows)
	if err != nil {
		return LegalityReview{}, err
	}
	if len(list) == 0 {
		return LegalityReview{}, errReviewNotFound
	}
	return list[0], nil
}

// reviewAccess is what an actor may do with a review package.
type reviewAccess int

const (
	accessNone reviewAccess = iota
	accessLead
	accessReviewer
	accessAdviser
	accessAdmin
)

// reviewAccessOf says how the actor relates to the package: reviewers of
// its department, legal advisers assigned to it, staff of the lead unit and
// admins see it; nobody else learns it exists.
func reviewAccessOf(ctx context.Context, q querier, actor *identity.Account, r *LegalityReview) (reviewAccess, error) {
	if actor == nil {
		return accessNone, nil
	}
	switch actor.Role {
	case identity.RoleAdmin:
		return accessAdmin, nil
	case identity.RoleReviewer:
		if actor.AgencyID != nil && *actor.AgencyID == r.ReviewAgencyID {
			return accessReviewer, nil
		}
	case identity.RoleAgencyStaff:
		if actor.IsStaffOf(r.LeadAgencyID) {
			return accessLead, nil
		}
	case identity.RoleLegalAdviser:
		ok, err := adviserAssigned(ctx, q, r.ID, actor.ID)
		if err != nil || !ok {
			return accessNone, err
		}
		return accessAdviser, nil
	}
	return accessNone, nil
}

func adviserAssigned(ctx context.Context, q querier, reviewID, adviserID int64) (bool, error) {
	return queryValue[bool](ctx, q, `SELECT EXISTS (SELECT 1 FROM review_assignments WHERE review_id = $1 AND adviser_id = $2)`,
		reviewID, adviserID)
}

// requireReviewer refuses anyone but a reviewer of the package's department;
// those who may not see the package get legality_review_not_found. The
// package names its department: the decision is not needed.
func requireReviewer(ctx context.Context, q querier, actor *identity.Account, _ *Decision, r *LegalityReview) error {
	acc, err := reviewAccessOf(ctx, q, actor, r)
	if err != nil {
		return err
	}
	switch acc {
	case accessReviewer:
		return nil
	case accessNone:
		return errReviewNotFound
	}
	return errs.Forbidden("not_review_department", "只有负责该合法性审查的部门的审查人员可以执行此操作")
}

// requireReviewLead refuses anyone but staff of the decision's lead unit;
// those who may not see the package get legality_review_not_found.
func requireReviewLead(ctx context.Context, q querier, actor *identity.Account, d *Decision, r *LegalityReview) error {
	if err := requireReviewVisible(ctx, q, actor, r); err != nil {
		return err
	}
	return requireLeadStaff(actor, d)
}

// requireAssignedAdviser refuses anyone but a legal adviser assigned to the
// package; those who may not see the package get legality_review_not_found.
func requireAssignedAdviser(ctx context.Context, q querier, actor *identity.Account, _ *Decision, r *LegalityReview) error {
	if actor == nil || actor.Role != identity.RoleLegalAdviser {
		if err := requireReviewVisible(ctx, q, actor, r); err != nil {
			return err
		}
		return errs.Forbidden("adviser_not_assigned", "只有被指派的法律顾问可以出具法律意见")
	}
	assigned, err := adviserAssigned(ctx, q, r.ID, actor.ID)
	if err != nil {
		return err
	}
	if !assigned {
		return errs.Forbidden("adviser_not_assigned", "您未被指派审查该决策草案，不能出具法律意见")
	}
	return nil
}

func requireOpen(r *LegalityReview) error {
	if r.Status == ReviewReturned || r.Status == ReviewConcluded {
		return errs.Conflict("review_not_open", "该合法性审查已"+map[ReviewStatus]string{ReviewReturned: "退回", ReviewConcluded: "作出审查意见"}[r.Status]+"，不能再执行此操作")
	}
	return nil
}

// ReturnLegalityReview returns (退回) a package with a reason (Decree 713
// Art. 26) before a conclusion: the decision goes back to handling, where
// the lead unit may change the draft and submit a new package. After a
// conclusion it is refused: an unlawful conclusion is followed by
// ReviseAfterUnlawfulConclusion, its own step. Only reviewers of the
// package's department may call it. Codes: legality_review_not_found,
// not_review_department, reason_required, reason_too_long,
// review_not_open, review_already_concluded,
// stage_transition_not_allowed.
func (s *Service) ReturnLegalityReview(ctx context.Context, actor *identity.Account, reviewID int64, reason string) (LegalityReview, error) {
	reason, err := limitText("reason", "reason", "退回理由", reason, MaxReviewReasonRunes, true)
	if err != nil {
		return LegalityReview{}, err
	}
	return s.reviewStep(ctx, actor, reviewID, requireReviewer, func(tx pgx.Tx, d Decision, r LegalityReview) error {
		if r.Status == ReviewReturned {
			return errs.Conflict("review_not_open", "该合法性审查已退回")
		}
		if r.Status == ReviewConcluded {
			// 退回 is the return of an incomplete package before a
			// conclusion (Art. 26); after an unlawful conclusion the lead
			// unit revises the draft (ReviseAfterUnlawfulConclusion).
			return errs.Conflict("review_already_concluded", "审查部门已作出审查意见，不能再退回送审材料；审查意见为不合法的，由承办单位修改草案后重新送审")
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE legality_reviews SET status = 'returned', reason = $2, updated_at = $3 WHERE id = $1`, r.ID, reason, now); err != nil {
			return errs.Internal(err)
		}
		if _, err := s.appendRecord(ctx, tx, d.ID, actor, RecordReviewReturned, map[string]any{"review_id": r.ID, "version_hash": r.VersionHash, "reason": reason}); err != nil {
			return err
		}
		return s.transition(ctx, tx, actor, &d, StatusHandling, map[string]any{"review_id": r.ID, "reason": reason})
	})
}

// RequestReviewMaterials asks the lead unit for more material (要求补充,
// Decree 713 Art. 26) with a reason; the decision stays under review and the
// package waits for ResubmitLegalityReview. Only reviewers of the package's
// department may call it, while the package is in the queue. Codes:
// legality_review_not_found, not_review_department, reason_required,
// reason_too_long, review_not_open.
func (s *Service) RequestReviewMaterials(ctx context.Context, actor *identity.Account, reviewID int64, reason string) (LegalityReview, error) {
	reason, err := limitText("reason", "reason", "需要补充的材料", reason, MaxReviewReasonRunes, true)
	if err != nil {
		return LegalityReview{}, err
	}
	return s.reviewStep(ctx, actor, reviewID, requireReviewer, func(tx pgx.Tx, d Decision, r LegalityReview) error {
		if r.Status != ReviewReceived {
			if err := requireOpen(&r); err != nil {
				return err
			}
			return errs.Conflict("review_not_open", "已要求补充材料，正在等待承办单位补充")
		}
		if _, err := tx.Exec(ctx, `UPDATE legality_reviews SET status = 'materials_requested', reason = $2, updated_at = $3 WHERE id = $1`, r.ID, reason, s.now()); err != nil {
			return errs.Internal(err)
		}
		_, err := s.appendRecord(ctx, tx, d.ID, actor, RecordReviewMaterialsRequested, map[string]any{"review_id": r.ID, "reason": reason})
		return err
	})
}

// ResubmitLegalityReview adds the material the department asked for and puts
// the package back in the queue. Receipt is reset to now, so the review
// period of Art. 26 runs again from the resubmission: the article guarantees
// the department the time to review a complete package, and the package is
// complete only now (where the law is silent, we give the reviewer the
// benefit). Only staff of the lead unit may call it, after
// RequestReviewMaterials. Codes: legality_review_not_found,
// not_lead_unit_staff, materials_required, materials_too_long, the
// attachment codes, review_materials_not_requested.
func (s *Service) ResubmitLegalityReview(ctx context.Context, actor *identity.Account, reviewID int64, in ResubmissionInput) (LegalityReview, error) {
	m, err := s.prepareMaterials(ctx, in.Materials, len(in.Attachments) == 0, in.Attachments)
	if err != nil {
		return LegalityReview{}, err
	}
	return s.reviewStep(ctx, actor, reviewID, requireReviewLead, func(tx pgx.Tx, d Decision, r LegalityReview) error {
		if r.Status != ReviewMaterialsRequested {
			return errs.Conflict("review_materials_not_requested", "审查部门没有要求补充材料")
		}
		now, err := m.receipt(s.now())
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE legality_reviews SET status = 'received', received_at = $2, updated_at = $2 WHERE id = $1`, r.ID, now); err != nil {
			return errs.Internal(err)
		}
		files, err := s.addMaterials(ctx, tx, actor, r.ID, m, now)
		if err != nil {
			return err
		}
		_, err = s.appendRecord(ctx, tx, d.ID, actor, RecordReviewResubmitted, map[string]any{"review_id": r.ID,
			"materials_sha256": SHA256Hex([]byte(m.text)), "attachments": files, "received_at": now.Format(time.RFC3339Nano)})
		return err
	})
}

// AssignLegalAdviser assigns legal_adviser accounts to a package (Decree 713
// Art. 28: the department organises legal advisers and public lawyers to
// give legal opinions). Assigning an adviser twice changes nothing. Only
// reviewers of the package's department may call it, while it is open.
// Codes: legality_review_not_found, not_review_department,
// advisers_required, not_a_legal_adviser, review_not_open.
func (s *Service) AssignLegalAdviser(ctx context.Context, actor *identity.Account, reviewID int64, adviserIDs []int64) (LegalityReview, error) {
	if len(adviserIDs) == 0 || len(adviserIDs) > 20 {
		return LegalityReview{}, errs.InvalidField("advisers_required", "adviser_ids", "请选择1至20名法律顾问")
	}
	return s.reviewStep(ctx, actor, reviewID, requireReviewer, func(tx pgx.Tx, d Decision, r LegalityReview) error {
		if err := requireOpen(&r); err != nil {
			return err
		}
		var added []int64
		now := s.now()
		for _, id := range adviserIDs {
			var role string
			err := tx.QueryRow(ctx, `SELECT role FROM accounts WHERE id = $1 AND deleted_at IS NULL`, id).Scan(&role)
			if errors.Is(err, pgx.ErrNoRows) || (err == nil && role != string(identity.RoleLegalAdviser)) {
				return errs.InvalidField("not_a_legal_adviser", "adviser_ids", "账号"+strconv.FormatInt(id, 10)+"不是法律顾问账号")
			}
			if err != nil {
				return errs.Internal(err)
			}
			tag, err := tx.Exec(ctx, `INSERT INTO review_assignments (review_id, adviser_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING`, r.ID, id, actor.ID, now)
			if err != nil {
				return errs.Internal(err)
			}
			if tag.RowsAffected() == 1 {
				added = append(added, id)
			}
		}
		if len(added) == 0 {
			return nil
		}
		_, err := s.appendRecord(ctx, tx, d.ID, actor, RecordAdviserAssigned, map[string]any{"review_id": r.ID, "adviser_ids": added})
		return err
	})
}
