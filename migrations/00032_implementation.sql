-- +goose Up
-- After publication (Decree 713 Art. 34–39): the implementing unit's
-- reports, post-evaluation, adjustment and the end of execution.

CREATE TABLE implementation_reports (
    id              bigserial PRIMARY KEY,
    decision_id     bigint NOT NULL REFERENCES decisions (id),
    agency_id       bigint NOT NULL REFERENCES agencies (id),
    -- periodic (定期报告), problem (发现问题) or major_change (客观情况重大变化)
    kind            text NOT NULL CHECK (kind IN ('periodic', 'problem', 'major_change')),
    period_end      date NOT NULL,
    progress        text NOT NULL CHECK (progress <> ''),
    problems        text NOT NULL DEFAULT '',
    -- whether the expected effect is being achieved, in the unit's view
    effect_achieved boolean NOT NULL,
    reported_by     bigint NOT NULL REFERENCES accounts (id),
    record_seq      bigint NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX implementation_reports_decision_idx ON implementation_reports (decision_id, id);

CREATE TABLE post_evaluations (
    id                   bigserial PRIMARY KEY,
    decision_id          bigint NOT NULL REFERENCES decisions (id),
    -- effect_not_achieved, feedback_volume or body_choice (Art. 36)
    trigger              text NOT NULL CHECK (trigger IN ('effect_not_achieved', 'feedback_volume', 'body_choice')),
    trigger_detail       text NOT NULL DEFAULT '',
    evaluator            text NOT NULL CHECK (evaluator <> ''),
    status               text NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress', 'reported')),
    public_participation text NOT NULL DEFAULT '',
    report               text NOT NULL DEFAULT '',
    outcome              text CHECK (outcome IN ('continue', 'adjust', 'stop')),
    started_by           bigint NOT NULL REFERENCES accounts (id),
    started_at           timestamptz NOT NULL,
    reported_by          bigint REFERENCES accounts (id),
    reported_at          timestamptz
);
CREATE INDEX post_evaluations_decision_idx ON post_evaluations (decision_id, id);
CREATE UNIQUE INDEX post_evaluations_one_open_idx ON post_evaluations (decision_id) WHERE status = 'in_progress';

-- Adjustments of a decision in effect; a major one opens a new decision
-- item linked to the old, which runs the whole procedure again (Art. 37).
CREATE TABLE decision_adjustments (
    id              bigserial PRIMARY KEY,
    decision_id     bigint NOT NULL REFERENCES decisions (id),
    major           boolean NOT NULL,
    description     text NOT NULL CHECK (description <> ''),
    reason          text NOT NULL CHECK (reason <> ''),
    evaluation_id   bigint REFERENCES post_evaluations (id),
    new_decision_id bigint UNIQUE REFERENCES decisions (id),
    created_by      bigint NOT NULL REFERENCES accounts (id),
    created_at      timestamptz NOT NULL,
    CHECK (major = (new_decision_id IS NOT NULL))
);
CREATE INDEX decision_adjustments_decision_idx ON decision_adjustments (decision_id, id);

CREATE TABLE decision_endings (
    id            bigserial PRIMARY KEY,
    decision_id   bigint NOT NULL UNIQUE REFERENCES decisions (id),
    reason        text NOT NULL CHECK (reason <> ''),
    evaluation_id bigint NOT NULL REFERENCES post_evaluations (id),
    ended_by      bigint NOT NULL REFERENCES accounts (id),
    created_at    timestamptz NOT NULL
);

CREATE TRIGGER implementation_reports_immutable BEFORE UPDATE OR DELETE ON implementation_reports
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER decision_adjustments_immutable BEFORE UPDATE OR DELETE ON decision_adjustments
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();

-- +goose Down
DROP TABLE decision_endings;
DROP TABLE decision_adjustments;
DROP TABLE post_evaluations;
DROP TABLE implementation_reports;
