package integrations

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Signatory is one person who signed an organisation's comment. Only those
// who consented to be named are sent (PIPL: collect the minimum); the
// others are only counted in SignatoryCount.
type Signatory struct {
	Name    string `json:"name"`
	Consent bool   `json:"consent"`
}

// OrganisationCommentInput is a comment an organisation submits.
type OrganisationCommentInput struct {
	consultation.CommentInput
	// SignatoryCount is how many people the comment speaks for (at least
	// the named signatories, at least 1).
	SignatoryCount int
	Signatories    []Signatory
}

// Limits of a signatory list.
const (
	MaxSignatoryCount = 10_000_000
	MaxNamedSignatory = 2000
)

// OrganisationComment is a comment submitted on an organisation's behalf.
type OrganisationComment struct {
	Comment          consultation.Comment
	OrganisationID   int64
	OrganisationName string
	SignatoryCount   int
	// Signatories are the names of those who consented to be named.
	Signatories []string
	CreatedAt   time.Time
}

// SubmitOrganisationComment submits a comment on the organisation's own
// behalf, with the key's scope submit_comments. The comment passes every
// gate of consultation.SubmitComment (window open, article, rate limits)
// as a comment of the account that manages the organisation; this package
// records for whom and with how many signatories. An Idempotency-Key
// makes a retry return the first comment. Codes: api_key_scope,
// organisation_manager_disabled (403: the managing account is disabled or
// deleted),
// invalid_signatory_count, signatory_consent_required,
// invalid_signatory_name, and SubmitComment's.
func (s *Service) SubmitOrganisationComment(ctx context.Context, call *KeyCall, decisionID int64, in OrganisationCommentInput) (OrganisationComment, bool, error) {
	if !call.Allows(ScopeSubmitComments) {
		return OrganisationComment{}, false, errs.Forbidden("api_key_scope", "该API密钥没有以组织名义提交意见的权限")
	}
	names := make([]string, 0, len(in.Signatories))
	if len(in.Signatories) > MaxNamedSignatory {
		return OrganisationComment{}, false, errs.InvalidField("invalid_signatory_count", "signatories", "署名的联署人最多2000名，其余请只计入人数")
	}
	for _, sg := range in.Signatories {
		if !sg.Consent {
			return OrganisationComment{}, false, errs.InvalidField("signatory_consent_required", "signatories",
				"只能列出同意公开署名的联署人；未同意的请只计入联署人数，不要发送姓名")
		}
		name := strings.TrimSpace(sg.Name)
		if n := utf8.RuneCountInString(name); n < 1 || n > 50 {
			return OrganisationComment{}, false, errs.InvalidField("invalid_signatory_name", "signatories", "联署人姓名应为1到50个字")
		}
		names = append(names, name)
	}
	if in.SignatoryCount < 1 || in.SignatoryCount > MaxSignatoryCount || in.SignatoryCount < len(names) {
		return OrganisationComment{}, false, errs.InvalidField("invalid_signatory_count", "signatory_count",
			"联署人数应至少为1，且不少于署名的联署人")
	}
	org, err := s.organisation(ctx, call.OrganisationID)
	if err != nil {
		return OrganisationComment{}, false, err
	}
	owner, err := s.account(ctx, org.OwnerAccountID)
	if errs.HasCode(err, "account_not_found") || (err == nil && owner.DisabledAt != nil) {
		// The comment would stand as the manager's: an account an admin
		// disabled (or one deleted) speaks no more through its keys
		// (outside check sec2: a disabled account's organisation went on
		// commenting).
		return OrganisationComment{}, false, errs.Forbidden("organisation_manager_disabled",
			"该组织的管理账号已停用或注销，暂不能以组织名义提交意见；请联系管理员")
	}
	if err != nil {
		return OrganisationComment{}, false, err
	}
	c, created, err := s.Consultation.SubmitComment(ctx, &owner, decisionID, in.CommentInput)
	if err != nil {
		return OrganisationComment{}, false, err
	}
	// The comment stands under the organisation's name, as everywhere it
	// is shown; the manager's pseudonym, which their own comments carry,
	// is not for whoever holds the key (outside check sec2: the answer
	// named it, tying the organisation to the manager's own comments).
	c.AuthorName = org.Name
	raw, _ := json.Marshal(names)
	// ON CONFLICT: a replayed Idempotency-Key returns the first comment
	// and keeps its first signatories (the row exists unless the first
	// request failed between the two writes, which the retry completes).
	rows, err := s.DB.Query(ctx, `INSERT INTO organisation_comments (comment_id, organisation_id, key_id, signatory_count, signatories, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (comment_id) DO UPDATE SET comment_id = EXCLUDED.comment_id
		RETURNING signatory_count, signatories, created_at, organisation_id`,
		c.ID, org.ID, call.KeyID, in.SignatoryCount, raw, s.now())
	if err != nil {
		return OrganisationComment{}, false, errs.Internal(err)
	}
	oc := OrganisationComment{Comment: c, OrganisationName: org.Name}
	var stored []byte
	if _, err := pgx.ForEachRow(rows, []any{&oc.SignatoryCount, &stored, &oc.CreatedAt, &oc.OrganisationID}, func() error { return nil }); err != nil {
		return OrganisationComment{}, false, errs.Internal(err)
	}
	if oc.OrganisationID != org.ID {
		return OrganisationComment{}, false, errs.Conflict("idempotency_key_reused", "该幂等键已用于另一组织的意见")
	}
	if err := json.Unmarshal(stored, &oc.Signatories); err != nil {
		return OrganisationComment{}, false, errs.Internal(err)
	}
	return oc, created, nil
}

// OrganisationCommentRow is one comment of an organisation as listed.
type OrganisationCommentRow struct {
	CommentID      int64     `db:"comment_id"`
	DecisionID     int64     `db:"decision_id"`
	DecisionTitle  string    `db:"decision_title"`
	Receipt        string    `db:"receipt"`
	Status         string    `db:"status"`
	SignatoryCount int       `db:"signatory_count"`
	NamedCount     int       `db:"named_count"`
	CreatedAt      time.Time `db:"created_at"`
}

// ListOrganisationComments lists the comments an organisation submitted,
// newest first, to its manager or an admin. Codes: organisation_not_found.
func (s *Service) ListOrganisationComments(ctx context.Context, actor *identity.Account, orgID int64) ([]OrganisationCommentRow, error) {
	if _, err := s.GetOrganisation(ctx, actor, orgID); err != nil {
		return nil, err
	}
	return pgrows.All[OrganisationCommentRow](ctx, s.DB, `SELECT oc.comment_id, c.decision_id, d.title AS decision_title, c.receipt, c.status,
			oc.signatory_count, jsonb_array_length(oc.signatories) AS named_count, oc.created_at
		FROM organisation_comments oc JOIN comments c ON c.id = oc.comment_id JOIN decisions d ON d.id = c.decision_id
		WHERE oc.organisation_id = $1 ORDER BY oc.comment_id DESC LIMIT 200`, orgID)
}
