-- +goose Up
-- The sequencer of 00060 went row by row in PL/pgSQL; its cached generic
-- plans were made while open_objects was empty (a sequential scan for each
-- lookup, so the cost grew with every object numbered) and it read "seq IS
-- NOT NULL" through the unique index on seq. One set-based statement per
-- batch instead: the newest pending row of each object is judged (public
-- now? public before?), superseded and never-public rows are dropped, the
-- object's earlier numbered row is dropped (one row per object), and the
-- kept rows are numbered together.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION canyu_open_sequence(batch int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
    WITH pending AS (
        SELECT c.id, c.kind, c.object_id FROM open_changes c WHERE c.seq IS NULL ORDER BY c.id LIMIT batch
    ), latest AS (
        SELECT DISTINCT ON (p.kind, p.object_id) p.id, p.kind, p.object_id FROM pending p ORDER BY p.kind, p.object_id, p.id DESC
    ), judged AS (
        SELECT l.id, l.kind, l.object_id, canyu_open_payload(l.kind, l.object_id) IS NOT NULL AS pub, coalesce(o.public, false) AS was
        FROM latest l LEFT JOIN open_objects o ON o.kind = l.kind AND o.object_id = l.object_id
    ), kept AS (
        -- Public now, or public before and so owed a tombstone.
        SELECT j.* FROM judged j WHERE j.pub OR j.was
    ), dropped AS (
        DELETE FROM open_changes c USING pending p
        WHERE c.id = p.id AND NOT EXISTS (SELECT 1 FROM kept k WHERE k.id = p.id)
    ), older AS (
        DELETE FROM open_changes c USING kept k
        WHERE c.kind = k.kind AND c.object_id = k.object_id AND c.seq IS NOT NULL
    ), objects AS (
        INSERT INTO open_objects (kind, object_id, public) SELECT k.kind, k.object_id, k.pub FROM kept k
        ON CONFLICT ON CONSTRAINT open_objects_pkey DO UPDATE SET public = EXCLUDED.public
    ), numbered AS (
        UPDATE open_changes c SET seq = nextval('open_change_seq'), removed = NOT k.pub, changed_at = now()
        FROM kept k WHERE c.id = k.id
    )
    SELECT count(*) INTO n FROM pending;
    RETURN n;
END;
$$;
-- +goose StatementEnd

-- +goose Down
SELECT 1;
