package notify_test

import (
	"context"
	"testing"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestInboxCountsWhatItLists: the inbox's unread count and its list are
// read at one moment. Read one after the other, a notification fanned out
// between the two was counted and not listed: the API answered "2 unread"
// over a list of one (TestNotificationsAPI failed so, now and then).
func TestInboxCountsWhatItLists(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	a, _ := e.Account(identity.RoleResident, "")
	// Notifications arriving while the inbox is read, as the fan-out job
	// writes them: fewer than a page, so every one is listed.
	const arriving = 90
	inserted := make(chan error, 1)
	go func() {
		for range arriving {
			if _, err := e.DB.Exec(ctx, `WITH ev AS (INSERT INTO domain_events (kind, occurred_at, subject_type, public)
				VALUES ('opinion_answered', now(), 'comment', false) RETURNING id)
				INSERT INTO notifications (account_id, event_id, kind, title, immediate)
				SELECT $1, id, 'opinion_answered', '您的意见已有答复', true FROM ev`, a.ID); err != nil {
				inserted <- err
				return
			}
		}
		inserted <- nil
	}()
	reads := 0
	for {
		ns, n, err := e.Notify.Inbox(ctx, &a, 100, 0)
		must(t, err)
		reads++
		if n != len(ns) {
			t.Fatalf("read %d: the inbox counts %d unread and lists %d", reads, n, len(ns))
		}
		select {
		case err := <-inserted:
			must(t, err)
			if n, err := e.Notify.UnreadCount(ctx, &a); err != nil || n != arriving {
				t.Fatalf("unread %d (%v), want %d", n, err, arriving)
			}
			t.Logf("%d reads while %d notifications arrived", reads, arriving)
			return
		default:
		}
	}
}
