package themes

import (
	"context"
	"encoding/json"
	"slices"
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
	// ByStaff: staff put it where it is (else the machine placed it).
	ByStaff bool
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
	// An opinion staff put into a theme of the previous analysis goes into
	// the theme carried from that one (keep.go), still as staff's; the
	// machine's own placement stays beside it.
	if _, err := s.DB.Exec(ctx, `INSERT INTO theme_offline_placements (analysis_id, opinion_id, theme_id, machine_theme_id, similarity,
			placed_at, placed_by)
		SELECT $1, x.o, coalesce(k.theme_id, x.t), x.t, x.sim, $5, k.placed_by
		FROM unnest($2::bigint[], $3::bigint[], $4::real[]) AS x(o, t, sim)
		LEFT JOIN LATERAL (SELECT c.id AS theme_id, p.placed_by FROM theme_offline_placements p
			JOIN themes c ON c.carried_from = p.theme_id AND c.analysis_id = $1 AND c.status = 'active'
			WHERE p.opinion_id = x.o AND p.placed_by IS NOT NULL ORDER BY p.analysis_id DESC LIMIT 1) k ON true
		ON CONFLICT (analysis_id, opinion_id) DO NOTHING`, analysisID, ids, themeIDs, sims, s.now()); err != nil {
		return nil, errs.Internal(err)
	}
	return ops, nil
}

// MaxPlacedOpinions bounds the offline opinions placed in one request.
const MaxPlacedOpinions = 1000

// PlaceOfflineOpinions puts offline opinions of the theme's decision into
// the theme: staff's decision where the machine placed one in another
// theme or in none. The machine's placement stays beside it, and a full
// re-analysis carries it into the theme carried from this one. An opinion
// keeps its answer; answering the theme (again) gives it the theme's
// unless staff answered it on its own. One record entry naming each
// opinion and the theme it came from. Only staff of the lead unit. Codes:
// theme_not_found, not_lead_unit_staff, theme_merged,
// theme_analysis_outdated, opinions_required, too_many_opinions,
// offline_opinion_not_found (not an offline opinion of the decision),
// same_theme (all already in it).
func (s *Service) PlaceOfflineOpinions(ctx context.Context, actor *identity.Account, themeID int64, opinionIDs []int64) (Theme, error) {
	d, err := s.writableTheme(ctx, actor, themeID)
	if err != nil {
		return Theme{}, err
	}
	ids := slices.Compact(slices.Sorted(slices.Values(opinionIDs)))
	if len(ids) == 0 {
		return Theme{}, errs.InvalidField("opinions_required", "opinion_ids", "请选择意见")
	}
	if len(ids) > MaxPlacedOpinions {
		return Theme{}, errs.InvalidField("too_many_opinions", "opinion_ids", "一次最多归入1000条意见")
	}
	t, err := s.themeByID(ctx, themeID, d.ID)
	if err != nil {
		return Theme{}, err
	}
	// Opinions entered since the themes were last read are placed first,
	// so each has the machine's placement beside staff's.
	if _, err := s.placeOffline(ctx, t.AnalysisID, d.ID); err != nil {
		return Theme{}, err
	}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		lt, err := lockedTheme(ctx, tx, themeID, d.ID)
		if err != nil {
			return err
		}
		type moved struct {
			ID   int64  `json:"opinion_id"`
			From *int64 `json:"from_theme_id"`
		}
		var all []moved
		rows, err := tx.Query(ctx, `SELECT opinion_id, theme_id FROM theme_offline_placements
			WHERE analysis_id = $1 AND opinion_id = ANY($2) ORDER BY opinion_id FOR UPDATE`, lt.analysisID, ids)
		if err != nil {
			return errs.Internal(err)
		}
		var m moved
		if _, err := pgx.ForEachRow(rows, []any{&m.ID, &m.From}, func() error {
			all = append(all, m)
			m = moved{}
			return nil
		}); err != nil {
			return errs.Internal(err)
		}
		if len(all) != len(ids) {
			return errs.InvalidField("offline_opinion_not_found", "opinion_ids", "所选意见并非都是该决策事项收到的其他渠道意见")
		}
		var changed []moved
		for _, m := range all {
			if m.From == nil || *m.From != themeID {
				changed = append(changed, m)
			}
		}
		if len(changed) == 0 {
			return errs.InvalidField("same_theme", "opinion_ids", "所选意见已在该主题中")
		}
		cids := make([]int64, len(changed))
		for i, m := range changed {
			cids[i] = m.ID
		}
		if _, err := tx.Exec(ctx, `UPDATE theme_offline_placements SET theme_id = $3, placed_by = $4, placed_at = $5
			WHERE analysis_id = $1 AND opinion_id = ANY($2)`, lt.analysisID, cids, themeID, actor.ID, s.now()); err != nil {
			return errs.Internal(err)
		}
		return s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordThemeOfflinePlaced, map[string]any{
			"theme_id": themeID, "opinions": changed})
	})
	if err != nil {
		return Theme{}, err
	}
	return s.themeByID(ctx, themeID, d.ID)
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
	out := map[int64][]OfflineOpinion{}
	if err := s.readPlacements(ctx, analysisID, byID, labels, func(tid *int64, o OfflineOpinion) {
		if tid != nil {
			out[*tid] = append(out[*tid], o)
		}
	}); err != nil {
		return nil, nil, err
	}
	for i := range ts {
		ts[i].Channels = channelCounts(out[ts[i].ID])
		ts[i].Offline = len(out[ts[i].ID])
	}
	return out, ops, nil
}

// readPlacements calls each with the theme (nil: none) and the view of
// every opinion of byID the analysis placed, by theme, staff's first, then
// closest first.
func (s *Service) readPlacements(ctx context.Context, analysisID int64, byID map[int64]hearing.OfflineOpinion, labels articleLabeller,
	each func(themeID *int64, o OfflineOpinion)) error {
	rows, err := s.DB.Query(ctx, `SELECT opinion_id, theme_id, similarity, placed_by IS NOT NULL FROM theme_offline_placements
		WHERE analysis_id = $1 ORDER BY theme_id, placed_by IS NULL, similarity DESC, opinion_id`, analysisID)
	if err != nil {
		return errs.Internal(err)
	}
	var oid int64
	var tid *int64
	var sim float32
	var staff bool
	if _, err := pgx.ForEachRow(rows, []any{&oid, &tid, &sim, &staff}, func() error {
		if o, ok := byID[oid]; ok {
			v := offlineView(o, labels, float64(sim))
			v.ByStaff = staff
			each(tid, v)
		}
		return nil
	}); err != nil {
		return errs.Internal(err)
	}
	return nil
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
