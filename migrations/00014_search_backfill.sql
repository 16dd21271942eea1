-- +goose Up
-- A database that held decisions, comments or surveys before the search
-- outbox existed (00013) has nothing queued for them: queue every decision
-- (with its articles), every decision's comments and every survey once, so
-- an upgraded installation becomes searchable without a manual reindex.
-- The indexer derives each document from the public view, as always.
INSERT INTO search_outbox (doc_type, doc_key, lock_key)
SELECT 'decision', id, 'decision:' || id FROM decisions;
INSERT INTO search_outbox (doc_type, doc_key, lock_key)
SELECT 'decision_comments', id, 'comments:' || id FROM decisions;
INSERT INTO search_outbox (doc_type, doc_key, lock_key)
SELECT 'survey', id, 'survey:' || id FROM surveys;

-- +goose Down
SELECT 1;
