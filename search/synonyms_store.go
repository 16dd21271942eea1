package search

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// SynonymGroup is a group of near-synonyms staff added
// (migrations/00025_search_synonyms.sql).
type SynonymGroup struct {
	ID        int64     `db:"id" json:"id"`
	Words     []string  `db:"words" json:"words"`
	CreatedBy int64     `db:"created_by" json:"created_by"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// Bounds of a synonym group.
const (
	maxSynonymWords     = 12
	maxSynonymWordRunes = 20
	maxSynonymGroups    = 2000
)

// synonymSetter is a backend that takes the staff's synonym groups.
type synonymSetter interface {
	SetSynonyms(extra [][]string)
}

// synonymRefresh is how often an instance re-reads the groups, so that a
// group added on one instance reaches the others' queries.
const synonymRefresh = 30 * time.Second

// synonymState caches the last groups applied to the indexes.
type synonymState struct {
	mu     sync.Mutex
	loaded time.Time
}

// BuiltinSynonyms are the groups compiled into the service.
func BuiltinSynonyms() [][]string { return slices.Clone(synonymGroups) }

// ListSynonymGroups lists the groups staff added, oldest first. Admins
// only. Codes: authentication_required, admin_only.
func (s *Service) ListSynonymGroups(ctx context.Context, actor *identity.Account) ([]SynonymGroup, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return s.synonymGroups(ctx)
}

func (s *Service) synonymGroups(ctx context.Context) ([]SynonymGroup, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, words, created_by, created_at FROM search_synonyms ORDER BY id`)
	if err != nil {
		return nil, errs.Internal(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[SynonymGroup])
	if err != nil {
		return nil, errs.Internal(err)
	}
	return list, nil
}

// AddSynonymGroup adds a group of 2–12 words (each 1–20 characters; spaces
// or punctuation between words separate them) and applies it to search at
// once on this instance (on the others within synonymRefresh). Admins
// only; audited with the words. Codes: authentication_required,
// admin_only, invalid_synonyms.
func (s *Service) AddSynonymGroup(ctx context.Context, actor *identity.Account, words []string) (SynonymGroup, error) {
	if err := requireAdmin(actor); err != nil {
		return SynonymGroup{}, err
	}
	var clean []string
	for _, w := range words {
		for _, f := range strings.FieldsFunc(w, func(r rune) bool {
			return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\u3000' || r == ';' || r == '；'
		}) {
			if f = strings.TrimSpace(f); f != "" && !slices.Contains(clean, f) {
				clean = append(clean, f)
			}
		}
	}
	if len(clean) < 2 || len(clean) > maxSynonymWords {
		return SynonymGroup{}, errs.InvalidField("invalid_synonyms", "words", "一组近义词应有2到12个词")
	}
	for _, w := range clean {
		if utf8.RuneCountInString(w) > maxSynonymWordRunes || strings.TrimSpace(Normalize(w)) == "" {
			return SynonymGroup{}, errs.InvalidField("invalid_synonyms", "words", "每个词不超过20个字，且不能只有标点")
		}
	}
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT count(*) FROM search_synonyms`).Scan(&n); err != nil {
		return SynonymGroup{}, errs.Internal(err)
	}
	if n >= maxSynonymGroups {
		return SynonymGroup{}, errs.Invalid("invalid_synonyms", "近义词组已达上限（2000组）")
	}
	var g SynonymGroup
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO search_synonyms (words, created_by, created_at) VALUES ($1, $2, now())
			RETURNING id, words, created_by, created_at`, clean, actor.ID)
		if err != nil {
			return errs.Internal(err)
		}
		if g, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[SynonymGroup]); err != nil {
			return errs.Internal(err)
		}
		return s.audit(ctx, tx, actor, identity.AdminAction{Action: "add-search-synonym-group", TargetKind: "synonym_group",
			TargetID: g.ID, TargetName: strings.Join(g.Words, "、"), Detail: map[string]any{"words": g.Words}})
	})
	if err != nil {
		return SynonymGroup{}, err
	}
	s.refreshSynonyms(ctx, true)
	return g, nil
}

// audit records an admin action in tx. Codes: internal when no audit log is
// wired.
func (s *Service) audit(ctx context.Context, tx pgx.Tx, actor *identity.Account, a identity.AdminAction) error {
	if s.Audit == nil {
		return errs.Internal(errNoAuditLog)
	}
	return s.Audit.RecordAdminActionTx(ctx, tx, actor, a)
}

var errNoAuditLog = errors.New("search: no admin audit log wired (Service.Audit)")

// DeleteSynonymGroup removes a group staff added. Admins only; audited with
// the words removed. Codes: authentication_required, admin_only,
// synonym_group_not_found.
func (s *Service) DeleteSynonymGroup(ctx context.Context, actor *identity.Account, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		var words []string
		err := tx.QueryRow(ctx, `DELETE FROM search_synonyms WHERE id = $1 RETURNING words`, id).Scan(&words)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.NotFound("synonym_group_not_found", "没有这组近义词")
		}
		if err != nil {
			return errs.Internal(err)
		}
		// The words go with the row: the entry is all that says which they were.
		return s.audit(ctx, tx, actor, identity.AdminAction{Action: "delete-search-synonym-group", TargetKind: "synonym_group",
			TargetID: id, TargetName: strings.Join(words, "、"), Detail: map[string]any{"words": words}})
	})
	if err != nil {
		return err
	}
	s.refreshSynonyms(ctx, true)
	return nil
}

// refreshSynonyms applies the stored groups to the indexes when forced or
// when synonymRefresh has passed since the last time. A failure keeps the
// groups applied before: synonyms never fail a search.
func (s *Service) refreshSynonyms(ctx context.Context, force bool) {
	s.syn.mu.Lock()
	defer s.syn.mu.Unlock()
	if !force && time.Since(s.syn.loaded) < synonymRefresh {
		return
	}
	s.syn.loaded = time.Now()
	list, err := s.synonymGroups(ctx)
	if err != nil {
		return
	}
	extra := make([][]string, len(list))
	for i, g := range list {
		extra[i] = g.Words
	}
	for _, idx := range []Index{s.Index, s.Staff} {
		if st, ok := idx.(synonymSetter); ok {
			st.SetSynonyms(extra)
		}
	}
}

func requireAdmin(actor *identity.Account) error {
	if actor == nil {
		return errs.Unauthenticated("authentication_required", "请先登录")
	}
	if !actor.HasRole(identity.RoleAdmin) {
		return errs.Forbidden("admin_only", "只有系统管理员可以维护搜索近义词")
	}
	return nil
}
