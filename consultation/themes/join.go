package themes

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// joinBatch bounds the comments one decision places per transaction.
const joinBatch = 5000

// JoinLag is how far the joiner stays behind the newest comments: a
// comment id is taken when its transaction starts, so a comment committed
// later than one with a higher id would be passed over by a cursor that
// read right up to now. Submission commits in milliseconds.
const JoinLag = 2 * time.Second

// vocabCache keeps the vocabulary of the analyses new comments are joined
// to (read-only once written; a process that restarts reads it again). It
// belongs to a Service, so two services on two databases (tests) never
// share analysis ids.
type vocabCache struct {
	sync.Mutex
	m map[int64]cachedVocab
}

// cachedVocab is what an analysis computes a comment's vector with: its
// vocabulary and parameters, and the vectors of the draft's articles when
// the parameters infer a comment's article.
type cachedVocab struct {
	voc  *Vocabulary
	p    Params
	arts []Vec
}

func (s *Service) vocabulary(ctx context.Context, analysisID, decisionID int64) (cachedVocab, error) {
	vc := &s.vocabs
	vc.Lock()
	c, ok := vc.m[analysisID]
	vc.Unlock()
	if ok {
		return c, nil
	}
	voc, p, err := loadVocabulary(ctx, s.DB, analysisID)
	if err != nil {
		return c, err
	}
	c = cachedVocab{voc: voc, p: p}
	if p.InferredArticleWeight > 0 {
		texts, err := s.articleTexts(ctx, decisionID)
		if err != nil {
			return c, err
		}
		c.arts = voc.articleVectors(texts, p)
	}
	vc.Lock()
	if vc.m == nil || len(vc.m) > 64 {
		vc.m = map[int64]cachedVocab{}
	}
	vc.m[analysisID] = c
	vc.Unlock()
	return c, nil
}

// JoinNewComments places the comments that arrived after each decision's
// latest analysis: each joins the theme whose centroid it is closest to
// when at least the analysis' JoinThreshold (and a second theme as in the
// analysis), a copy of a campaign joins the theme its group is in, and the
// rest stay unthemed until the next full analysis. It runs in a River job
// (internal/jobs), never on the request path. It takes only comments the
// comment checkpoint has grouped (consultation.GroupedCommentsForAnalysis):
// grouping them here cost submission more than the join itself (issue 19),
// so a comment joins at the first run after the checkpoint that sealed it,
// about 10 s after its receipt with both jobs every 5 s. It returns how many
// comments it looked at.
func (s *Service) JoinNewComments(ctx context.Context) (int, error) {
	rows, err := s.DB.Query(ctx, `SELECT a.id, a.decision_id FROM theme_analyses a
		WHERE a.version = (SELECT max(version) FROM theme_analyses b WHERE b.decision_id = a.decision_id)
		AND EXISTS (SELECT 1 FROM comments c WHERE c.decision_id = a.decision_id AND c.id > a.last_comment_id)`)
	if err != nil {
		return 0, errs.Internal(err)
	}
	type target struct{ analysis, decision int64 }
	var ts []target
	var t target
	if _, err := pgx.ForEachRow(rows, []any{&t.analysis, &t.decision}, func() error { ts = append(ts, t); return nil }); err != nil {
		return 0, errs.Internal(err)
	}
	total := 0
	for _, t := range ts {
		for {
			n, err := s.joinDecision(ctx, t.analysis, t.decision)
			total += n
			if err != nil {
				return total, err
			}
			if n < joinBatch {
				break
			}
		}
	}
	return total, nil
}

func (s *Service) joinDecision(ctx context.Context, analysisID, decisionID int64) (int, error) {
	var last int64
	if err := s.DB.QueryRow(ctx, `SELECT last_comment_id FROM theme_analyses WHERE id = $1`, analysisID).Scan(&last); err != nil {
		return 0, errs.Internal(err)
	}
	comments, err := s.Consultation.GroupedCommentsForAnalysis(ctx, decisionID, last, joinBatch, s.now().Add(-JoinLag))
	if err != nil || len(comments) == 0 {
		return 0, err
	}
	an, err := s.vocabulary(ctx, analysisID, decisionID)
	if err != nil {
		return 0, err
	}
	p := an.p
	n := len(comments)
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		// One joiner per analysis at a time; a second finds the work done.
		var cur int64
		if err := tx.QueryRow(ctx, `SELECT last_comment_id FROM theme_analyses WHERE id = $1 FOR UPDATE`, analysisID).Scan(&cur); err != nil {
			return errs.Internal(err)
		}
		if cur != last {
			n = 0
			return nil
		}
		themes, err := placeableThemes(ctx, tx, analysisID)
		if err != nil {
			return err
		}
		// The theme each campaign group of the batch is already in.
		var groups []int64
		for _, c := range comments {
			if c.GroupID != 0 {
				groups = append(groups, c.GroupID)
			}
		}
		groupTheme := map[int64]int64{}
		if len(groups) > 0 {
			rows, err := tx.Query(ctx, `SELECT DISTINCT ON (c.group_id) c.group_id, m.theme_id FROM comments c
				JOIN theme_members m ON m.comment_id = c.id AND m.is_primary AND m.removed_at IS NULL
				JOIN themes t ON t.id = m.theme_id AND t.analysis_id = $2 AND t.status = 'active'
				WHERE c.group_id = ANY($1) AND c.id <= $3 ORDER BY c.group_id, c.id`, groups, analysisID, last)
			if err != nil {
				return errs.Internal(err)
			}
			var g, th int64
			if _, err := pgx.ForEachRow(rows, []any{&g, &th}, func() error { groupTheme[g] = th; return nil }); err != nil {
				return errs.Internal(err)
			}
		}
		now := s.now()
		var members [][]any
		for _, c := range comments {
			if th, ok := groupTheme[c.GroupID]; ok && c.GroupID != 0 {
				members = append(members, []any{th, c.ID, float32(1), true, "incremental", now})
				continue
			}
			v := an.voc.commentVector(c.Body, c.ArticleAnchor, an.arts, p)
			best, bs, second, ss := nearestTwo(v, themes)
			if best < 0 || bs < p.JoinThreshold {
				continue
			}
			members = append(members, []any{themes[best].id, c.ID, float32(bs), true, "incremental", now})
			if c.GroupID != 0 {
				groupTheme[c.GroupID] = themes[best].id // later copies in this batch follow
			}
			if second >= 0 && ss >= p.JoinThreshold && ss >= p.SecondRatio*bs {
				members = append(members, []any{themes[second].id, c.ID, float32(ss), false, "incremental", now})
			}
		}
		if len(members) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"theme_members"},
				[]string{"theme_id", "comment_id", "similarity", "is_primary", "added_by", "added_at"}, pgx.CopyFromRows(members)); err != nil {
				return errs.Internal(err)
			}
		}
		_, err = tx.Exec(ctx, `UPDATE theme_analyses SET last_comment_id = $2 WHERE id = $1`, analysisID, comments[len(comments)-1].ID)
		if err != nil {
			return errs.Internal(err)
		}
		return nil
	})
	return n, err
}
