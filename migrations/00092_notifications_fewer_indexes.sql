-- +goose Up
-- Every follower's notification is a row: each index is paid 50,000 times
-- in a storm (BenchmarkNotificationStorm). The unread count reads the
-- account's rows through notifications_account_idx instead.
DROP INDEX notifications_unread_idx;

-- +goose Down
CREATE INDEX notifications_unread_idx ON notifications (account_id) WHERE read_at IS NULL;
