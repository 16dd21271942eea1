package hearing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Channel is how an opinion received outside the online consultation
// arrived.
type Channel string

// The offline channels.
const (
	ChannelLetter         Channel = "letter"          // 来信
	ChannelHotline        Channel = "hotline"         // 12345热线
	ChannelForum          Channel = "forum"           // 座谈会
	ChannelSiteVisit      Channel = "site_visit"      // 实地走访
	ChannelWrittenRequest Channel = "written_request" // 书面征求意见
	ChannelHearing        Channel = "hearing"         // 听证会
)

// Channels lists the offline channels in display order.
var Channels = []Channel{ChannelLetter, ChannelHotline, ChannelForum, ChannelSiteVisit, ChannelWrittenRequest, ChannelHearing}

// ChannelNames are the Chinese names of the channels.
var ChannelNames = map[Channel]string{
	ChannelLetter: "来信", ChannelHotline: "12345热线", ChannelForum: "座谈会", ChannelSiteVisit: "实地走访",
	ChannelWrittenRequest: "书面征求意见", ChannelHearing: "听证会",
}

// MaxOpinionsPerBatch bounds one record-offline-opinions call.
const MaxOpinionsPerBatch = 100

// OfflineOpinion is an opinion entered by staff with its channel.
type OfflineOpinion struct {
	ID            int64      `db:"id" json:"id"`
	DecisionID    int64      `db:"decision_id" json:"decision_id"`
	ActivityID    *int64     `db:"activity_id" json:"activity_id"`
	Channel       Channel    `db:"channel" json:"channel"`
	ReceivedOn    time.Time  `db:"received_on" json:"received_on"`
	Source        string     `db:"source" json:"source"`
	ArticleAnchor *string    `db:"article_anchor" json:"article_anchor"`
	Body          string     `db:"body" json:"body"`
	BodyHash      string     `db:"body_hash" json:"body_hash"`
	ScanFileID    int64      `db:"scan_file_id" json:"scan_file_id"`
	ScanSHA256    string     `db:"scan_sha256" json:"scan_sha256"`
	EnteredBy     int64      `db:"entered_by" json:"-"`
	EnteredAt     time.Time  `db:"entered_at" json:"entered_at"`
	Disposition   *string    `db:"disposition" json:"disposition"`
	Reason        *string    `db:"reason" json:"reason"`
	DecidedAt     *time.Time `db:"decided_at" json:"decided_at"`
}

// OfflineOpinionInput is one opinion to record. Source says where it came
// from as the law needs it (an organisation, a side, 市民来信, 12345工单号);
// the sender's name and number stay on the scan, which only the lead unit
// reads.
type OfflineOpinionInput struct {
	Channel       Channel
	ActivityID    *int64
	ReceivedOn    string // YYYY-MM-DD
	Source        string
	ArticleAnchor string
	Body          string
	Scan          Scan
}

const opinionColumns = `o.id, o.decision_id, o.activity_id, o.channel, o.received_on, o.source, o.article_anchor, o.body, o.body_hash,
	o.scan_file_id, f.sha256 AS scan_sha256, o.entered_by, o.entered_at, o.disposition, o.reason, o.decided_at`

const opinionFrom = ` FROM offline_opinions o JOIN hearing_files f ON f.id = o.scan_file_id `

// reportPublished reports whether the decision's adoption report is
// published: offline opinions and their answers are then fixed, as the
// report that counts them is.
func (s *Service) reportPublished(ctx context.Context, actor *identity.Account, decisionID int64) (bool, error) {
	r, err := s.Consultation.GetAdoptionReport(ctx, actor, decisionID)
	if errs.HasCode(err, "consultation_not_found") || errs.HasCode(err, "adoption_report_not_found") {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return r.Published(), nil
}

var errReportFixed = &errs.Error{Kind: errs.KindConflict, Code: "adoption_report_published", Basis: BasisAnswered,
	Message: "意见采纳情况说明已公布，不能再登记或答复线下意见"}

// RecordOfflineOpinions records opinions received by letter, by the 12345
// hotline, at a forum, a site visit, through a written request or at a
// hearing, each with a scan of its source, and appends them to the process
// record (evidence: each row's hash). They are answered like online
// comments (DisposeOfflineOpinion) and counted by channel in the adoption
// report. Only staff of the lead unit may call it, before legality review
// and before the adoption report is published. Codes: decision_not_found,
// not_lead_unit_staff, opinions_required, too_many_opinions,
// invalid_channel, invalid_date, received_in_future, source_required,
// body_required, scan_required, scan_type_not_allowed, scan_too_large,
// activity_not_found, adoption_report_published,
// participation_not_allowed_in_stage.
func (s *Service) RecordOfflineOpinions(ctx context.Context, actor *identity.Account, decisionID int64, in []OfflineOpinionInput) ([]OfflineOpinion, error) {
	if _, err := s.leadDecision(ctx, actor, decisionID); err != nil {
		return nil, err
	}
	if len(in) == 0 {
		return nil, errs.InvalidField("opinions_required", "opinions", "请至少登记一条意见")
	}
	if len(in) > MaxOpinionsPerBatch {
		return nil, errs.InvalidField("too_many_opinions", "opinions", fmt.Sprintf("每次最多登记%d条意见", MaxOpinionsPerBatch))
	}
	now := s.now()
	dates := make([]time.Time, len(in))
	for i := range in {
		o := &in[i]
		field := fmt.Sprintf("opinions[%d]", i)
		if _, ok := ChannelNames[o.Channel]; !ok {
			return nil, errs.InvalidField("invalid_channel", field+".channel", "意见来源渠道无效")
		}
		d, err := parseDate(field+".received_on", o.ReceivedOn)
		if err != nil {
			return nil, err
		}
		if d.After(dateOf(now)) {
			return nil, errs.InvalidField("received_in_future", field+".received_on", "收到日期不能晚于今天")
		}
		dates[i] = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		o.Source, o.Body, o.ArticleAnchor = cleanText(o.Source), cleanText(o.Body), cleanText(o.ArticleAnchor)
		if err := requireText("source", "意见来源", o.Source, 200); err != nil {
			return nil, err
		}
		if err := requireText("body", "意见内容", o.Body, 20000); err != nil {
			return nil, err
		}
	}
	if pub, err := s.reportPublished(ctx, actor, decisionID); err != nil {
		return nil, err
	} else if pub {
		return nil, errReportFixed
	}
	var out []OfflineOpinion
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := lockOpenStage(ctx, tx, decisionID, "登记线下意见"); err != nil {
			return err
		}
		var ids []int64
		for i, o := range in {
			id, err := s.insertOpinion(ctx, tx, actor, decisionID, fmt.Sprintf("opinions[%d]", i), o, dates[i], now)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		var err error
		if out, err = getOpinions(ctx, tx, "o.id = ANY($1) ORDER BY o.id", ids); err != nil {
			return err
		}
		summary := make([]map[string]any, len(out))
		evs := make([]record.Evidence, len(out))
		for i, o := range out {
			summary[i] = map[string]any{"opinion_id": o.ID, "channel": o.Channel, "received_on": o.ReceivedOn.Format(time.DateOnly),
				"source": o.Source, "body_hash": o.BodyHash, "scan_sha256": o.ScanSHA256}
			if evs[i], err = evidence("offline_opinions", o.ID, o); err != nil {
				return err
			}
		}
		return s.Record.Append(ctx, tx, decisionID, consultation.RecordActor(actor), RecordOfflineOpinions, map[string]any{"opinions": summary}, evs...)
	})
	return out, err
}

func (s *Service) insertOpinion(ctx context.Context, tx pgx.Tx, actor *identity.Account, decisionID int64, field string, o OfflineOpinionInput,
	received, now time.Time) (int64, error) {
	if o.ActivityID != nil {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM participation_activities WHERE id = $1 AND decision_id = $2)`,
			*o.ActivityID, decisionID).Scan(&ok); err != nil {
			return 0, errs.Internal(err)
		}
		if !ok {
			return 0, errs.InvalidField("activity_not_found", field+".activity_id", "该决策事项没有这项公众参与活动")
		}
	}
	f, err := storeScan(ctx, tx, actor, decisionID, field+".scan", o.Scan, now)
	if err != nil {
		return 0, err
	}
	var anchor *string
	if o.ArticleAnchor != "" {
		anchor = &o.ArticleAnchor
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO offline_opinions (decision_id, activity_id, channel, received_on, source, article_anchor,
		body, body_hash, scan_file_id, entered_by, entered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		decisionID, o.ActivityID, o.Channel, received, o.Source, anchor, o.Body, consultation.SHA256Hex([]byte(o.Body)), f.ID,
		actor.ID, now).Scan(&id); err != nil {
		return 0, errs.Internal(err)
	}
	return id, nil
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// getOpinions reads the offline opinions that where (with its ORDER BY)
// selects.
func getOpinions(ctx context.Context, q querier, where string, args ...any) ([]OfflineOpinion, error) {
	return pgrows.All[OfflineOpinion](ctx, q, `SELECT `+opinionColumns+opinionFrom+`WHERE `+where, args...)
}

// OpinionDispositionInput answers one offline opinion.
type OpinionDispositionInput struct {
	Disposition consultation.DispositionKind
	Reason      string
}

// DisposeOfflineOpinion answers an offline opinion as a comment is answered
// (adopted, partially adopted, not adopted, out of scope, with a reason;
// Art. 18) and appends the answer to the process record. An answer may be
// changed until the adoption report is published. Only staff of the lead
// unit may call it, before legality review. Codes: offline_opinion_not_found,
// decision_not_found, not_lead_unit_staff, invalid_disposition,
// reason_required, reason_too_long, adoption_report_published,
// participation_not_allowed_in_stage.
func (s *Service) DisposeOfflineOpinion(ctx context.Context, actor *identity.Account, opinionID int64, in OpinionDispositionInput) (OfflineOpinion, error) {
	var decisionID int64
	if err := s.DB.QueryRow(ctx, `SELECT decision_id FROM offline_opinions WHERE id = $1`, opinionID).Scan(&decisionID); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return OfflineOpinion{}, errs.NotFound("offline_opinion_not_found", "线下意见不存在")
		}
		return OfflineOpinion{}, errs.Internal(err)
	}
	if _, err := s.leadDecision(ctx, actor, decisionID); err != nil {
		return OfflineOpinion{}, err
	}
	if _, ok := consultation.DispositionNames[in.Disposition]; !ok {
		return OfflineOpinion{}, errs.InvalidField("invalid_disposition", "disposition", "处理结果无效")
	}
	in.Reason = cleanText(in.Reason)
	if err := requireText("reason", "处理理由", in.Reason, consultation.MaxDispositionReasonRunes); err != nil {
		return OfflineOpinion{}, err
	}
	if pub, err := s.reportPublished(ctx, actor, decisionID); err != nil {
		return OfflineOpinion{}, err
	} else if pub {
		return OfflineOpinion{}, errReportFixed
	}
	var out OfflineOpinion
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := lockOpenStage(ctx, tx, decisionID, "答复线下意见"); err != nil {
			return err
		}
		var err error
		out, err = s.disposeTx(ctx, tx, actor, decisionID, opinionID, in, nil)
		return err
	})
	return out, err
}

// disposeTx sets an opinion's answer and appends it to the record with
// the opinion's evidence (note, when set, goes into the entry too).
func (s *Service) disposeTx(ctx context.Context, tx pgx.Tx, actor *identity.Account, decisionID, opinionID int64, in OpinionDispositionInput,
	note map[string]any) (OfflineOpinion, error) {
	if _, err := tx.Exec(ctx, `UPDATE offline_opinions SET disposition = $2, reason = $3, decided_by = $4, decided_at = $5 WHERE id = $1`,
		opinionID, in.Disposition, in.Reason, actor.ID, s.now()); err != nil {
		return OfflineOpinion{}, errs.Internal(err)
	}
	ops, err := getOpinions(ctx, tx, "o.id = $1 ORDER BY o.id", opinionID)
	if err != nil {
		return OfflineOpinion{}, err
	}
	out := ops[0]
	ev, err := evidence("offline_opinions", out.ID, out)
	if err != nil {
		return out, err
	}
	payload := map[string]any{"opinion_id": out.ID, "channel": out.Channel, "disposition": in.Disposition, "reason": in.Reason}
	for k, v := range note {
		payload[k] = v
	}
	return out, s.Record.Append(ctx, tx, decisionID, consultation.RecordActor(actor), RecordOfflineDisposition, payload, ev)
}

// DisposeOfflineOpinionsTx answers offline opinions of a decision in the
// caller's transaction (a theme answered once, package themes): those of
// ids for which answer, given the opinion as it is, says so, each as
// DisposeOfflineOpinion does (its record entry, with note, and evidence).
// The caller has checked that the actor is staff of the lead unit and
// that the report is not published; the stage is checked here. It returns
// the opinions it answered. Codes: invalid_disposition, reason_required,
// reason_too_long, participation_not_allowed_in_stage.
func (s *Service) DisposeOfflineOpinionsTx(ctx context.Context, tx pgx.Tx, actor *identity.Account, decisionID int64, ids []int64,
	in OpinionDispositionInput, note map[string]any, answer func(OfflineOpinion) bool) ([]OfflineOpinion, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if _, ok := consultation.DispositionNames[in.Disposition]; !ok {
		return nil, errs.InvalidField("invalid_disposition", "disposition", "处理结果无效")
	}
	in.Reason = cleanText(in.Reason)
	if err := requireText("reason", "处理理由", in.Reason, consultation.MaxDispositionReasonRunes); err != nil {
		return nil, err
	}
	if err := lockOpenStage(ctx, tx, decisionID, "答复线下意见"); err != nil {
		return nil, err
	}
	ops, err := getOpinions(ctx, tx, "o.decision_id = $1 AND o.id = ANY($2) ORDER BY o.id FOR UPDATE OF o", decisionID, ids)
	if err != nil {
		return nil, err
	}
	var out []OfflineOpinion
	for _, o := range ops {
		if !answer(o) {
			continue
		}
		got, err := s.disposeTx(ctx, tx, actor, decisionID, o.ID, in, note)
		if err != nil {
			return out, err
		}
		out = append(out, got)
	}
	return out, nil
}

// OpinionsForAnalysis returns every offline opinion of a decision, oldest
// first, for text analysis beside this package (themes, issue 19). It is a
// read path for packages beside hearing; the caller has checked that its
// actor may read the decision's opinions.
func (s *Service) OpinionsForAnalysis(ctx context.Context, decisionID int64) ([]OfflineOpinion, error) {
	return getOpinions(ctx, s.DB, "o.decision_id = $1 ORDER BY o.id", decisionID)
}

// ListOfflineOpinions lists the offline opinions of a decision, optionally
// of one channel. Staff of the lead unit see all of them; anyone else who
// may see the decision sees them once answered (the text and the answer;
// the scan stays with the lead unit). Codes: decision_not_found,
// invalid_channel.
func (s *Service) ListOfflineOpinions(ctx context.Context, actor *identity.Account, decisionID int64, channel Channel) ([]OfflineOpinion, error) {
	d, err := s.Consultation.GetDecision(ctx, actor, decisionID)
	if err != nil {
		return nil, err
	}
	if _, ok := ChannelNames[channel]; channel != "" && !ok {
		return nil, errs.InvalidField("invalid_channel", "channel", "意见来源渠道无效")
	}
	where := "o.decision_id = $1 AND ($2 = '' OR o.channel = $2)"
	if !actor.IsStaffOf(d.LeadAgencyID) {
		where += " AND o.disposition IS NOT NULL"
	}
	return getOpinions(ctx, s.DB, where+" ORDER BY o.received_on, o.id", decisionID, string(channel))
}

func init() {
	consultation.AddOpinionSource(channelFigures)
	// Opinions from every channel are answered (Art. 18): a decision
	// withheld from consultation has no adoption report to refuse an
	// unanswered letter, so the review gate checks them itself.
	consultation.AddGate(consultation.StatusUnderReview, consultation.Gate{
		Code: "offline_opinions_answered", Basis: BasisAnswered, Title: "来信、热线、座谈会等渠道收到的意见均已答复",
		Message: "尚有通过来信、热线、座谈会等渠道收到的意见未作出处理",
		Check: func(ctx context.Context, st *consultation.GateState) (bool, error) {
			var open bool
			err := st.Tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM offline_opinions WHERE decision_id = $1 AND disposition IS NULL)`,
				st.Decision.ID).Scan(&open)
			return !open, err
		}})
}

// channelFigures counts the offline opinions of a decision by channel for
// the adoption report, with the distinct answers given to each channel.
func channelFigures(ctx context.Context, tx pgx.Tx, decisionID int64) ([]consultation.ChannelFigure, error) {
	rows, err := tx.Query(ctx, `SELECT channel, coalesce(disposition, ''), coalesce(reason, ''), count(*)::int FROM offline_opinions
		WHERE decision_id = $1 GROUP BY 1, 2, 3 ORDER BY 4 DESC, 2, 3`, decisionID)
	if err != nil {
		return nil, err
	}
	byKey := map[Channel]*consultation.ChannelFigure{}
	counts := map[Channel]map[string]int{}
	var ch Channel
	var disp, reason string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&ch, &disp, &reason, &n}, func() error {
		f := byKey[ch]
		if f == nil {
			f = &consultation.ChannelFigure{Key: string(ch), Name: ChannelNames[ch], Replies: []consultation.ReplyFigure{}}
			byKey[ch], counts[ch] = f, map[string]int{}
		}
		f.Opinions += n
		if disp == "" {
			f.WithoutDisposition += n
			return nil
		}
		counts[ch][disp] += n
		if len(f.Replies) < 10 {
			k := consultation.DispositionKind(disp)
			f.Replies = append(f.Replies, consultation.ReplyFigure{Disposition: k, Name: consultation.DispositionNames[k], Reason: reason, Count: n})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var out []consultation.ChannelFigure
	for _, c := range Channels {
		f := byKey[c]
		if f == nil {
			continue
		}
		for _, k := range consultation.Dispositions {
			f.ByDisposition = append(f.ByDisposition, consultation.CountFigure{Key: string(k), Name: consultation.DispositionNames[k],
				Count: counts[c][string(k)]})
		}
		out = append(out, *f)
	}
	return out, nil
}
