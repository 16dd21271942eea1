package themes

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// OfflineOpinions reads the opinions a decision received outside the
// online consultation (package hearing: letters, the 12345 hotline, forums,
// site visits, written requests, hearings), so that each theme counts its
// opinions by channel as the adoption report needs, and answers them when
// their theme is answered (Decree 713 Art. 18).
type OfflineOpinions interface {
	OpinionsForAnalysis(ctx context.Context, decisionID int64) ([]hearing.OfflineOpinion, error)
	DisposeOfflineOpinionsTx(ctx context.Context, tx pgx.Tx, actor *identity.Account, decisionID int64, ids []int64,
		in hearing.OpinionDispositionInput, note map[string]any, answer func(hearing.OfflineOpinion) bool) ([]hearing.OfflineOpinion, error)
}

// OfflineOpinion is an opinion received outside the online consultation as
// a theme lists it.
type OfflineOpinion struct {
	ID            int64
	Channel       string
	ChannelName   string
	ReceivedOn    time.Time
	Source        string
	ArticleAnchor string
	ArticleLabel  string
	Body          string
	// Disposition is its answer ("" none yet); it is answered on its own,
	// where it was entered.
	Disposition consultation.DispositionKind
	Similarity  float64
}

// placeable is an active theme's centroid as new texts are placed against.
type placeable struct {
	id  int64
	vec Vec
}

// placeableThemes are the centroids of the analysis' active themes that
// are not off-topic: where new comments and offline opinions are placed.
func placeableThemes(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, analysisID int64) ([]placeable, error) {
	rows, err := q.Query(ctx, `SELECT id, centroid FROM themes WHERE analysis_id = $1 AND status = 'active' AND NOT off_topic`, analysisID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []placeable
	var id int64
	var raw []byte
	if _, err := pgx.ForEachRow(rows, []any{&id, &raw}, func() error {
		var sv storedVec
		if err := json.Unmarshal(raw, &sv); err != nil {
			return err
		}
		out = append(out, placeable{id, Vec{IDs: sv.IDs, W: sv.W}})
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

// nearestTwo returns the indexes and cosines of the two themes v is
// closest to (-1 when there is none).
func nearestTwo(v Vec, themes []placeable) (best int, bs float64, second int, ss float64) {
	best, second = -1, -1
	for i, t := range themes {
		sim := v.Dot(t.vec)
		if sim > bs {
			second, ss = best, bs
			best, bs = i, sim
		} else if sim > ss {
			second, ss = i, sim
		}
	}
	return best, bs, second, ss
}

// placeOffline places the decision's offline opinions that the analysis
// has not placed yet, each in the theme it is closest to when at least the
// analysis' JoinThreshold, as the join places a new comment, else in none;
// and returns all of the decision's offline opinions. Placing is derived
// work done when the themes are read (opinions are entered a batch at a
// time, by staff), so it never waits for a job; two readers placing at once
// place each opinion once.
func (s *Service) placeOffline(ctx context.Context, analysisID, decisionID int64) ([]hearing.OfflineOpinion, error) {
	if s.Opinions == nil {
		return nil, nil
	}
	ops, err := s.Opinions.OpinionsForAnalysis(ctx, decisionID)
	if err != nil || len(ops) == 0 {
		return ops, err
	}
	var placed []int64
	if err := s.DB.QueryRow(ctx, `SELECT coalesce(array_agg(opinion_id), '{}') FROM theme_offline_placements WHERE analysis_id = $1`,
		analysisID).Scan(&placed); err != nil {
		return nil, errs.Internal(err)
	}
	done := make(map[int64]bool, len(placed))
	for _, id := range placed {
		done[id] = true
	}
	var ids, themeIDs []*int64
	var sims []float32
	var an cachedVocab
	var cents []placeable
	for _, o := range ops {
		if done[o.ID] {
			continue
		}
		if an.voc == nil {
			if an, err = s.vocabulary(ctx, analysisID, decisionID); err != nil {
				return nil, err
			}
			if cents, err = placeableThemes(ctx, s.DB, analysisID); err != nil {
				return nil, err
			}
		}
		anchor := ""
		if o.ArticleAnchor != nil {
			anchor = *o.ArticleAnchor
		}
		best, bs, _, _ := nearestTwo(an.voc.commentVector(o.Body, anchor, an.arts, an.p), cents)
		id := o.ID
		var theme *int64
		if best >= 0 && bs >= an.p.JoinThreshold {
			theme = &cents[best].id
		}
		ids, themeIDs, sims = append(ids, &id), append(themeIDs, theme), append(sims, float32(bs))
	}
	if len(ids) == 0 {
		return ops, nil
	}
	if _, err := s.DB.Exec(ctx, `INSERT INTO theme_offline_placements (analysis_id, opinion_id, theme_id, similarity, placed_at)
		SELECT $1, o, t, sim, $5 FROM unnest($2::bigint[], $3::bigint[], $4::real[]) AS x(o, t, sim)
		ON CONFLICT (analysis_id, opinion_id) DO NOTHING`, analysisID, ids, themeIDs, sims, s.now()); err != nil {
		return nil, errs.Internal(err)
	}
	return ops, nil
}

// withOffline places the offline opinions of the themes' analysis and adds
// to each theme its count by channel; it returns each theme's offline
// opinions, closest first, and all of the decision's (placed or not).
func (s *Service) withOffline(ctx context.Context, ts []Theme, analysisID, decisionID int64) (map[int64][]OfflineOpinion,
	[]hearing.OfflineOpinion, error) {
	ops, err := s.placeOffline(ctx, analysisID, decisionID)
	if err != nil || len(ops) == 0 {
		return nil, ops, err
	}
	byID := make(map[int64]hearing.OfflineOpinion, len(ops))
	for _, o := range ops {
		byID[o.ID] = o
	}
	labels, err := s.articleLabels(ctx, decisionID)
	if err != nil {
		return nil, nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT opinion_id, theme_id, similarity FROM theme_offline_placements
		WHERE analysis_id = $1 AND theme_id IS NOT NULL ORDER BY theme_id, similarity DESC, opinion_id`, analysisID)
	if err != nil {
		return nil, nil, errs.Internal(err)
	}
	out := map[int64][]OfflineOpinion{}
	var oid, tid int64
	var sim float32
	if _, err := pgx.ForEachRow(rows, []any{&oid, &tid, &sim}, func() error {
		if o, ok := byID[oid]; ok {
			out[tid] = append(out[tid], offlineView(o, labels, float64(sim)))
		}
		return nil
	}); err != nil {
		return nil, nil, errs.Internal(err)
	}
	for i := range ts {
		ts[i].Channels = channelCounts(out[ts[i].ID])
		ts[i].Offline = len(out[ts[i].ID])
	}
	return out, ops, nil
}

// offlineView is an offline opinion as a theme lists it.
func offlineView(o hearing.OfflineOpinion, labels articleLabeller, sim float64) OfflineOpinion {
	v := OfflineOpinion{ID: o.ID, Channel: string(o.Channel), ChannelName: hearing.ChannelNames[o.Channel],
		ReceivedOn: o.ReceivedOn, Source: o.Source, Body: o.Body, Similarity: sim}
	if o.ArticleAnchor != nil {
		v.ArticleAnchor = *o.ArticleAnchor
	}
	v.ArticleLabel = labels.label(v.ArticleAnchor)
	if o.Disposition != nil {
		v.Disposition = consultation.DispositionKind(*o.Disposition)
	}
	return v
}

// channelCounts counts offline opinions by channel, in hearing's order,
// leaving out channels with none.
func channelCounts(ops []OfflineOpinion) []Count {
	n := map[string]int{}
	for _, o := range ops {
		n[o.Channel]++
	}
	var out []Count
	for _, c := range hearing.Channels {
		if k := string(c); n[k] > 0 {
			out = append(out, Count{Key: k, Name: hearing.ChannelNames[c], Count: n[k]})
		}
	}
	return out
}

// answerOffline gives the theme's answer to the offline opinions placed in
// it, in the theme answer's transaction: an opinion with no answer, or
// still with the answer a theme's answer gave it, gets this one; one staff
// answered on its own keeps its answer. It returns how many it answered.
func (s *Service) answerOffline(ctx context.Context, tx pgx.Tx, actor *identity.Account, decisionID, themeID int64, in ThemeAnswerInput,
	note map[string]any) (int, error) {
	ids, err := pgrows.Column[int64](ctx, tx, `SELECT opinion_id FROM theme_offline_placements WHERE theme_id = $1 ORDER BY opinion_id`, themeID)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	type given struct{ disposition, reason string }
	prev := map[int64]given{}
	rows, err := tx.Query(ctx, `SELECT opinion_id, disposition, reason FROM theme_offline_answers WHERE opinion_id = ANY($1)`, ids)
	if err != nil {
		return 0, errs.Internal(err)
	}
	var id int64
	var g given
	if _, err := pgx.ForEachRow(rows, []any{&id, &g.disposition, &g.reason}, func() error { prev[id] = g; return nil }); err != nil {
		return 0, errs.Internal(err)
	}
	answered, err := s.Opinions.DisposeOfflineOpinionsTx(ctx, tx, actor, decisionID, ids,
		hearing.OpinionDispositionInput{Disposition: in.Disposition, Reason: in.Reason}, note, func(o hearing.OfflineOpinion) bool {
			if o.Disposition == nil {
				return true
			}
			p, ok := prev[o.ID]
			return ok && o.Reason != nil && p.disposition == *o.Disposition && p.reason == *o.Reason
		})
	if err != nil {
		return 0, err
	}
	now := s.now()
	for _, o := range answered {
		if _, err := tx.Exec(ctx, `INSERT INTO theme_offline_answers (opinion_id, theme_id, disposition, reason, answered_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (opinion_id) DO UPDATE SET theme_id = EXCLUDED.theme_id,
				disposition = EXCLUDED.disposition, reason = EXCLUDED.reason, answered_at = EXCLUDED.answered_at`,
			o.ID, themeID, *o.Disposition, *o.Reason, now); err != nil {
			return 0, errs.Internal(err)
		}
	}
	return len(answered), nil
}
