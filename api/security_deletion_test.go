package api_test

import (
	"context"
	"testing"
)

// Issue 15, finding 7: deleting a resident's data left the text and the
// client address of their implementation feedback (Art. 35) behind. The
// feedback stays counted (its record entry holds only a hash) but nothing
// the resident wrote or where from remains.
func TestDataDeletionRemovesFeedbackTextAndAddress(t *testing.T) {
	p, hash := reviewedProcedure(t)
	p.publish(t, hash)
	const secret = "我住在幸福小区3号楼，学校仍要求全体学生参加课后服务。"
	p.Do("POST", p.path("/implementation-feedback"), p.tok("alice"), map[string]any{"body": secret}).Expect(t, 201, "")
	p.Do("POST", "/me/delete-data", p.tok("alice"), map[string]any{"confirm": true}).Expect(t, 200, "")
	var n, total int
	p.DB.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE body LIKE '%幸福小区%' OR client_addr <> ''), count(*)
		FROM implementation_feedback`).Scan(&n, &total)
	if total != 1 || n != 0 {
		t.Fatalf("after deletion: %d of %d feedback rows keep text or address", n, total)
	}
}

// Issue 15 (deletion of all of a resident's personal data), found after
// notifications landed: deleting one's data left the notification e-mail
// address, what one followed and the inbox behind.
func TestDataDeletionRemovesNotificationData(t *testing.T) {
	p, _ := reviewedProcedure(t)
	ctx := context.Background()
	alice := p.accounts["alice"]
	p.Do("POST", "/me/subscriptions", p.tok("alice"), map[string]any{"domain": "education_culture"}).Expect(t, 201, "")
	p.Do("PUT", "/me/notification-settings", p.tok("alice"), map[string]any{"email": "alice@example.com", "email_on": true,
		"sms_on": true, "quiet_start": 22, "quiet_end": 7}).Expect(t, 200, "")
	var event int64
	if err := p.DB.QueryRow(ctx, `INSERT INTO domain_events (kind, occurred_at, subject_type, public)
		VALUES ('consultation_opened', now(), 'consultation', true) RETURNING id`).Scan(&event); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DB.Exec(ctx, `INSERT INTO notifications (account_id, event_id, kind, title, immediate)
		VALUES ($1, $2, 'consultation_opened', '新的征求意见', false)`, alice.ID, event); err != nil {
		t.Fatal(err)
	}
	p.Do("POST", "/me/delete-data", p.tok("alice"), map[string]any{"confirm": true}).Expect(t, 200, "")
	for _, table := range []string{"subscriptions", "notification_settings", "notifications"} {
		var n int
		if err := p.DB.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE account_id = $1`, alice.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("after deletion %d rows of %s remain", n, table)
		}
	}
}
