package themes

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// citedReceipts bounds the receipts stored with one summary sentence; the
// count of all sources is kept beside them.
const citedReceipts = 20

// Cited is one summary sentence with the comments it comes from.
type Cited struct {
	Text       string   `json:"text"`
	CommentIDs []int64  `json:"comment_ids"`
	Receipts   []string `json:"receipts"`
	Sources    int      `json:"sources"`
}

// Analysis is one versioned theme analysis of a decision.
type Analysis struct {
	ID           int64 `json:"id"`
	DecisionID   int64 `json:"decision_id"`
	Version      int   `json:"version"`
	CommentCount int   `json:"comment_count"`
	ThemeCount   int   `json:"theme_count"`
	Unthemed     int   `json:"unthemed"`
	// Kept counts the themes staff worked on that this version carries on
	// from the previous one.
	Kept        int       `json:"kept"`
	ContentHash string    `json:"content_hash"`
	CreatedAt   time.Time `json:"created_at"`
	Took        time.Duration
}

// articleTexts are the texts of the articles of the draft version under
// consultation, in the draft's order.
func (s *Service) articleTexts(ctx context.Context, decisionID int64) ([]string, error) {
	articles, err := s.Consultation.ConsultedArticles(ctx, decisionID)
	if err != nil {
		return nil, err
	}
	texts := make([]string, len(articles))
	for i, a := range articles {
		texts[i] = a.Text
	}
	return texts, nil
}

// storedVec is a sparse centroid as stored.
type storedVec struct {
	IDs []int32   `json:"ids"`
	W   []float32 `json:"w"`
}

// Analyze runs a full theme analysis of the decision's comments (published
// and pending) and stores it as the next version: themes with their
// machine labels, members (first and second themes), representatives and
// cited summaries. Earlier versions and staff changes to them stay; staff
// work from the latest. The themes staff worked on in the latest version
// (renamed, marked, checked, merged, split, answered, or given comments by
// hand) are carried into the new one with their names, marks and answers,
// the comments staff placed or confirmed by checking and those answered
// through them staying there
// (keep.go); the machine regroups the rest. One record entry names the
// version, the themes (with the theme each carries on) and the SHA-256 of
// the result, and binds the analysis' row and the machine's themes
// (evidence.go). Only staff of the lead unit. Codes:
// decision_not_found, authentication_required, not_lead_unit_staff,
// no_comments_to_analyse, themes_changed_during_analysis.
func (s *Service) Analyze(ctx context.Context, actor *identity.Account, decisionID int64) (Analysis, error) {
	if _, err := s.writable(ctx, actor, decisionID); err != nil {
		return Analysis{}, err
	}
	return s.analyze(ctx, actor, decisionID)
}

// keptAttempts bounds how often an analysis starts again because staff
// changed the themes it keeps while it ran.
const keptAttempts = 3

var errKeptChanged = errs.Conflict("themes_changed_during_analysis", "分析期间有工作人员调整了主题，请稍后重新分析")

func (s *Service) analyze(ctx context.Context, actor *identity.Account, decisionID int64) (Analysis, error) {
	for attempt := 1; ; attempt++ {
		a, err := s.analyzeOnce(ctx, actor, decisionID)
		if !errors.Is(err, errKeptChanged) || attempt == keptAttempts {
			return a, err
		}
	}
}

// keptTheme is a theme of the latest analysis that staff worked on, as a
// re-analysis carries it on.
type keptTheme struct {
	ID              int64      `json:"id"`
	Origin          string     `json:"origin"`
	MachineLabel    string     `json:"machine_label"`
	Label           string     `json:"label"`
	MachineOffTopic bool       `json:"machine_off_topic"`
	OffTopic        bool       `json:"off_topic"`
	Answered        bool       `json:"answered"`
	Refs            []string   `json:"refs"`
	CheckedAt       *time.Time `json:"checked_at"`
	CheckedBy       *int64     `json:"checked_by"`
	// Pinned are the comments that stay (placed by staff, confirmed by
	// checking the theme, or answered through it); StaffPlaced and
	// Confirmed say which of them staff placed and which were confirmed.
	Pinned      []int64 `json:"pinned"`
	StaffPlaced []bool  `json:"staff_placed"`
	Confirmed   []bool  `json:"confirmed"`
	// others are its other first-theme comments: they start in it.
	others []int64
}

// keptState is what a re-analysis keeps of the latest analysis; hash
// covers everything but the unpinned comments (which the incremental
// joiner may add meanwhile), so a staff change while the analysis runs is
// noticed before it is stored.
type keptState struct {
	themes []keptTheme
	hash   string
}

// readKept reads the themes of the decision's latest analysis that staff
// worked on.
func readKept(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}, decisionID int64) (keptState, error) {
	var st keptState
	analysisID, _, err := currentAnalysis(ctx, q, decisionID)
	if errors.Is(err, errNoAnalysis) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	rows, err := q.Query(ctx, `SELECT t.id, t.origin, t.machine_label, t.label, t.machine_off_topic, t.off_topic,
			w.theme_id IS NOT NULL, t.answer_refs, t.checked_at, t.checked_by
		FROM themes t LEFT JOIN theme_answers w ON w.theme_id = t.id
		WHERE t.analysis_id = $1 AND t.status = 'active' AND (t.origin = 'staff' OR t.label <> t.machine_label
			OR t.off_topic <> t.machine_off_topic OR w.theme_id IS NOT NULL OR t.carried_from IS NOT NULL OR t.checked_at IS NOT NULL
			OR EXISTS (SELECT 1 FROM theme_members m WHERE m.theme_id = t.id AND m.removed_at IS NULL AND m.added_by = 'staff')
			OR EXISTS (SELECT 1 FROM theme_offline_placements p WHERE p.theme_id = t.id AND p.placed_by IS NOT NULL))
		ORDER BY t.id`, analysisID)
	if err != nil {
		return st, errs.Internal(err)
	}
	var k keptTheme
	if _, err := pgx.ForEachRow(rows, []any{&k.ID, &k.Origin, &k.MachineLabel, &k.Label, &k.MachineOffTopic, &k.OffTopic,
		&k.Answered, &k.Refs, &k.CheckedAt, &k.CheckedBy}, func() error {
		k.Refs = append(k.Refs, themeRef(k.ID))
		k.Pinned, k.StaffPlaced, k.Confirmed = []int64{}, []bool{}, []bool{}
		st.themes = append(st.themes, k)
		// The next row is scanned into fresh values, not into this one's.
		k = keptTheme{}
		return nil
	}); err != nil {
		return st, errs.Internal(err)
	}
	if len(st.themes) > 0 {
		ids := make([]int64, len(st.themes))
		at := map[int64]int{}
		for i, t := range st.themes {
			ids[i], at[t.ID] = t.ID, i
		}
		rows, err = q.Query(ctx, `SELECT m.theme_id, m.comment_id, m.added_by = 'staff', m.confirmed,
				coalesce(p.batch_ref = ANY(t.answer_refs || ('theme:' || t.id)), false)
			FROM theme_members m JOIN themes t ON t.id = m.theme_id
			LEFT JOIN comment_dispositions p ON p.comment_id = m.comment_id
			WHERE m.theme_id = ANY($1) AND m.removed_at IS NULL AND m.is_primary ORDER BY m.theme_id, m.comment_id`, ids)
		if err != nil {
			return st, errs.Internal(err)
		}
		var themeID, commentID int64
		var staff, confirmed, answered bool
		if _, err := pgx.ForEachRow(rows, []any{&themeID, &commentID, &staff, &confirmed, &answered}, func() error {
			t := &st.themes[at[themeID]]
			if staff || confirmed || answered {
				t.Pinned = append(t.Pinned, commentID)
				t.StaffPlaced = append(t.StaffPlaced, staff)
				t.Confirmed = append(t.Confirmed, confirmed)
			} else {
				t.others = append(t.others, commentID)
			}
			return nil
		}); err != nil {
			return st, errs.Internal(err)
		}
	}
	b, err := json.Marshal(st.themes)
	if err != nil {
		return st, errs.Internal(err)
	}
	st.hash = consultation.SHA256Hex(b)
	return st, nil
}

// clusterKept is what ClusterDocsKeeping needs of the kept themes: their
// comments as indexes into docs (comments no longer analysed are left out).
func (st keptState) clusterKept(docs []Doc) []KeptTheme {
	index := make(map[int64]int, len(docs))
	for i, d := range docs {
		index[d.ID] = i
	}
	out := make([]KeptTheme, len(st.themes))
	for k, t := range st.themes {
		for _, id := range t.Pinned {
			if i, ok := index[id]; ok {
				out[k].Members = append(out[k].Members, i)
				out[k].Pinned = append(out[k].Pinned, true)
			}
		}
		for _, id := range t.others {
			if i, ok := index[id]; ok {
				out[k].Members = append(out[k].Members, i)
				out[k].Pinned = append(out[k].Pinned, false)
			}
		}
	}
	return out
}

func (s *Service) analyzeOnce(ctx context.Context, actor *identity.Account, decisionID int64) (Analysis, error) {
	started := time.Now()
	kept, err := readKept(ctx, s.DB, decisionID)
	if err != nil {
		return Analysis{}, err
	}
	comments, err := s.Consultation.CommentsForAnalysis(ctx, decisionID, 0, 0, time.Time{})
	if err != nil {
		return Analysis{}, err
	}
	if len(comments) == 0 {
		return Analysis{}, errs.Conflict("no_comments_to_analyse", "该决策事项还没有可以分析的公众意见")
	}
	texts, err := s.articleTexts(ctx, decisionID)
	if err != nil {
		return Analysis{}, err
	}
	docs := make([]Doc, len(comments))
	for i, c := range comments {
		docs[i] = Doc{ID: c.ID, Receipt: c.Receipt, Text: c.Body, Article: c.ArticleAnchor, Group: c.GroupID, Stance: c.Stance}
	}
	p := s.Params
	if p.MaxAgglomerative == 0 {
		p = DefaultParams
	}
	cl := ClusterDocsKeeping(docs, texts, kept.clusterKept(docs), p)
	desc := Describe(docs, cl, p)
	if s.clustered != nil {
		s.clustered()
	}

	type themeRow struct {
		id       int64
		label    string
		words    []string
		offTopic bool
		centroid storedVec
		summary  []Cited
		reps     []int64
		members  [][2]int64 // comment id, primary (1/0)
		kept     *keptTheme
	}
	rows := make([]themeRow, len(cl.Clusters))
	for g, c := range cl.Clusters {
		sv := sparse(c.Centroid, 300)
		r := themeRow{label: desc[g].Label, words: desc[g].Words, offTopic: c.OffTopic,
			centroid: storedVec{IDs: sv.IDs, W: sv.W}, summary: []Cited{}, reps: []int64{}}
		if c.Carries > 0 {
			r.kept = &kept.themes[c.Carries-1]
		}
		if r.label == "" {
			r.label = "未命名主题"
		}
		if r.words == nil {
			r.words = []string{}
		}
		for _, m := range desc[g].Representatives {
			r.reps = append(r.reps, docs[m].ID)
		}
		for _, ss := range desc[g].Summary {
			ct := Cited{Text: ss.Text, Sources: len(ss.Sources), CommentIDs: []int64{}, Receipts: []string{}}
			for _, m := range ss.Sources[:min(len(ss.Sources), citedReceipts)] {
				ct.CommentIDs = append(ct.CommentIDs, docs[m].ID)
				ct.Receipts = append(ct.Receipts, docs[m].Receipt)
			}
			r.summary = append(r.summary, ct)
		}
		for i, m := range c.Members {
			prim := int64(0)
			if c.Primary[i] {
				prim = 1
			}
			r.members = append(r.members, [2]int64{docs[m].ID, prim})
		}
		rows[g] = r
	}
	unthemed := 0
	for _, f := range cl.First {
		if f < 0 {
			unthemed++
		}
	}
	vocab, err := json.Marshal(cl.Vocab)
	if err != nil {
		return Analysis{}, errs.Internal(err)
	}
	out := Analysis{DecisionID: decisionID, CommentCount: len(comments), ThemeCount: len(rows), Unthemed: unthemed,
		Kept: len(kept.themes)}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		now := s.now()
		out.CreatedAt = now
		var createdBy *int64
		if actor != nil {
			createdBy = &actor.ID
		}
		// The version number and the content hash need the decision lock
		// the record append takes; take it first so two analyses queue.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM decisions WHERE id = $1 FOR UPDATE`, decisionID); err != nil {
			return errs.Internal(err)
		}
		// Staff steps take the same lock: what the analysis kept is still
		// what staff decided, or it starts again.
		if now, err := readKept(ctx, tx, decisionID); err != nil {
			return err
		} else if now.hash != kept.hash {
			return errKeptChanged
		}
		if err := tx.QueryRow(ctx, `INSERT INTO theme_analyses (decision_id, version, params, vocabulary, comment_count, content_hash,
				created_by, created_at, last_comment_id)
			VALUES ($1, coalesce((SELECT max(version) FROM theme_analyses WHERE decision_id = $1), 0) + 1, $2, $3, $4, '', $5, $6, $7)
			RETURNING id, version`, decisionID, p, vocab, len(comments), createdBy, now, comments[len(comments)-1].ID).
			Scan(&out.ID, &out.Version); err != nil {
			return errs.Internal(err)
		}
		canon := map[string]any{"decision_id": decisionID, "version": out.Version, "params": p}
		var themesCanon []map[string]any
		var memberRows [][]any
		var entryThemes []map[string]any
		for i := range rows {
			r := &rows[i]
			cent, _ := json.Marshal(r.centroid)
			sum, _ := json.Marshal(r.summary)
			// A new theme is the machine's; a kept one keeps staff's name,
			// mark and answer beside the machine's new suggestion.
			origin, label, machineOff, off := "machine", r.label, r.offTopic, r.offTopic
			var carriedFrom, checkedBy *int64
			var checkedAt *time.Time
			refs := []string{}
			staffPlaced, confirmed := map[int64]bool{}, map[int64]bool{}
			if k := r.kept; k != nil {
				origin, label, machineOff, off, carriedFrom, refs = k.Origin, k.Label, k.MachineOffTopic, k.OffTopic, &k.ID, k.Refs
				checkedAt, checkedBy = k.CheckedAt, k.CheckedBy
				for j, id := range k.Pinned {
					staffPlaced[id], confirmed[id] = k.StaffPlaced[j], k.Confirmed[j]
				}
			}
			if err := tx.QueryRow(ctx, `INSERT INTO themes (analysis_id, decision_id, origin, machine_label, label, words,
					machine_off_topic, off_topic, centroid, summary, representative_ids, created_at, updated_at, carried_from, answer_refs,
					checked_at, checked_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16) RETURNING id`,
				out.ID, decisionID, origin, r.label, label, r.words, machineOff, off, cent, sum, r.reps, now, carriedFrom, refs,
				checkedAt, checkedBy).Scan(&r.id); err != nil {
				return errs.Internal(err)
			}
			if r.kept != nil && r.kept.Answered {
				if _, err := tx.Exec(ctx, `INSERT INTO theme_answers (theme_id, disposition, reason, articles_changed, template_id,
						answered_by, answered_at)
					SELECT $1, disposition, reason, articles_changed, template_id, answered_by, answered_at
					FROM theme_answers WHERE theme_id = $2`, r.id, r.kept.ID); err != nil {
					return errs.Internal(err)
				}
			}
			sims := cl.Clusters[i].Sims
			for j, m := range r.members {
				by := "machine"
				if m[1] == 1 && staffPlaced[m[0]] {
					by = "staff"
				}
				memberRows = append(memberRows, []any{r.id, m[0], float32(sims[j]), m[1] == 1, by, now, m[1] == 1 && confirmed[m[0]]})
			}
			tc := map[string]any{"theme_id": r.id, "label": label, "words": r.words,
				"off_topic": off, "members": r.members, "summary": r.summary}
			te := map[string]any{"theme_id": r.id, "label": label, "size": len(r.members), "off_topic": off}
			if carriedFrom != nil {
				tc["carried_from"], tc["machine_label"], te["carried_from"] = *carriedFrom, r.label, *carriedFrom
			}
			themesCanon = append(themesCanon, tc)
			entryThemes = append(entryThemes, te)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"theme_members"},
			[]string{"theme_id", "comment_id", "similarity", "is_primary", "added_by", "added_at", "confirmed"},
			pgx.CopyFromRows(memberRows)); err != nil {
			return errs.Internal(err)
		}
		canon["themes"] = themesCanon
		b, err := consultation.CanonicalJSON(canon)
		if err != nil {
			return errs.Internal(err)
		}
		out.ContentHash = consultation.SHA256Hex(b)
		if _, err := tx.Exec(ctx, `UPDATE theme_analyses SET content_hash = $2 WHERE id = $1`, out.ID, out.ContentHash); err != nil {
			return errs.Internal(err)
		}
		if entryThemes == nil {
			entryThemes = []map[string]any{}
		}
		// The row and the machine's themes are bound (evidence.go); the
		// result's hash is in the payload and in the row.
		ev, err := record.Bind(ctx, tx, "theme_analyses", out.ID)
		if err != nil {
			return err
		}
		return s.Record.Append(ctx, tx, decisionID, consultation.RecordActor(actor), RecordThemesAnalysed, map[string]any{
			"analysis_id": out.ID, "version": out.Version, "comment_count": len(comments), "unthemed": unthemed, "kept": out.Kept,
			"themes": entryThemes, "content_hash": out.ContentHash}, ev)
	})
	if err != nil {
		return Analysis{}, err
	}
	out.Took = time.Since(started)
	return out, nil
}
