package consultation

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// DispositionKind is how a published comment was handled (意见处理, Decree
// 713 Art. 18).
type DispositionKind string

// The dispositions of DOMAIN.md, stage 3.
const (
	DispositionAdopted          DispositionKind = "adopted"           // 采纳
	DispositionPartiallyAdopted DispositionKind = "partially_adopted" // 部分采纳
	DispositionNotAdopted       DispositionKind = "not_adopted"       // 不予采纳
	DispositionOutOfScope       DispositionKind = "out_of_scope"      // 不属于本次征求范围
)

// Dispositions lists the dispositions in display order.
var Dispositions = []DispositionKind{DispositionAdopted, DispositionPartiallyAdopted, DispositionNotAdopted, DispositionOutOfScope}

// DispositionNames are the Chinese names of the dispositions.
var DispositionNames = map[DispositionKind]string{
	DispositionAdopted: "采纳", DispositionPartiallyAdopted: "部分采纳", DispositionNotAdopted: "不予采纳",
	DispositionOutOfScope: "不属于本次征求范围",
}

// MaxDispositionReasonRunes bounds the reason of a disposition.
const MaxDispositionReasonRunes = 2000

// Record entry kinds of dispositions and the adoption report.
const (
	RecordCommentDisposition      RecordKind = "comment_disposition_set"
	RecordGroupDisposition        RecordKind = "group_disposition_set"
	RecordAdoptionReportPublished RecordKind = "adoption_report_published"
	RecordPersonalDataDeleted     RecordKind = "personal_data_deleted"
	dispositionBasis                         = "Decree 713 Art. 18"
	adoptionReportPublishedBasis             = "Decree 713 Art. 29, 32"
)

// Disposition is the answer to one published comment.
type Disposition struct {
	CommentID   int64           `db:"comment_id"`
	DecisionID  int64           `db:"decision_id"`
	Receipt     string          `db:"receipt"`
	Disposition DispositionKind `db:"disposition"`
	Reason      string          `db:"reason"`
	// GroupID is set when the disposition was given to the comment's group
	// as a whole (SetGroupDisposition), nil for an individual answer.
	GroupID *int64 `db:"group_id"`
	// BatchRef names the batch answer the comment carries (e.g. "theme:12",
	// SetBatchDisposition), nil for an individual or group answer.
	BatchRef  *string   `db:"batch_ref"`
	DecidedBy int64     `db:"decided_by"`
	DecidedAt time.Time `db:"decided_at"`
	// ChangedVersion and ChangedArticles name the articles (by anchor) of
	// a later draft version that this opinion changed; nil and empty when
	// it changed none (issue 17).
	ChangedVersion  *int     `db:"changed_version"`
	ChangedArticles []string `db:"changed_articles"`
}

// GroupDispositionResult says what one group disposition did.
type GroupDispositionResult struct {
	GroupID     int64
	DecisionID  int64
	Disposition DispositionKind
	Reason      string
	// Set is how many published comments of the group now carry the group's
	// disposition; CommentIDs and Receipts name them.
	Set        int
	CommentIDs []int64
	Receipts   []string
	// SkippedIndividual counts the published comments of the group that keep
	// the individual disposition they had (a group answer never overwrites one).
	SkippedIndividual int
	// Unpublished counts the comments of the group that are pending or
	// rejected and therefore get no disposition.
	Unpublished int
}

// checkDispositionInput validates a disposition and its reason.
func checkDispositionInput(kind DispositionKind, reason string) (string, error) {
	if DispositionNames[kind] == "" {
		return "", errs.InvalidField("invalid_disposition", "disposition", "处理结果应为采纳、部分采纳、不予采纳或不属于本次征求范围")
	}
	reason = strings.TrimSpace(cleanText(reason))
	if reason == "" {
		return "", &errs.Error{Kind: errs.KindInvalid, Code: "disposition_reason_required", Basis: dispositionBasis,
			Message: "处理意见必须说明理由", Fields: []errs.FieldError{{Field: "reason", Message: "请填写处理理由"}}}
	}
	if utf8.RuneCountInString(reason) > MaxDispositionReasonRunes {
		return "", errs.InvalidField("disposition_reason_too_long", "reason", "处理理由不能超过2000字")
	}
	return reason, nil
}

// handlingOpen is the stage rule of every handling step (dispositions, the
// adoption report): the decision is in handling, that is the consultation
// window has closed (a comment cannot be answered while others may still
// arrive), the legality review has not been asked for, and the adoption
// report of the consultation is not yet published (what was published stays
// as it was). what names the step in the stage message; stageCode is the code
// of a refusal for the wrong stage.
func handlingOpen(ctx context.Context, tx pgx.Tx, d *Decision, stageCode, what string) error {
	switch d.Status {
	case StatusHandling:
	case StatusConsulting:
		return &errs.Error{Kind: errs.KindConflict, Code: "consultation_still_open", Basis: dispositionBasis,
			Message: "征求意见期尚未结束，" + what + "须在征求意见期结束后进行"}
	default:
		return errs.Conflict(stageCode, "决策事项处于"+StatusNames[d.Status]+"阶段，不能"+what)
	}
	published, err := adoptionReportPublished(ctx, tx, d.ID)
	if err != nil {
		return err
	}
	if published {
		return &errs.Error{Kind: errs.KindConflict, Code: "adoption_report_published", Basis: adoptionReportPublishedBasis,
			Message: "意见采纳情况说明已公布，意见处理结果和说明均不能再修改"}
	}
	return nil
}

// adoptionReportPublished reports whether the adoption report of the
// decision's latest consultation is published.
func adoptionReportPublished(ctx context.Context, q querier, decisionID int64) (bool, error) {
	return queryValue[bool](ctx, q, `SELECT EXISTS (SELECT 1 FROM adoption_reports r WHERE r.status = 'published'
		AND r.consultation_id = (SELECT max(c.id) FROM consultations c WHERE c.decision_id = $1))`, decisionID)
}

var errNoSuchComment = errs.NotFound("comment_not_found", "意见不存在")

var errNoSuchGroup = errs.NotFound("comment_group_not_found", "意见组不存在")

// decisionOf returns the decision id a row belongs to (a comment or a
// comment group), before the decision is locked.
func (s *Service) decisionOf(ctx context.Context, sql string, id int64, notFound error) (int64, error) {
	var decisionID int64
	err := s.DB.QueryRow(ctx, sql, id).Scan(&decisionID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, notFound
	}
	if err != nil {
		return 0, errs.Internal(err)
	}
	return decisionID, nil
}

const dispositionColumns = `p.comment_id, p.decision_id, c.receipt, p.disposition, p.reason, p.group_id, p.batch_ref, p.decided_by, p.decided_at,
	p.changed_version, p.changed_articles`

func getDisposition(ctx context.Context, q querier, commentID int64) (Disposition, error) {
	return queryOne[Disposition](ctx, q, errs.NotFound("disposition_not_found", "该意见尚未处理"),
		`SELECT `+dispositionColumns+` FROM comment_dispositions p JOIN comments c ON c.id = p.comment_id
		WHERE p.comment_id = $1`, commentID)
}

// SetCommentDisposition answers one published comment with a disposition
// and its reason, or revises the answer. Only staff of the decision's lead
// unit may call it, while the decision is in handling (after the window
// closed, before the legality review was asked for) and until the adoption
// report is published. An individual disposition replaces a group
// disposition the comment had. Every call is a record entry. Codes:
// comment_not_found, not_lead_unit_staff, invalid_disposition,
// disposition_reason_required, disposition_reason_too_long,
// consultation_still_open, disposition_not_allowed_in_stage,
// adoption_report_published, comment_not_published.
func (s *Service) SetCommentDisposition(ctx context.Context, actor *identity.Account, commentID int64, kind DispositionKind, reason string) (Disposition, error) {
	return s.SetCommentDispositionWith(ctx, actor, commentID, DispositionInput{Kind: kind, Reason: reason})
}

// SetCommentDispositionWith is SetCommentDisposition that can also name the
// articles of the latest draft version the opinion changed
// (DispositionInput.ChangedArticles). Further codes: revised_version_required
// (the latest version is the one consulted on), changed_article_not_found.
func (s *Service) SetCommentDispositionWith(ctx context.Context, actor *identity.Account, commentID int64, in DispositionInput) (Disposition, error) {
	kind, reason := in.Kind, in.Reason
	decisionID, err := s.decisionOf(ctx, `SELECT decision_id FROM comments WHERE id = $1`, commentID, errNoSuchComment)
	if err != nil {
		return Disposition{}, err
	}
	var out Disposition
	err = s.writeDecision(ctx, actor, decisionID, requireLeadStaff, func(tx pgx.Tx, d Decision) (err error) {
		if reason, err = checkDispositionInput(kind, reason); err != nil {
			return err
		}
		if err := handlingOpen(ctx, tx, &d, "disposition_not_allowed_in_stage", "处理公众意见"); err != nil {
			return err
		}
		changed, err := checkChangedArticles(ctx, tx, commentID, in.ChangedArticles)
		if err != nil {
			return err
		}
		var status, receipt string
		if err := tx.QueryRow(ctx, `SELECT status, receipt FROM comments WHERE id = $1`, commentID).Scan(&status, &receipt); err != nil {
			return errs.Internal(err)
		}
		if status != "published" {
			return errs.Conflict("comment_not_published", "只有已公开的意见需要作出处理；待审核或未予公开的意见不能处理")
		}
		prev, err := getDisposition(ctx, tx, commentID)
		revised := err == nil
		if err != nil && !errs.HasCode(err, "disposition_not_found") {
			return err
		}
		now := s.now().Truncate(time.Microsecond)
		if _, err := tx.Exec(ctx, `INSERT INTO comment_dispositions (comment_id, decision_id, disposition, reason, group_id, decided_by, decided_at,
				changed_version, changed_articles)
			VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8)
			ON CONFLICT (comment_id) DO UPDATE SET disposition = EXCLUDED.disposition, reason = EXCLUDED.reason,
				group_id = NULL, batch_ref = NULL, decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at,
				changed_version = EXCLUDED.changed_version, changed_articles = EXCLUDED.changed_articles`,
			commentID, decisionID, kind, reason, actor.ID, now, changed.version, changed.anchors); err != nil {
			return errs.Internal(err)
		}
		payload := map[string]any{"comment_id": commentID, "receipt": receipt, "disposition": kind, "reason": reason, "revised": revised}
		if changed.version != nil {
			payload["changed_version"], payload["changed_articles"] = *changed.version, changed.anchors
		}
		if revised {
			payload["previous_disposition"] = prev.Disposition
			payload["previous_reason"] = prev.Reason
		}
		ev, err := bind(ctx, tx, "comment_dispositions", commentID)
		if err != nil {
			return err
		}
		if revised && prev.GroupID != nil {
			// The comment leaves its group's answer: the group is bound again.
			g, err := bind(ctx, tx, groupDispositions, *prev.GroupID)
			if err != nil {
				return err
			}
			ev = append(ev, g...)
		}
		if _, err := s.appendRecord(ctx, tx, decisionID, actor, RecordCommentDisposition, payload, ev...); err != nil {
			return err
		}
		if err := emit(ctx, tx, &d, events.OpinionAnswered, events.SubjectComment, []int64{commentID}, now, map[string]any{
			"disposition": kind, "count": 1, "revised": revised}); err != nil {
			return err
		}
		out, err = getDisposition(ctx, tx, commentID)
		return err
	})
	return out, err
}

// SetGroupDisposition answers a group of identical or near-identical
// comments (a mass campaign) with one disposition. It sets the disposition
// of every published comment of the group that has no individual
// disposition: comments without one, and comments that carry an earlier
// disposition of this same group (so a group answer can be revised). It
// never overwrites an individual disposition, which staff gave after reading
// that comment on its own; the result says how many it set and how many it
// left alone. Pending and rejected comments get none. The whole group answer
// is one record entry listing the comment ids and receipts. Only staff of
// the lead unit may call it, under the stage rules of SetCommentDisposition.
// Codes: comment_group_not_found, not_lead_unit_staff, invalid_disposition,
// disposition_reason_required, disposition_reason_too_long,
// consultation_still_open, disposition_not_allowed_in_stage,
// adoption_report_published, comment_not_published (the group has no
// published comment).
func (s *Service) SetGroupDisposition(ctx context.Context, actor *identity.Account, groupID int64, kind DispositionKind, reason string) (GroupDispositionResult, error) {
	decisionID, err := s.decisionOf(ctx, `SELECT decision_id FROM comment_groups WHERE id = $1`, groupID, errNoSuchGroup)
	if err != nil {
		return GroupDispositionResult{}, err
	}
	// Every comment stored so far joins its group before the group is answered.
	if err := s.settleGroups(ctx, decisionID); err != nil {
		return GroupDispositionResult{}, err
	}
	res := GroupDispositionResult{GroupID: groupID, DecisionID: decisionID, Disposition: kind, CommentIDs: []int64{}, Receipts: []string{}}
	err = s.writeDecision(ctx, actor, decisionID, requireLeadStaff, func(tx pgx.Tx, d Decision) (err error) {
		if res.Reason, err = checkDispositionInput(kind, reason); err != nil {
			return err
		}
		if err := handlingOpen(ctx, tx, &d, "disposition_not_allowed_in_stage", "处理公众意见"); err != nil {
			return err
		}
		var published int
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'published'), count(*) FILTER (WHERE status <> 'published')
			FROM comments WHERE group_id = $1`, groupID).Scan(&published, &res.Unpublished); err != nil {
			return errs.Internal(err)
		}
		if published == 0 {
			return errs.Conflict("comment_not_published", "该意见组没有已公开的意见，无需处理")
		}
		now := s.now().Truncate(time.Microsecond)
		rows, err := tx.Query(ctx, `INSERT INTO comment_dispositions (comment_id, decision_id, disposition, reason, group_id, decided_by, decided_at)
			SELECT c.id, c.decision_id, $2, $3, $1, $4, $5 FROM comments c
			LEFT JOIN comment_dispositions p ON p.comment_id = c.id
			WHERE c.group_id = $1 AND c.status = 'published' AND (p.comment_id IS NULL OR p.group_id = $1)
			ON CONFLICT (comment_id) DO UPDATE SET disposition = EXCLUDED.disposition, reason = EXCLUDED.reason,
				decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at
			RETURNING comment_id, (SELECT receipt FROM comments WHERE id = comment_id)`,
			groupID, kind, res.Reason, actor.ID, now)
		if res.CommentIDs, res.Receipts, err = answered(rows, err); err != nil {
			return err
		}
		res.Set = len(res.CommentIDs)
		res.SkippedIndividual = published - res.Set
		if res.Set == 0 {
			return nil // every published comment has its own answer: nothing changed, nothing to record
		}
		ev, err := bind(ctx, tx, groupDispositions, groupID)
		if err != nil {
			return err
		}
		_, err = s.appendRecord(ctx, tx, decisionID, actor, RecordGroupDisposition, map[string]any{
			"group_id": groupID, "disposition": kind, "reason": res.Reason, "count": res.Set,
			"comment_ids": res.CommentIDs, "receipts": res.Receipts, "skipped_individual": res.SkippedIndividual}, ev...)
		if err != nil {
			return err
		}
		return emit(ctx, tx, &d, events.OpinionAnswered, events.SubjectComment, res.CommentIDs, now, map[string]any{
			"disposition": kind, "count": res.Set})
	})
	if err != nil {
		return GroupDispositionResult{}, err
	}
	return res, nil
}

// sortReceiptsByID sorts ids ascending and receipts along with them (RETURNING has
// no guaranteed order, and the record entry should not depend on it).
// answered reads the (comment id, receipt) rows an answer to many comments
// returns, in order of comment id.
func answered(rows pgx.Rows, queryErr error) ([]int64, []string, error) {
	if queryErr != nil {
		return nil, nil, errs.Internal(queryErr)
	}
	ids, receipts := []int64{}, []string{}
	var id int64
	var receipt string
	if _, err := pgx.ForEachRow(rows, []any{&id, &receipt}, func() error {
		ids = append(ids, id)
		receipts = append(receipts, receipt)
		return nil
	}); err != nil {
		return nil, nil, errs.Internal(err)
	}
	sortReceiptsByID(ids, receipts)
	return ids, receipts, nil
}

func sortReceiptsByID(ids []int64, receipts []string) {
	idx := make([]int, len(ids))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return ids[idx[a]] < ids[idx[b]] })
	sortedIDs, sortedReceipts := make([]int64, len(ids)), make([]string, len(ids))
	for i, j := range idx {
		sortedIDs[i], sortedReceipts[i] = ids[j], receipts[j]
	}
	copy(ids, sortedIDs)
	copy(receipts, sortedReceipts)
}

// countWithoutDisposition counts the published comments of a decision that
// have no disposition.
func countWithoutDisposition(ctx context.Context, q querier, decisionID int64) (int, error) {
	return queryValue[int](ctx, q, `SELECT count(*)::int FROM comments c WHERE c.decision_id = $1 AND c.status = 'published'
		AND NOT EXISTS (SELECT 1 FROM comment_dispositions p WHERE p.comment_id = c.id)`, decisionID)
}

func errCommentsWithoutDisposition(n int) error {
	return &errs.Error{Kind: errs.KindConflict, Code: "comments_without_disposition", Basis: dispositionBasis,
		Message: "尚有" + strconv.Itoa(n) + "条已公开的公众意见未作出处理，请先逐条或按意见组答复"}
}

// reviewWithoutConsultation reports whether a gate of the handling stage
// has nothing to check: a decision withheld from public consultation
// (Decree 713 Art. 14) that never had one has no comments and no report.
func reviewWithoutConsultation(ctx context.Context, st *GateState) (bool, error) {
	if !st.Decision.NotDisclosable {
		return false, nil
	}
	var had bool
	err := st.Tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM consultations WHERE decision_id = $1)`, st.Decision.ID).Scan(&had)
	return !had, err
}

func init() {
	addGate(StatusUnderReview, Gate{Code: "comments_without_disposition", Basis: dispositionBasis, Title: "每条公开的公众意见均已作出处理并说明理由",
		Message: "尚有已公开的公众意见未作出处理（采纳、部分采纳、不予采纳或不属于本次征求范围，并说明理由）", Applies: always,
		Check: func(ctx context.Context, st *GateState) (bool, error) {
			if skip, err := reviewWithoutConsultation(ctx, st); skip || err != nil {
				return skip, err
			}
			n, err := countWithoutDisposition(ctx, st.Tx, st.Decision.ID)
			return n == 0, err
		}})
	addGate(StatusUnderReview, Gate{Code: "adoption_report_not_published", Basis: adoptionReportPublishedBasis, Title: "已公布意见采纳情况说明",
		Message: "须先生成并公布意见采纳情况说明（公众意见的采纳情况及理由）", Applies: always,
		Check: func(ctx context.Context, st *GateState) (bool, error) {
			if skip, err := reviewWithoutConsultation(ctx, st); skip || err != nil {
				return skip, err
			}
			return adoptionReportPublished(ctx, st.Tx, st.Decision.ID)
		}})
}
