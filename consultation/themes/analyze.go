package themes

import (
	"context"
	"encoding/json"
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
	ID           int64     `json:"id"`
	DecisionID   int64     `json:"decision_id"`
	Version      int       `json:"version"`
	CommentCount int       `json:"comment_count"`
	ThemeCount   int       `json:"theme_count"`
	Unthemed     int       `json:"unthemed"`
	ContentHash  string    `json:"content_hash"`
	CreatedAt    time.Time `json:"created_at"`
	Took         time.Duration
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
// work from the latest. One record entry names the version, the themes and
// the SHA-256 of the result (evidence). Only staff of the lead unit. Codes:
// decision_not_found, authentication_required, not_lead_unit_staff,
// no_comments_to_analyse.
func (s *Service) Analyze(ctx context.Context, actor *identity.Account, decisionID int64) (Analysis, error) {
	if _, err := s.writable(ctx, actor, decisionID); err != nil {
		return Analysis{}, err
	}
	return s.analyze(ctx, actor, decisionID)
}

func (s *Service) analyze(ctx context.Context, actor *identity.Account, decisionID int64) (Analysis, error) {
	started := time.Now()
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
	cl := ClusterDocs(docs, texts, p)
	desc := Describe(docs, cl, p)

	type themeRow struct {
		id       int64
		label    string
		words    []string
		offTopic bool
		centroid storedVec
		summary  []Cited
		reps     []int64
		members  [][2]int64 // comment id, primary (1/0)
	}
	rows := make([]themeRow, len(cl.Clusters))
	for g, c := range cl.Clusters {
		sv := sparse(c.Centroid, 300)
		r := themeRow{label: desc[g].Label, words: desc[g].Words, offTopic: c.OffTopic,
			centroid: storedVec{IDs: sv.IDs, W: sv.W}, summary: []Cited{}, reps: []int64{}}
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
	out := Analysis{DecisionID: decisionID, CommentCount: len(comments), ThemeCount: len(rows), Unthemed: unthemed}
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
			if err := tx.QueryRow(ctx, `INSERT INTO themes (analysis_id, decision_id, origin, machine_label, label, words,
					machine_off_topic, off_topic, centroid, summary, representative_ids, created_at, updated_at)
				VALUES ($1, $2, 'machine', $3, $3, $4, $5, $5, $6, $7, $8, $9, $9) RETURNING id`,
				out.ID, decisionID, r.label, r.words, r.offTopic, cent, sum, r.reps, now).Scan(&r.id); err != nil {
				return errs.Internal(err)
			}
			sims := cl.Clusters[i].Sims
			for j, m := range r.members {
				memberRows = append(memberRows, []any{r.id, m[0], float32(sims[j]), m[1] == 1, "machine", now})
			}
			themesCanon = append(themesCanon, map[string]any{"theme_id": r.id, "label": r.label, "words": r.words,
				"off_topic": r.offTopic, "members": r.members, "summary": r.summary})
			entryThemes = append(entryThemes, map[string]any{"theme_id": r.id, "label": r.label, "size": len(r.members),
				"off_topic": r.offTopic})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"theme_members"},
			[]string{"theme_id", "comment_id", "similarity", "is_primary", "added_by", "added_at"},
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
		return s.Record.Append(ctx, tx, decisionID, consultation.RecordActor(actor), RecordThemesAnalysed, map[string]any{
			"analysis_id": out.ID, "version": out.Version, "comment_count": len(comments), "unthemed": unthemed,
			"themes": entryThemes, "content_hash": out.ContentHash},
			record.Evidence{Table: "theme_analyses", RowID: out.ID, ContentHash: out.ContentHash})
	})
	if err != nil {
		return Analysis{}, err
	}
	out.Took = time.Since(started)
	return out, nil
}
