-- +goose Up
-- Comments are grouped after they are stored, in batches
-- (consultation/grouping_batch.go), instead of inside each submission: the
-- grouper finds a decision's ungrouped comments through this index, which
-- stays small because the grouper empties it every second.
CREATE INDEX comments_ungrouped_idx ON comments (decision_id, id) WHERE group_id IS NULL;

-- +goose Down
DROP INDEX comments_ungrouped_idx;
