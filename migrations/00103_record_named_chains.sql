-- +goose Up
-- Chains of the process record that belong to no decision: a decision
-- body's catalogue record (决策事项目录, its adjustments, the initiation of
-- items and the proposals of decision items with their answers; package
-- catalogue) is the chain named 'catalogue:<decision body id>'. An entry
-- belongs to a decision (decision_id, chain '') or to a named chain
-- (decision_id NULL, chain set), never both. Existing entries keep their
-- decision and their hashes (record.EntryHash hashes the chain's name in
-- place of the decision id only for named chains), so every existing chain,
-- signature and tree head still verifies.
ALTER TABLE record_entries ALTER COLUMN decision_id DROP NOT NULL;
ALTER TABLE record_entries ADD COLUMN chain text NOT NULL DEFAULT '';
-- NOT VALID: every existing row has a decision and chain '' (the column's
-- default), so the check is not run over the whole table under the
-- migration's lock; it holds for every row written from now on.
ALTER TABLE record_entries ADD CONSTRAINT record_entries_one_chain
    CHECK ((decision_id IS NULL) = (chain <> '') AND (chain = '' OR chain ~ '^[a-z_]+:[1-9][0-9]*$')) NOT VALID;
CREATE UNIQUE INDEX record_entries_chain_seq ON record_entries (chain, seq) WHERE chain <> '';

-- A logged chain head of a named chain: decision_id 0 (the column has no
-- foreign key) and the chain's name; its leaf hashes the name
-- (record.LogLeaf.Bytes), so it can never stand for a decision's head.
ALTER TABLE record_log_leaves ADD COLUMN chain text NOT NULL DEFAULT '';
CREATE INDEX record_log_leaves_chain_idx ON record_log_leaves (chain, seq) WHERE chain <> '';

-- The open-data feed announces a decision's record head; a named chain's
-- entry has no decision to announce.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION canyu_open_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.decision_id IS NOT NULL THEN
        PERFORM canyu_open_note('record_head', NEW.decision_id);
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- The catalogue rows written before the catalogue had a record: the
-- highest id of each table when this migration ran. Rows up to it that no
-- entry binds yet are sealed once by a catalogue_record_started entry
-- (catalogue.SealUnrecorded, run by serve at start); a row above it that
-- no entry binds was written behind the service's back.
CREATE TABLE catalogue_record_cutoffs (
    table_name text PRIMARY KEY,
    max_id     bigint NOT NULL
);
INSERT INTO catalogue_record_cutoffs (table_name, max_id)
SELECT 'catalogues', coalesce(max(id), 0) FROM catalogues UNION ALL
SELECT 'catalogue_items', coalesce(max(id), 0) FROM catalogue_items UNION ALL
SELECT 'catalogue_adjustments', coalesce(max(id), 0) FROM catalogue_adjustments UNION ALL
SELECT 'catalogue_events', coalesce(max(id), 0) FROM catalogue_events UNION ALL
SELECT 'decision_initiations', coalesce(max(id), 0) FROM decision_initiations UNION ALL
SELECT 'decision_proposals', coalesce(max(id), 0) FROM decision_proposals;
CREATE TRIGGER catalogue_record_cutoffs_immutable BEFORE UPDATE OR DELETE ON catalogue_record_cutoffs
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();

-- +goose Down
DROP TABLE catalogue_record_cutoffs;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION canyu_open_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM canyu_open_note('record_head', NEW.decision_id);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
DROP INDEX record_log_leaves_chain_idx;
ALTER TABLE record_log_leaves DROP COLUMN chain;
DROP INDEX record_entries_chain_seq;
ALTER TABLE record_entries DROP CONSTRAINT record_entries_one_chain;
ALTER TABLE record_entries DROP COLUMN chain;
ALTER TABLE record_entries ALTER COLUMN decision_id SET NOT NULL;
