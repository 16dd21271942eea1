-- +goose Up
-- The public timeline of a decision reads only its procedure steps
-- (web/timeline.go, GetDecisionRecordKinds), while a busy decision's record
-- is mostly comment moderation and checkpoints: without this index the
-- query read 4,700 entries to return 2 (~10 ms per uncached page render).
CREATE INDEX record_entries_kind_idx ON record_entries (decision_id, kind, seq);

-- +goose Down
DROP INDEX record_entries_kind_idx;
