package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/internal/workday"
)

// Consumer is this package's cursor name in domain_event_cursors.
const Consumer = "notify"

// DrainEvents moves the notify cursor over the events committed since the
// last run and queues one fan-out job per event, in the same transaction as
// the cursor (so each event is fanned out once). It returns how many
// events it queued.
func (s *Service) DrainEvents(ctx context.Context) (int, error) {
	if s.Queue == nil {
		return 0, nil
	}
	total := 0
	for {
		n, err := events.Consume(ctx, s.DB, Consumer, 200, func(ctx context.Context, tx pgx.Tx, evs []events.Stored) error {
			params := make([]river.InsertManyParams, 0, len(evs))
			for _, ev := range evs {
				params = append(params, river.InsertManyParams{Args: FanOutArgs{EventID: ev.ID}})
			}
			_, err := s.Queue.InsertManyFastTx(ctx, tx, params)
			return err
		})
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// note is the text of a notification.
type note struct {
	title, body, link string
	immediate         bool
}

type payload struct {
	DecisionTitle  string    `json:"decision_title"`
	SurveyTitle    string    `json:"survey_title"`
	EndsAt         time.Time `json:"ends_at"`
	ClosesAt       time.Time `json:"closes_at"`
	Disposition    string    `json:"disposition"`
	DocumentNumber string    `json:"document_number"`
	// webhook_paused
	OrganisationID int64 `json:"organisation_id"`
	OwnerAccountID int64 `json:"owner_account_id"`
	SurveyID       int64 `json:"survey_id"`
}

func day(t time.Time) string {
	l := t.In(workday.Location())
	return fmt.Sprintf("%d年%d月%d日", l.Year(), int(l.Month()), l.Day())
}

// noteOf writes the Chinese text of an event's notification.
func noteOf(ev events.Stored) (note, error) {
	var p payload
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		return note{}, err
	}
	var d int64
	if ev.DecisionID != nil {
		d = *ev.DecisionID
	}
	dl := "/decisions/" + strconv.FormatInt(d, 10)
	t := "《" + p.DecisionTitle + "》"
	switch ev.Kind {
	case events.ConsultationOpened:
		return note{title: t + "开始公开征求意见", body: "征求意见截止到" + day(p.EndsAt) + "，欢迎提出您的意见。", link: dl}, nil
	case events.SurveyOpened:
		n := note{title: "问卷调查《" + p.SurveyTitle + "》开始", body: "问卷截止到" + day(p.ClosesAt) + "。",
			link: "/surveys/" + strconv.FormatInt(p.SurveyID, 10)}
		if p.DecisionTitle != "" {
			n.body = "这是关于" + t + "的民意调查，" + n.body
		}
		return n, nil
	case events.OpinionAnswered:
		return note{title: "您对" + t + "提出的意见已有答复", body: "处理结果：" +
			consultation.DispositionNames[consultation.DispositionKind(p.Disposition)] + "。答复理由和它是否促成了条文修改，请在“我的意见”中查看。",
			link: "/me/comments", immediate: true}, nil
	case events.AdoptionReportPublished:
		return note{title: t + "公布了意见采纳情况说明", body: "说明列出了公众意见的采纳情况和理由。", link: dl + "/adoption-report"}, nil
	case events.DecisionPublished:
		body := "决策已正式公布。"
		if p.DocumentNumber != "" {
			body = "决策已正式公布，文号" + p.DocumentNumber + "。"
		}
		return note{title: t + "已公布", body: body, link: dl}, nil
	case events.WebhookPaused:
		return note{title: "您机构的数据推送已暂停", body: "推送地址多次接收失败，平台已暂停推送，之后的事件暂存待发。排除故障后，请在机构页面点“恢复推送并重发”。",
			link: "/organisations/" + strconv.FormatInt(p.OrganisationID, 10), immediate: true}, nil
	case events.ImplementationReportSubmitted:
		return note{title: t + "有新的执行情况报告", body: "执行单位报告了决策的执行情况。", link: dl}, nil
	}
	return note{}, fmt.Errorf("notify: unknown event kind %q", ev.Kind)
}

// FanOut writes the notifications of one event: to the authors of the
// answered opinions (opinion_answered), or to every follower of the
// event's domain, agency or decision (the others; a public event only).
// It writes FanOutBatch recipients per transaction and queues the immediate
// deliveries in the same transaction; a retry skips the recipients already
// written. The fan-out job calls it.
func (s *Service) FanOut(ctx context.Context, eventID int64) error {
	ev, err := events.Get(ctx, s.DB, eventID)
	if err != nil {
		return err
	}
	n, err := noteOf(ev)
	if err != nil {
		return err
	}
	var recipients string
	args := []any{ev.ID, ev.Kind, ev.DecisionID, n.title, n.body, n.link, n.immediate}
	switch {
	case ev.Kind == events.OpinionAnswered:
		recipients = `SELECT DISTINCT c.account_id FROM comments c WHERE c.id = ANY($8) AND c.account_id > $9`
		args = append(args, ev.SubjectIDs)
	case ev.Kind == events.WebhookPaused:
		var p payload
		if err := json.Unmarshal(ev.Payload, &p); err != nil {
			return err
		}
		recipients = `SELECT $8::bigint AS account_id WHERE $8 > $9`
		args = append(args, p.OwnerAccountID)
	case !ev.Public:
		return nil
	default:
		recipients = `SELECT account_id FROM subscriptions WHERE domain = nullif($8, '') AND account_id > $9
			UNION SELECT account_id FROM subscriptions WHERE agency_id = $10 AND account_id > $9
			UNION SELECT account_id FROM subscriptions WHERE decision_id = $11 AND account_id > $9`
		args = append(args, ev.Domain)
	}
	batch := s.FanOutBatch
	if batch <= 0 {
		batch = 2000
	}
	after := int64(0)
	for {
		began := time.Now()
		var last int64
		var written int
		err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
			// A generic plan of this prepared statement does not know the
			// domain or which branches are NULL and may scan every follower
			// per batch (seen in the storm benchmark after ANALYZE).
			if _, err := tx.Exec(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
				return err
			}
			a := append(append([]any{}, args...), after)
			if ev.Kind != events.OpinionAnswered && ev.Kind != events.WebhookPaused {
				a = append(a, ev.AgencyID, ev.DecisionID)
			}
			a = append(a, batch)
			limit := "$" + strconv.Itoa(len(a))
			rows, err := tx.Query(ctx, `WITH r AS (`+recipients+` ORDER BY 1 LIMIT `+limit+`),
				ins AS (INSERT INTO notifications (account_id, event_id, kind, decision_id, title, body, link, immediate)
					SELECT r.account_id, $1, $2, $3, $4, $5, $6, $7 FROM r JOIN accounts a ON a.id = r.account_id AND a.deleted_at IS NULL
					ON CONFLICT (account_id, event_id) DO NOTHING RETURNING id, account_id)
				SELECT (SELECT max(account_id) FROM r), (SELECT count(*) FROM r),
					coalesce((SELECT array_agg(id) FROM ins), '{}')`, a...)
			if err != nil {
				return err
			}
			var ids []int64
			var maxID *int64
			if _, err := pgx.ForEachRow(rows, []any{&maxID, &written, &ids}, func() error { return nil }); err != nil {
				return err
			}
			if maxID != nil {
				last = *maxID
			}
			if n.immediate && len(ids) > 0 {
				return s.queueImmediate(ctx, tx, ids)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("notify: fan out event %d: %w", eventID, err)
		}
		if written < batch {
			return nil
		}
		after = last
		if d := s.FanOutDuty; d > 0 && d < 1 {
			// The rest is capped, so a loaded database (slow batches) never
			// stretches a storm past its five minutes (50 batches × ≤ 1 s).
			rest := min(time.Duration(float64(time.Since(began))*(1/d-1)), MaxFanOutRest)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(rest):
			}
		}
	}
}

// queueImmediate queues the e-mail and SMS of new immediate notifications,
// by each recipient's settings; SMS is scheduled past the quiet hours.
func (s *Service) queueImmediate(ctx context.Context, tx pgx.Tx, ids []int64) error {
	rows, err := tx.Query(ctx, `SELECT n.id, (st.email <> '' AND st.email_confirmed_at IS NOT NULL AND st.email_on),
			(st.sms_on AND a.phone IS NOT NULL), st.quiet_start, st.quiet_end
		FROM notifications n JOIN notification_settings st ON st.account_id = n.account_id JOIN accounts a ON a.id = n.account_id
		WHERE n.id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	var params []river.InsertManyParams
	var id int64
	var email, sms bool
	var qs, qe int
	now := s.now()
	if _, err := pgx.ForEachRow(rows, []any{&id, &email, &sms, &qs, &qe}, func() error {
		if email {
			params = append(params, river.InsertManyParams{Args: DeliverArgs{NotificationID: id, Channel: "email"}})
		}
		if sms {
			at := quietUntil(now, qs, qe)
			params = append(params, river.InsertManyParams{Args: DeliverArgs{NotificationID: id, Channel: "sms"},
				InsertOpts: &river.InsertOpts{ScheduledAt: at}})
		}
		return nil
	}); err != nil {
		return err
	}
	if len(params) == 0 {
		return nil
	}
	_, err = s.Queue.InsertManyFastTx(ctx, tx, params)
	return err
}

// quietUntil returns when a text may go out: now, or the end of the quiet
// hours [start, end) (Asia/Shanghai) when now falls in them. A window may
// cross midnight (22–7); start == end means no quiet hours.
func quietUntil(now time.Time, start, end int) time.Time {
	if start == end {
		return now
	}
	l := now.In(workday.Location())
	h := l.Hour()
	quiet := (start < end && h >= start && h < end) || (start > end && (h >= start || h < end))
	if !quiet {
		return now
	}
	until := time.Date(l.Year(), l.Month(), l.Day(), end, 0, 0, 0, workday.Location())
	if !until.After(l) {
		until = until.AddDate(0, 0, 1)
	}
	return until.UTC()
}
