package themes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"golang.org/x/text/unicode/norm"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Theme is one theme as staff see it on the board.
type Theme struct {
	ID              int64
	AnalysisID      int64
	DecisionID      int64
	Version         int
	Origin          string // machine or staff
	MachineLabel    string
	Label           string
	Words           []string
	MachineOffTopic bool
	OffTopic        bool
	Status          string // active or merged
	MergedInto      *int64
	SplitFrom       *int64
	// CarriedFrom is the theme of the previous analysis this one carries on
	// (a re-analysis keeps the themes staff worked on, keep.go).
	CarriedFrom *int64
	// CheckedAt is when staff marked the theme checked (nil: not checked),
	// CheckedBy who; JoinedSinceCheck counts the comments that joined it
	// since (new comments the machine placed).
	CheckedAt        *time.Time
	CheckedBy        *int64
	JoinedSinceCheck int
	// answerRefs are the batch references whose answers count as the
	// theme's own: its own and those of the themes it carries on.
	answerRefs []string
	// Size counts its comments (first or second theme), Primary those whose
	// first theme it is, Published the published ones among Size.
	Size      int
	Primary   int
	Published int
	Stances   []Count
	Articles  []ArticleCount
	Summary   []Cited
	// RepresentativeIDs are the machine's representative comments.
	RepresentativeIDs []int64
	Answer            *Answer
	// Answered counts the published comments carrying the theme's answer,
	// Overridden those answered otherwise (individually or by group), and
	// Unanswered those without an answer.
	Answered, Overridden, Unanswered int
	// Offline counts the opinions received outside the online consultation
	// (letters, the 12345 hotline, forums…) placed in the theme, Channels
	// by channel (offline.go).
	Offline   int
	Channels  []Count
	UpdatedAt time.Time
}

// Count is a count by key with its Chinese name.
type Count struct {
	Key   string
	Name  string
	Count int
}

// ArticleCount counts a theme's comments on one article ("" the whole draft).
type ArticleCount struct {
	Anchor string
	Label  string
	Count  int
}

// Answer is a theme's answer.
type Answer struct {
	Disposition     consultation.DispositionKind
	Reason          string
	ArticlesChanged []string
	TemplateID      *int64
	AnsweredBy      int64
	AnsweredAt      time.Time
}

// StanceNames are the Chinese names of the stances.
var StanceNames = map[string]string{StanceSupport: "支持", StanceOppose: "反对", StanceSuggestion: "建议", StanceNone: "未表明态度"}

var stanceOrder = []string{StanceSupport, StanceOppose, StanceSuggestion, StanceNone}

const themeColumns = `t.id, t.analysis_id, t.decision_id, a.version, t.origin, t.machine_label, t.label, t.words, t.machine_off_topic,
	t.off_topic, t.status, t.merged_into, t.split_from, t.carried_from, t.answer_refs, t.checked_at, t.checked_by, t.summary, t.representative_ids, t.updated_at,
	w.disposition, w.reason, w.articles_changed, w.template_id, w.answered_by, w.answered_at`

func scanTheme(row pgx.Row) (Theme, error) {
	var t Theme
	var summary []byte
	var disp, reason *string
	var changed []string
	var tmpl, by *int64
	var at *time.Time
	err := row.Scan(&t.ID, &t.AnalysisID, &t.DecisionID, &t.Version, &t.Origin, &t.MachineLabel, &t.Label, &t.Words,
		&t.MachineOffTopic, &t.OffTopic, &t.Status, &t.MergedInto, &t.SplitFrom, &t.CarriedFrom, &t.answerRefs, &t.CheckedAt, &t.CheckedBy, &summary, &t.RepresentativeIDs, &t.UpdatedAt,
		&disp, &reason, &changed, &tmpl, &by, &at)
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal(summary, &t.Summary); err != nil {
		return t, err
	}
	if disp != nil {
		t.Answer = &Answer{Disposition: consultation.DispositionKind(*disp), Reason: *reason, ArticlesChanged: changed,
			TemplateID: tmpl, AnsweredBy: *by, AnsweredAt: at.UTC()}
	}
	t.UpdatedAt = t.UpdatedAt.UTC()
	if t.CheckedAt != nil {
		at := t.CheckedAt.UTC()
		t.CheckedAt = &at
	}
	t.answerRefs = append(t.answerRefs, themeRef(t.ID))
	return t, nil
}

// memberFact is what the board counts of one member.
type memberFact struct {
	themeID    int64
	primary    bool
	anchor     string
	stance     string
	status     string
	batchRef   *string
	answered   bool
	sinceCheck bool
}

// joinedSinceCheck is the SQL condition that member m of theme t joined
// it after staff checked it: placed by the machine, not confirmed.
const joinedSinceCheck = `(t.checked_at IS NOT NULL AND m.is_primary AND NOT m.confirmed AND m.added_by <> 'staff')`

// loadThemes reads the themes of an analysis (all of them with all true,
// else the active ones) with their counts.
func (s *Service) loadThemes(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, where string, arg any, decisionID int64) ([]Theme, error) {
	rows, err := q.Query(ctx, `SELECT `+themeColumns+` FROM themes t JOIN theme_analyses a ON a.id = t.analysis_id
		LEFT JOIN theme_answers w ON w.theme_id = t.id WHERE `+where+` ORDER BY t.id`, arg)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []Theme
	for rows.Next() {
		t, err := scanTheme(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Internal(err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Internal(err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	byID := map[int64]int{}
	for i, t := range out {
		ids[i] = t.ID
		byID[t.ID] = i
	}
	labels, err := s.articleLabels(ctx, decisionID)
	if err != nil {
		return nil, err
	}
	facts, err := q.Query(ctx, `SELECT m.theme_id, m.is_primary, coalesce(c.article_anchor, ''), coalesce(c.stance, ''),
			CASE WHEN c.stance IS NULL THEN c.body ELSE '' END, c.status, p.batch_ref, p.comment_id IS NOT NULL,
			coalesce(`+joinedSinceCheck+`, false)
		FROM theme_members m JOIN themes t ON t.id = m.theme_id JOIN comments c ON c.id = m.comment_id
		LEFT JOIN comment_dispositions p ON p.comment_id = c.id
		WHERE m.theme_id = ANY($1) AND m.removed_at IS NULL AND c.status <> 'rejected'`, ids)
	if err != nil {
		return nil, errs.Internal(err)
	}
	stances := make([]map[string]int, len(out))
	articles := make([]map[string]int, len(out))
	for i := range out {
		stances[i], articles[i] = map[string]int{}, map[string]int{}
	}
	var f memberFact
	var body string
	if _, err := pgx.ForEachRow(facts, []any{&f.themeID, &f.primary, &f.anchor, &f.stance, &body, &f.status, &f.batchRef, &f.answered,
		&f.sinceCheck},
		func() error {
			i := byID[f.themeID]
			t := &out[i]
			t.Size++
			if f.sinceCheck {
				t.JoinedSinceCheck++
			}
			if f.primary {
				t.Primary++
			}
			stances[i][Stance(f.stance, body)]++
			articles[i][f.anchor]++
			if f.status != "published" {
				return nil
			}
			t.Published++
			switch {
			case f.batchRef != nil && slices.Contains(t.answerRefs, *f.batchRef):
				t.Answered++
			case f.answered:
				t.Overridden++
			default:
				t.Unanswered++
			}
			return nil
		}); err != nil {
		return nil, errs.Internal(err)
	}
	for i := range out {
		for _, k := range stanceOrder {
			out[i].Stances = append(out[i].Stances, Count{Key: k, Name: StanceNames[k], Count: stances[i][k]})
		}
		for a, n := range articles[i] {
			out[i].Articles = append(out[i].Articles, ArticleCount{Anchor: a, Label: labels.label(a), Count: n})
		}
		sort.Slice(out[i].Articles, func(x, y int) bool {
			ax, ay := out[i].Articles[x], out[i].Articles[y]
			if ax.Count != ay.Count {
				return ax.Count > ay.Count
			}
			return labels.order(ax.Anchor) < labels.order(ay.Anchor)
		})
	}
	return out, nil
}

func themeRef(id int64) string { return "theme:" + strconv.FormatInt(id, 10) }

// articleLabeller names anchors and orders them as in the draft.
type articleLabeller struct {
	names map[string]string
	pos   map[string]int
}

func (l articleLabeller) label(anchor string) string {
	if anchor == "" {
		return "草案整体"
	}
	if n := l.names[anchor]; n != "" {
		return n
	}
	return anchor
}

func (l articleLabeller) order(anchor string) int {
	if p, ok := l.pos[anchor]; ok {
		return p
	}
	return 1 << 20
}

func (s *Service) articleLabels(ctx context.Context, decisionID int64) (articleLabeller, error) {
	arts, err := s.Consultation.ConsultedArticles(ctx, decisionID)
	if err != nil {
		return articleLabeller{}, err
	}
	l := articleLabeller{names: map[string]string{}, pos: map[string]int{}}
	for i, a := range arts {
		name := a.Label
		if name == "" {
			name = "第" + strconv.Itoa(a.Number) + "段"
		}
		l.names[a.Anchor], l.pos[a.Anchor] = name, i
	}
	return l, nil
}

// ListThemes returns the active themes of the decision's latest analysis,
// largest first; with article set, only the themes with comments on that
// article (anchor, or "whole" for the whole draft). Readers: staff of the
// lead unit, decision body and co-units, admins. Codes: decision_not_found,
// authentication_required, themes_not_visible, theme_analysis_not_found.
func (s *Service) ListThemes(ctx context.Context, actor *identity.Account, decisionID int64, article string) ([]Theme, Analysis, error) {
	if _, err := s.readable(ctx, actor, decisionID); err != nil {
		return nil, Analysis{}, err
	}
	a, err := s.getAnalysis(ctx, decisionID)
	if err != nil {
		return nil, a, err
	}
	ts, err := s.loadThemes(ctx, s.DB, `t.analysis_id = $1 AND t.status = 'active'`, a.ID, decisionID)
	if err != nil {
		return nil, a, err
	}
	if _, _, err := s.withOffline(ctx, ts, a.ID, decisionID); err != nil {
		return nil, a, err
	}
	if article != "" {
		want := article
		if article == "whole" {
			want = ""
		}
		kept := ts[:0]
		for _, t := range ts {
			for _, ac := range t.Articles {
				if ac.Anchor == want {
					kept = append(kept, t)
					break
				}
			}
		}
		ts = kept
	}
	sort.SliceStable(ts, func(i, j int) bool {
		if ts[i].OffTopic != ts[j].OffTopic {
			return !ts[i].OffTopic
		}
		return ts[i].Size > ts[j].Size
	})
	return ts, a, nil
}

func (s *Service) getAnalysis(ctx context.Context, decisionID int64) (Analysis, error) {
	var a Analysis
	err := s.DB.QueryRow(ctx, `SELECT id, decision_id, version, comment_count, content_hash, created_at,
			(SELECT count(*) FROM themes t WHERE t.analysis_id = x.id AND t.status = 'active')::int,
			(SELECT count(*) FROM themes t WHERE t.analysis_id = x.id AND t.carried_from IS NOT NULL)::int
		FROM theme_analyses x WHERE decision_id = $1 ORDER BY version DESC LIMIT 1`, decisionID).
		Scan(&a.ID, &a.DecisionID, &a.Version, &a.CommentCount, &a.ContentHash, &a.CreatedAt, &a.ThemeCount, &a.Kept)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, errNoAnalysis
	}
	if err != nil {
		return a, errs.Internal(err)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// ThemeComment is a comment of a theme as its page lists it.
type ThemeComment struct {
	ID            int64
	Receipt       string
	ArticleAnchor string
	ArticleLabel  string
	Stance        string // as chosen or read (Stance)
	Body          string
	Status        string
	Primary       bool
	AddedBy       string
	Similarity    float64
	GroupID       int64
	Disposition   consultation.DispositionKind
	Reason        string
	// FromTheme says the comment carries this theme's answer.
	FromTheme bool
}

// ThemeDetail is one theme with a page of its comments.
type ThemeDetail struct {
	Theme
	Representatives []ThemeComment
	Comments        []ThemeComment
	NextCursor      string
	// Matching is the number of the theme's comments that contain the
	// page's Query (0 without one).
	Matching int
	// OfflineOpinions are the opinions received outside the online
	// consultation placed in the theme, closest first (all of them).
	OfflineOpinions []OfflineOpinion
}

// GetTheme returns a theme with its counts, summary, representatives and
// a page of its comments (page.Limit at most 200, page.Cursor from
// NextCursor) in page.Order, only those containing page.Query when it is
// set. Readers as ListThemes. Codes: theme_not_found, decision_not_found,
// authentication_required, themes_not_visible, invalid_cursor,
// invalid_order, invalid_query.
func (s *Service) GetTheme(ctx context.Context, actor *identity.Account, themeID int64, page ThemePage) (ThemeDetail, error) {
	limit, cursor := page.Limit, page.Cursor
	if page.Order != OrderClosest && page.Order != OrderWeakest && page.Order != "" {
		return ThemeDetail{}, errs.InvalidField("invalid_order", "order", "排列方式应为 closest 或 weakest")
	}
	forms, err := queryForms(page.Query)
	if err != nil {
		return ThemeDetail{}, err
	}
	decisionID, err := s.decisionOfTheme(ctx, themeID)
	if err != nil {
		return ThemeDetail{}, err
	}
	if _, err := s.readable(ctx, actor, decisionID); err != nil {
		return ThemeDetail{}, err
	}
	ts, err := s.loadThemes(ctx, s.DB, `t.id = $1`, themeID, decisionID)
	if err != nil {
		return ThemeDetail{}, err
	}
	if len(ts) == 0 {
		return ThemeDetail{}, errNoTheme
	}
	offline, _, err := s.withOffline(ctx, ts, ts[0].AnalysisID, decisionID)
	if err != nil {
		return ThemeDetail{}, err
	}
	out := ThemeDetail{Theme: ts[0], OfflineOpinions: offline[themeID]}
	labels, err := s.articleLabels(ctx, decisionID)
	if err != nil {
		return out, err
	}
	limit, offset, err := pageOf(limit, cursor)
	if err != nil {
		return out, err
	}
	list, err := s.themeComments(ctx, themeID, nil, page.Order, forms, limit+1, offset, labels)
	if err != nil {
		return out, err
	}
	if len(list) > limit {
		list = list[:limit]
		out.NextCursor = strconv.Itoa(offset + limit)
	}
	out.Comments = list
	if forms != nil {
		if err := s.DB.QueryRow(ctx, `SELECT count(*) FROM theme_members m JOIN comments c ON c.id = m.comment_id
			WHERE m.theme_id = $1 AND c.status <> 'rejected' AND m.removed_at IS NULL AND `+containsText(), themeID, forms).
			Scan(&out.Matching); err != nil {
			return out, errs.Internal(err)
		}
	}
	if out.Representatives, err = s.themeComments(ctx, themeID, out.RepresentativeIDs, OrderClosest, nil, len(out.RepresentativeIDs), 0,
		labels); err != nil {
		return out, err
	}
	return out, nil
}

// pageOf reads a page's limit (at most 200, 50 when unset) and its cursor,
// an offset. Code: invalid_cursor.
func pageOf(limit int, cursor string) (int, int, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	offset := 0
	if cursor != "" {
		var err error
		if offset, err = strconv.Atoi(cursor); err != nil || offset < 0 {
			return 0, 0, errs.InvalidField("invalid_cursor", "cursor", "翻页参数无效")
		}
	}
	return limit, offset, nil
}

// ThemePage is the page of a theme's comments GetTheme returns.
type ThemePage struct {
	Limit  int
	Cursor string
	// Order is OrderClosest ("" too) or OrderWeakest.
	Order string
	// Query, when set, keeps the comments that contain it (queryForms).
	Query string
}

// MaxQueryRunes bounds a query within a theme's comments.
const MaxQueryRunes = 30

// queryForms are the forms of a query a comment's text is searched for:
// the query folded as containsAny folds the text (foldQuery), so that 停车
// finds 停車 and 停車收费 finds 停车收費, 300 finds ３００ and APP finds ａｐｐ,
// however the query and the text mix them. nil for an empty query. Code:
// invalid_query.
func queryForms(q string) ([]string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	if utf8.RuneCountInString(q) > MaxQueryRunes {
		return nil, errs.InvalidField("invalid_query", "q", fmt.Sprintf("查找内容不能超过%d个字", MaxQueryRunes))
	}
	return []string{foldQuery(q)}, nil
}

// The text a query is looked for in is folded in SQL, character by
// character, the way foldQuery folds the query: NFKC (full-width letters,
// digits and punctuation to their usual forms), lower case, and every
// traditional character OpenCC simplifies to one character simplified.
var (
	foldOnce sync.Once
	foldRune map[rune]rune
	// containsAny is the SQL condition that comment c's folded text
	// contains one of the forms in $2 (nil: any text).
	containsAny string
)

func loadFold() {
	t2sOnce.Do(loadT2S)
	foldRune = map[rune]rune{}
	var from, to strings.Builder
	if t2s != nil {
		for r := rune(cjkFirst); r <= cjkLast; r++ {
			if !tradRunes[r-cjkFirst] {
				continue
			}
			out, err := t2s.Convert(string(r))
			if o := []rune(out); err == nil && len(o) == 1 && o[0] != r && o[0] != '\'' {
				foldRune[r] = o[0]
				from.WriteRune(r)
				to.WriteRune(o[0])
			}
		}
	}
	folded := `lower(normalize(c.body, NFKC))`
	if from.Len() > 0 {
		folded = `translate(` + folded + `, '` + from.String() + `', '` + to.String() + `')`
	}
	containsAny = `($2::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($2::text[]) f WHERE strpos(` + folded + `, f) > 0))`
}

// foldQuery folds a query as the SQL of containsAny folds the text.
func foldQuery(q string) string {
	foldOnce.Do(loadFold)
	return strings.Map(func(r rune) rune {
		if f, ok := foldRune[r]; ok {
			return f
		}
		return r
	}, strings.ToLower(norm.NFKC.String(q)))
}

// containsText is containsAny, once the fold is loaded.
func containsText() string {
	foldOnce.Do(loadFold)
	return containsAny
}

// MatchingComments returns the ids of all the theme's current comments
// that contain query (queryForms), for a step on all of them at once
// (split-theme, move-comments-to-theme). Readers as ListThemes. Codes:
// theme_not_found, themes_not_visible, invalid_query.
func (s *Service) MatchingComments(ctx context.Context, actor *identity.Account, themeID int64, query string) ([]int64, error) {
	decisionID, err := s.decisionOfTheme(ctx, themeID)
	if err != nil {
		return nil, err
	}
	if _, err := s.readable(ctx, actor, decisionID); err != nil {
		return nil, err
	}
	forms, err := queryForms(query)
	if err != nil || forms == nil {
		return nil, err
	}
	return pgrows.Column[int64](ctx, s.DB, `SELECT c.id FROM theme_members m JOIN comments c ON c.id = m.comment_id
		WHERE m.theme_id = $1 AND c.status <> 'rejected' AND m.removed_at IS NULL AND `+containsText()+` ORDER BY c.id`, themeID, forms)
}

// The orders of a theme's comments. OrderClosest: the theme's first
// comments, closest to its centroid first, then those in it as their
// second theme. OrderWeakest: the comments the machine placed, least
// close first, then those staff placed: where to look for comments the
// machine put in the wrong theme. On the validation set (TestWeakestFirst)
// 30% of the comments are in a theme whose most comments are of another
// coded theme; of the fifth of each theme least close to it, 51%
// (development set: 18% and 38%; the held-out coded sets: 22% and 42%,
// 18% and 39%).
const (
	OrderClosest = "closest"
	OrderWeakest = "weakest"
)

// themeComments lists the theme's current comments in order, only those
// of ids when ids is not nil and those containing one of forms when forms
// is not nil.
func (s *Service) themeComments(ctx context.Context, themeID int64, ids []int64, order string, forms []string, limit, offset int,
	labels articleLabeller) ([]ThemeComment, error) {
	if ids != nil && len(ids) == 0 {
		return []ThemeComment{}, nil
	}
	orderBy := `m.is_primary DESC, m.similarity DESC, c.id`
	if order == OrderWeakest {
		orderBy = `m.added_by = 'staff', m.similarity, c.id`
	}
	rows, err := s.DB.Query(ctx, `SELECT c.id, c.receipt, coalesce(c.article_anchor, ''), coalesce(c.stance, ''), c.body, c.status,
			m.is_primary, m.added_by, m.similarity, coalesce(c.group_id, 0), coalesce(p.disposition, ''), coalesce(p.reason, ''),
			coalesce(p.batch_ref = 'theme:' || $1::bigint OR p.batch_ref = ANY(t.answer_refs), false)
		FROM theme_members m JOIN themes t ON t.id = m.theme_id JOIN comments c ON c.id = m.comment_id
		LEFT JOIN comment_dispositions p ON p.comment_id = c.id
		WHERE m.theme_id = $1 AND c.status <> 'rejected' AND m.removed_at IS NULL AND ($5::bigint[] IS NULL OR c.id = ANY($5))
			AND `+containsText()+`
		ORDER BY `+orderBy+` LIMIT $3 OFFSET $4`, themeID, forms, limit, offset, ids)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := []ThemeComment{}
	var c ThemeComment
	var sim float32
	var disp string
	if _, err := pgx.ForEachRow(rows, []any{&c.ID, &c.Receipt, &c.ArticleAnchor, &c.Stance, &c.Body, &c.Status, &c.Primary, &c.AddedBy,
		&sim, &c.GroupID, &disp, &c.Reason, &c.FromTheme}, func() error {
		c.Similarity = float64(sim)
		c.Disposition = consultation.DispositionKind(disp)
		c.Stance = Stance(c.Stance, c.Body)
		c.ArticleLabel = labels.label(c.ArticleAnchor)
		out = append(out, c)
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}
