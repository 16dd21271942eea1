-- +goose Up
-- Open data (issue 20): what of canyu is public, in one place, and a change
-- feed over it.
--
-- The open_* views ARE the public shape of each collection: the visibility
-- rule (a decision is public once public_since is set; a version once a
-- consultation or a publication shows it; a comment once published, on a
-- consultation that shows comments, and not anonymised; ...) and the
-- columns anyone may read. The change feed, the bulk export and the data
-- dictionary all read these views, so a private object cannot leak through
-- one of them and not the others. They mirror the rules of the services
-- (consultation.ListComments, versionPublic, survey results after close).
CREATE VIEW open_decisions AS
SELECT d.id, d.title, d.summary, d.category, d.domain, d.status,
       lead.code AS lead_agency_code, lead.name AS lead_agency_name,
       body.code AS decision_body_code, body.name AS decision_body_name,
       d.planned_decision_date, d.withdrawn_reason, d.public_since, d.updated_at
FROM decisions d
JOIN agencies lead ON lead.id = d.lead_agency_id
JOIN agencies body ON body.id = d.decision_body_id
WHERE d.public_since IS NOT NULL;

CREATE VIEW open_versions AS
SELECT v.id, v.decision_id, v.number, v.text, v.explanation, v.content_hash, v.created_at
FROM draft_versions v
JOIN decisions d ON d.id = v.decision_id
WHERE d.public_since IS NOT NULL
  AND (EXISTS (SELECT 1 FROM consultations k WHERE k.decision_id = v.decision_id AND k.version_id = v.id)
    OR EXISTS (SELECT 1 FROM decision_publications p WHERE p.decision_id = v.decision_id AND p.version_id = v.id));

CREATE VIEW open_comments AS
SELECT c.id, c.decision_id, c.consultation_id, v.number AS version_number,
       coalesce(c.article_anchor, '') AS article_anchor, coalesce(c.stance, '') AS stance,
       CASE WHEN c.show_name THEN acc.display_name ELSE acc.pseudonym END AS author_name,
       c.body, c.body_hash, c.created_at
FROM comments c
JOIN decisions d ON d.id = c.decision_id
JOIN consultations k ON k.id = c.consultation_id
JOIN draft_versions v ON v.id = c.version_id
JOIN accounts acc ON acc.id = c.account_id
WHERE c.status = 'published' AND c.anonymised_at IS NULL AND k.show_comments AND d.public_since IS NOT NULL;

-- A disposition is public with its comment (the public comment list shows it).
CREATE VIEW open_dispositions AS
SELECT p.comment_id AS id, p.decision_id, p.comment_id, p.disposition, p.reason, p.group_id, p.decided_at
FROM comment_dispositions p
JOIN open_comments c ON c.id = p.comment_id;

CREATE VIEW open_adoption_reports AS
SELECT r.id, r.decision_id, r.consultation_id, r.figures, r.body, r.published_at, r.published_hash
FROM adoption_reports r
JOIN decisions d ON d.id = r.decision_id
WHERE r.status = 'published' AND d.public_since IS NOT NULL;

CREATE VIEW open_surveys AS
SELECT s.id, s.decision_id, a.code AS agency_code, a.name AS agency_name, s.title, s.description,
       s.opens_at, s.closes_at, s.anonymous, s.results_public_after_close, s.status, s.opened_at, s.closed_at,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('id', q.id, 'position', q.position, 'kind', q.kind, 'title', q.title,
               'help', q.help, 'required', q.required, 'config', q.config) ORDER BY q.position), '[]')
        FROM survey_questions q WHERE q.survey_id = s.id) AS questions
FROM surveys s
JOIN agencies a ON a.id = s.agency_id
WHERE s.status <> 'draft';

-- Published results: the counts of a closed survey whose results are public
-- after the close. Question 0 holds the respondent count.
CREATE VIEW open_survey_results AS
SELECT s.id, s.id AS survey_id, s.decision_id, s.closed_at,
       (SELECT coalesce(sum(t.count), 0) FROM survey_tally_shards t WHERE t.survey_id = s.id AND t.question_id = 0)::bigint AS respondents,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('question_id', x.question_id, 'answer_key', x.answer_key, 'count', x.n)
               ORDER BY x.question_id, x.answer_key), '[]')
        FROM (SELECT t.question_id, t.answer_key, sum(t.count)::bigint AS n FROM survey_tally_shards t
              WHERE t.survey_id = s.id AND t.question_id <> 0 GROUP BY 1, 2) x) AS tallies
FROM surveys s
WHERE s.status = 'closed' AND s.results_public_after_close;

-- The head of each public decision's process record: its latest sequence
-- number and entry hash, so a mirror can check the chain it holds.
CREATE VIEW open_record_heads AS
SELECT d.id, d.id AS decision_id, e.seq, e.entry_hash, e.recorded_at
FROM decisions d
JOIN LATERAL (SELECT seq, entry_hash, recorded_at FROM record_entries r WHERE r.decision_id = d.id ORDER BY seq DESC LIMIT 1) e ON true
WHERE d.public_since IS NOT NULL;

-- +goose StatementBegin
-- canyu_open_payload is the public JSON of one object, NULL when it is not
-- public (never was, or no longer is: rejected, anonymised, deleted).
CREATE FUNCTION canyu_open_payload(kind text, object_id bigint) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE out jsonb;
BEGIN
    CASE kind
    WHEN 'decision' THEN SELECT to_jsonb(v) INTO out FROM open_decisions v WHERE v.id = object_id;
    WHEN 'version' THEN SELECT to_jsonb(v) INTO out FROM open_versions v WHERE v.id = object_id;
    WHEN 'comment' THEN SELECT to_jsonb(v) INTO out FROM open_comments v WHERE v.id = object_id;
    WHEN 'disposition' THEN SELECT to_jsonb(v) INTO out FROM open_dispositions v WHERE v.id = object_id;
    WHEN 'adoption_report' THEN SELECT to_jsonb(v) INTO out FROM open_adoption_reports v WHERE v.id = object_id;
    WHEN 'survey' THEN SELECT to_jsonb(v) INTO out FROM open_surveys v WHERE v.id = object_id;
    WHEN 'survey_results' THEN SELECT to_jsonb(v) INTO out FROM open_survey_results v WHERE v.id = object_id;
    WHEN 'record_head' THEN SELECT to_jsonb(v) INTO out FROM open_record_heads v WHERE v.id = object_id;
    ELSE out := NULL;
    END CASE;
    RETURN out;
END;
$$;
-- +goose StatementEnd

-- The change log. Triggers write a row "object X may have changed" in the
-- writer's own transaction (like search_outbox, 00013): a trigger cannot be
-- forgotten by a new code path. Rows get their feed position (seq) later,
-- from the sequencer (canyu_open_sequence), which numbers committed rows in
-- one transaction at a time: a bigserial taken at insert would let a reader
-- see seq 11 before a slower transaction commits seq 10 and skip it forever.
-- The sequencer also decides what a row says: the object is public (an
-- upsert), no longer public (a tombstone), or was never public (the row is
-- dropped, so a private object never appears). It keeps one row per object
-- (the latest): the feed serves current state, so older rows say nothing.
CREATE TABLE open_changes (
    id          bigserial PRIMARY KEY,
    seq         bigint UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('decision', 'version', 'comment', 'disposition', 'adoption_report',
                                              'survey', 'survey_results', 'record_head')),
    object_id   bigint NOT NULL,
    removed     boolean NOT NULL DEFAULT false,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    changed_at  timestamptz
);
CREATE INDEX open_changes_pending_idx ON open_changes (id) WHERE seq IS NULL;
CREATE INDEX open_changes_object_idx ON open_changes (kind, object_id);
CREATE SEQUENCE open_change_seq;

-- Objects that have appeared in the feed, and whether they are public now.
CREATE TABLE open_objects (
    kind      text NOT NULL,
    object_id bigint NOT NULL,
    public    boolean NOT NULL,
    PRIMARY KEY (kind, object_id)
);

-- +goose StatementBegin
CREATE FUNCTION canyu_open_note(kind text, object_id bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO open_changes (kind, object_id) VALUES (kind, object_id);
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- canyu_open_sequence numbers up to batch pending rows in commit order and
-- returns how many it looked at. Callers serialise on an advisory lock.
CREATE FUNCTION canyu_open_sequence(batch int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    r record;
    n int := 0;
    pub boolean;
    was boolean;
BEGIN
    FOR r IN SELECT c.id, c.kind, c.object_id FROM open_changes c WHERE c.seq IS NULL ORDER BY c.id LIMIT batch LOOP
        n := n + 1;
        pub := canyu_open_payload(r.kind, r.object_id) IS NOT NULL;
        SELECT o.public INTO was FROM open_objects o WHERE o.kind = r.kind AND o.object_id = r.object_id;
        IF NOT pub AND was IS NOT TRUE THEN
            -- Never public, or its tombstone is already in the feed.
            DELETE FROM open_changes WHERE id = r.id;
            CONTINUE;
        END IF;
        INSERT INTO open_objects (kind, object_id, public) VALUES (r.kind, r.object_id, pub)
            ON CONFLICT ON CONSTRAINT open_objects_pkey DO UPDATE SET public = EXCLUDED.public;
        DELETE FROM open_changes WHERE kind = r.kind AND object_id = r.object_id AND id <> r.id AND seq IS NOT NULL;
        UPDATE open_changes SET seq = nextval('open_change_seq'), removed = NOT pub, changed_at = now() WHERE id = r.id;
    END LOOP;
    RETURN n;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION canyu_open_decisions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM canyu_open_note('decision', OLD.id);
        RETURN OLD;
    END IF;
    PERFORM canyu_open_note('decision', NEW.id);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER decisions_open AFTER INSERT OR UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION canyu_open_decisions();

-- +goose StatementBegin
-- A consultation or publication makes its version public; a consultation's
-- show_comments decides whether its comments (and dispositions) are public.
CREATE FUNCTION canyu_open_decision_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM canyu_open_note('version', OLD.version_id);
        RETURN OLD;
    END IF;
    PERFORM canyu_open_note('version', NEW.version_id);
    IF TG_TABLE_NAME = 'decision_publications' THEN
        PERFORM canyu_open_note('decision', NEW.decision_id);
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.show_comments IS DISTINCT FROM NEW.show_comments THEN
            INSERT INTO open_changes (kind, object_id)
            SELECT k.kind, c.id FROM comments c CROSS JOIN (VALUES ('comment'), ('disposition')) k (kind)
            WHERE c.consultation_id = NEW.id;
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER consultations_open AFTER INSERT OR UPDATE OR DELETE ON consultations
    FOR EACH ROW EXECUTE FUNCTION canyu_open_decision_child();
CREATE TRIGGER decision_publications_open AFTER INSERT OR UPDATE OR DELETE ON decision_publications
    FOR EACH ROW EXECUTE FUNCTION canyu_open_decision_child();

-- +goose StatementBegin
CREATE FUNCTION canyu_open_comments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM canyu_open_note('comment', OLD.id);
        PERFORM canyu_open_note('disposition', OLD.id);
        RETURN OLD;
    END IF;
    -- A new comment is pending (not public); the row costs one insert and
    -- the sequencer drops it. Sealing and grouping change nothing public.
    IF TG_OP = 'INSERT' THEN
        PERFORM canyu_open_note('comment', NEW.id);
    ELSIF OLD.status IS DISTINCT FROM NEW.status OR OLD.body IS DISTINCT FROM NEW.body
        OR OLD.anonymised_at IS DISTINCT FROM NEW.anonymised_at OR OLD.show_name IS DISTINCT FROM NEW.show_name
        OR OLD.article_anchor IS DISTINCT FROM NEW.article_anchor THEN
        PERFORM canyu_open_note('comment', NEW.id);
        PERFORM canyu_open_note('disposition', NEW.id);
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER comments_open AFTER INSERT OR UPDATE OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION canyu_open_comments();

-- +goose StatementBegin
CREATE FUNCTION canyu_open_dispositions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM canyu_open_note('disposition', OLD.comment_id);
        RETURN OLD;
    END IF;
    PERFORM canyu_open_note('disposition', NEW.comment_id);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER comment_dispositions_open AFTER INSERT OR UPDATE OR DELETE ON comment_dispositions
    FOR EACH ROW EXECUTE FUNCTION canyu_open_dispositions();

-- +goose StatementBegin
CREATE FUNCTION canyu_open_adoption_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM canyu_open_note('adoption_report', OLD.id);
        RETURN OLD;
    END IF;
    PERFORM canyu_open_note('adoption_report', NEW.id);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER adoption_reports_open AFTER INSERT OR UPDATE OR DELETE ON adoption_reports
    FOR EACH ROW EXECUTE FUNCTION canyu_open_adoption_reports();

-- +goose StatementBegin
CREATE FUNCTION canyu_open_surveys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM canyu_open_note('survey', OLD.id);
        PERFORM canyu_open_note('survey_results', OLD.id);
        RETURN OLD;
    END IF;
    PERFORM canyu_open_note('survey', NEW.id);
    IF TG_OP = 'UPDATE' THEN
        IF OLD.status IS DISTINCT FROM NEW.status OR OLD.results_public_after_close IS DISTINCT FROM NEW.results_public_after_close THEN
            PERFORM canyu_open_note('survey_results', NEW.id);
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER surveys_open AFTER INSERT OR UPDATE OR DELETE ON surveys
    FOR EACH ROW EXECUTE FUNCTION canyu_open_surveys();

-- +goose StatementBegin
CREATE FUNCTION canyu_open_survey_questions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM canyu_open_note('survey', OLD.survey_id);
        RETURN OLD;
    END IF;
    PERFORM canyu_open_note('survey', NEW.survey_id);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER survey_questions_open AFTER INSERT OR UPDATE OR DELETE ON survey_questions
    FOR EACH ROW EXECUTE FUNCTION canyu_open_survey_questions();

-- +goose StatementBegin
CREATE FUNCTION canyu_open_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM canyu_open_note('record_head', NEW.decision_id);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER record_entries_open AFTER INSERT ON record_entries
    FOR EACH ROW EXECUTE FUNCTION canyu_open_record();

-- What was public before this migration enters the feed once.
INSERT INTO open_changes (kind, object_id)
SELECT 'decision', id FROM decisions UNION ALL
SELECT 'version', id FROM draft_versions UNION ALL
SELECT 'comment', id FROM comments UNION ALL
SELECT 'disposition', comment_id FROM comment_dispositions UNION ALL
SELECT 'adoption_report', id FROM adoption_reports UNION ALL
SELECT 'survey', id FROM surveys UNION ALL
SELECT 'survey_results', id FROM surveys UNION ALL
SELECT 'record_head', id FROM decisions;

-- +goose Down
DROP TRIGGER record_entries_open ON record_entries;
DROP TRIGGER survey_questions_open ON survey_questions;
DROP TRIGGER surveys_open ON surveys;
DROP TRIGGER adoption_reports_open ON adoption_reports;
DROP TRIGGER comment_dispositions_open ON comment_dispositions;
DROP TRIGGER comments_open ON comments;
DROP TRIGGER decision_publications_open ON decision_publications;
DROP TRIGGER consultations_open ON consultations;
DROP TRIGGER decisions_open ON decisions;
DROP FUNCTION canyu_open_record();
DROP FUNCTION canyu_open_survey_questions();
DROP FUNCTION canyu_open_surveys();
DROP FUNCTION canyu_open_adoption_reports();
DROP FUNCTION canyu_open_dispositions();
DROP FUNCTION canyu_open_comments();
DROP FUNCTION canyu_open_decision_child();
DROP FUNCTION canyu_open_decisions();
DROP FUNCTION canyu_open_sequence(int);
DROP FUNCTION canyu_open_note(text, bigint);
DROP TABLE open_objects;
DROP SEQUENCE open_change_seq;
DROP TABLE open_changes;
DROP FUNCTION canyu_open_payload(text, bigint);
DROP VIEW open_record_heads;
DROP VIEW open_survey_results;
DROP VIEW open_surveys;
DROP VIEW open_adoption_reports;
DROP VIEW open_dispositions;
DROP VIEW open_comments;
DROP VIEW open_versions;
DROP VIEW open_decisions;
