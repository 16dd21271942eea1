-- +goose Up
-- The search outbox (issue 7). Every domain change that can alter what
-- search shows writes a row here IN ITS OWN TRANSACTION, through the
-- triggers below rather than through calls in the service code: a trigger
-- cannot be forgotten by a new code path, and it fires for every writer
-- (services, seed, migrations, an operator's SQL). A row only says
-- "re-derive document X"; the indexer (search/indexer.go) reads the
-- current public state after commit and upserts or deletes, so rows are
-- idempotent and a burst of updates of one document coalesces into one
-- index write.
--
-- doc_type is one of:
--   decision           the decision item and the articles of its public version
--   decision_comments  every comment of a decision (their facets follow the
--                      decision; the consultation may stop showing comments)
--   comment            one comment
--   survey             one survey
CREATE TABLE search_outbox (
    id              bigserial PRIMARY KEY,
    doc_type        text NOT NULL CHECK (doc_type IN ('decision', 'decision_comments', 'comment', 'survey')),
    doc_key         bigint NOT NULL,
    -- The unit of ordering: workers process one lock_key at a time (under a
    -- transaction-scoped advisory lock), so the documents it covers are
    -- re-derived and written in commit order. comment and decision_comments
    -- rows of one decision share 'comments:<decision id>', because both
    -- write the same comment documents.
    lock_key        text NOT NULL,
    enqueued_at     timestamptz NOT NULL DEFAULT now(),
    attempts        int NOT NULL DEFAULT 0,
    -- NULL: due now. Set with exponential backoff after a failed attempt.
    next_attempt_at timestamptz,
    last_error      text NOT NULL DEFAULT ''
);
CREATE INDEX search_outbox_due_idx ON search_outbox (next_attempt_at NULLS FIRST, id);
CREATE INDEX search_outbox_doc_idx ON search_outbox (doc_type, doc_key, id);

-- +goose StatementBegin
CREATE FUNCTION canyu_search_enqueue(doc_type text, doc_key bigint, lock_key text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO search_outbox (doc_type, doc_key, lock_key) VALUES (doc_type, doc_key, lock_key);
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION canyu_search_decisions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM canyu_search_enqueue('decision', OLD.id, 'decision:' || OLD.id);
        PERFORM canyu_search_enqueue('decision_comments', OLD.id, 'comments:' || OLD.id);
        RETURN OLD;
    END IF;
    PERFORM canyu_search_enqueue('decision', NEW.id, 'decision:' || NEW.id);
    -- Comment documents carry the decision's title, domain, status and lead
    -- unit as facets: re-derive them only when one of those changes (a
    -- handful of times in a decision's life), not on every update.
    IF TG_OP = 'UPDATE' THEN
        IF OLD.title IS DISTINCT FROM NEW.title OR OLD.domain IS DISTINCT FROM NEW.domain
            OR OLD.status IS DISTINCT FROM NEW.status OR OLD.lead_agency_id IS DISTINCT FROM NEW.lead_agency_id
            OR OLD.public_since IS DISTINCT FROM NEW.public_since THEN
            PERFORM canyu_search_enqueue('decision_comments', NEW.id, 'comments:' || NEW.id);
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER decisions_search AFTER INSERT OR UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION canyu_search_decisions();

-- +goose StatementBegin
-- A new version, consultation or publication can change which version is
-- public (and so which articles are indexed); a consultation's show_comments
-- decides whether its comments are public.
CREATE FUNCTION canyu_search_decision_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM canyu_search_enqueue('decision', OLD.decision_id, 'decision:' || OLD.decision_id);
        RETURN OLD;
    END IF;
    PERFORM canyu_search_enqueue('decision', NEW.decision_id, 'decision:' || NEW.decision_id);
    -- Nested, not AND: PL/pgSQL does not promise to short-circuit, and
    -- other tables have no show_comments.
    IF TG_TABLE_NAME = 'consultations' THEN
        IF TG_OP = 'INSERT' THEN
            PERFORM canyu_search_enqueue('decision_comments', NEW.decision_id, 'comments:' || NEW.decision_id);
        ELSIF OLD.show_comments IS DISTINCT FROM NEW.show_comments THEN
            PERFORM canyu_search_enqueue('decision_comments', NEW.decision_id, 'comments:' || NEW.decision_id);
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER draft_versions_search AFTER INSERT ON draft_versions
    FOR EACH ROW EXECUTE FUNCTION canyu_search_decision_child();
CREATE TRIGGER consultations_search AFTER INSERT OR UPDATE OR DELETE ON consultations
    FOR EACH ROW EXECUTE FUNCTION canyu_search_decision_child();
CREATE TRIGGER decision_publications_search AFTER INSERT OR UPDATE OR DELETE ON decision_publications
    FOR EACH ROW EXECUTE FUNCTION canyu_search_decision_child();

-- +goose StatementBegin
CREATE FUNCTION canyu_search_comments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM canyu_search_enqueue('comment', OLD.id, 'comments:' || OLD.decision_id);
        RETURN OLD;
    END IF;
    -- Sealing into a checkpoint or grouping does not change the document.
    IF TG_OP = 'INSERT' THEN
        PERFORM canyu_search_enqueue('comment', NEW.id, 'comments:' || NEW.decision_id);
    ELSIF OLD.status IS DISTINCT FROM NEW.status OR OLD.body IS DISTINCT FROM NEW.body
        OR OLD.anonymised_at IS DISTINCT FROM NEW.anonymised_at OR OLD.article_anchor IS DISTINCT FROM NEW.article_anchor THEN
        PERFORM canyu_search_enqueue('comment', NEW.id, 'comments:' || NEW.decision_id);
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER comments_search AFTER INSERT OR UPDATE OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION canyu_search_comments();

-- +goose StatementBegin
CREATE FUNCTION canyu_search_surveys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM canyu_search_enqueue('survey', OLD.id, 'survey:' || OLD.id);
        RETURN OLD;
    END IF;
    PERFORM canyu_search_enqueue('survey', NEW.id, 'survey:' || NEW.id);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER surveys_search AFTER INSERT OR UPDATE OR DELETE ON surveys
    FOR EACH ROW EXECUTE FUNCTION canyu_search_surveys();

-- +goose Down
DROP TRIGGER surveys_search ON surveys;
DROP TRIGGER comments_search ON comments;
DROP TRIGGER decision_publications_search ON decision_publications;
DROP TRIGGER consultations_search ON consultations;
DROP TRIGGER draft_versions_search ON draft_versions;
DROP TRIGGER decisions_search ON decisions;
DROP FUNCTION canyu_search_surveys();
DROP FUNCTION canyu_search_comments();
DROP FUNCTION canyu_search_decision_child();
DROP FUNCTION canyu_search_decisions();
DROP FUNCTION canyu_search_enqueue(text, bigint, text);
DROP TABLE search_outbox;
