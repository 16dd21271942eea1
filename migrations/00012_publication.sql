-- +goose Up
-- Collective deliberation (集体讨论决定, Decree 713 Art. 30), the report to
-- the same-level Party committee (向同级党委请示报告, Art. 31), publication
-- (决策公布, Art. 32), implementation feedback from the public (Art. 35) and
-- suspension (中止执行, Art. 37). Meeting records and publications are also
-- signed entries of the process record (record_seq); these tables are the
-- queryable copy and are immutable, like the record.

CREATE TABLE deliberations (
    id           bigserial PRIMARY KEY,
    decision_id  bigint NOT NULL REFERENCES decisions (id),
    -- The draft version decided on and the review sign-off (conclusion or
    -- confirmation entry) that covered it at the meeting.
    version_id   bigint NOT NULL REFERENCES draft_versions (id),
    version_hash text NOT NULL,
    review_id    bigint NOT NULL REFERENCES legality_reviews (id),
    sign_off_seq bigint NOT NULL,
    meeting_kind text NOT NULL CHECK (meeting_kind IN ('executive', 'plenary')),
    meeting_date date NOT NULL,
    session      text NOT NULL DEFAULT '',
    -- [{name, position, vote}] with vote for, against or abstain ('' for the head).
    members      jsonb NOT NULL,
    head_name    text NOT NULL,
    outcome      text NOT NULL CHECK (outcome IN ('adopted', 'rejected', 'deferred')),
    -- The majority view of the members other than the head: for, against or none (a tie).
    majority     text NOT NULL CHECK (majority IN ('for', 'against', 'none')),
    head_reason  text NOT NULL DEFAULT '',
    -- [{member, view}]
    dissent      jsonb NOT NULL DEFAULT '[]',
    minutes      text NOT NULL DEFAULT '',
    recorded_by  bigint NOT NULL REFERENCES accounts (id),
    record_seq   bigint NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX deliberations_decision_idx ON deliberations (decision_id, id);
-- A decision is adopted once.
CREATE UNIQUE INDEX deliberations_one_adopted_idx ON deliberations (decision_id) WHERE outcome = 'adopted';

CREATE TABLE party_reports (
    id               bigserial PRIMARY KEY,
    decision_id      bigint NOT NULL REFERENCES decisions (id),
    deliberation_id  bigint NOT NULL UNIQUE REFERENCES deliberations (id),
    committee        text NOT NULL DEFAULT '',
    report_date      date NOT NULL,
    reference_number text NOT NULL,
    note             text NOT NULL DEFAULT '',
    recorded_by      bigint NOT NULL REFERENCES accounts (id),
    record_seq       bigint NOT NULL,
    created_at       timestamptz NOT NULL
);
CREATE INDEX party_reports_decision_idx ON party_reports (decision_id, id);

CREATE TABLE decision_publications (
    id                   bigserial PRIMARY KEY,
    decision_id          bigint NOT NULL UNIQUE REFERENCES decisions (id),
    deliberation_id      bigint NOT NULL REFERENCES deliberations (id),
    party_report_id      bigint NOT NULL REFERENCES party_reports (id),
    version_id           bigint NOT NULL REFERENCES draft_versions (id),
    version_hash         text NOT NULL,
    document_number      text NOT NULL,
    channels             jsonb NOT NULL,
    published_on         date NOT NULL,
    effective_on         date NOT NULL,
    adoption_report_id   bigint REFERENCES adoption_reports (id),
    adoption_report_hash text,
    note                 text NOT NULL DEFAULT '',
    published_by         bigint NOT NULL REFERENCES accounts (id),
    record_seq           bigint NOT NULL,
    created_at           timestamptz NOT NULL,
    CHECK (effective_on >= published_on)
);
CREATE INDEX decision_publications_effective_idx ON decision_publications (effective_on);

CREATE TABLE decision_suspensions (
    id           bigserial PRIMARY KEY,
    decision_id  bigint NOT NULL REFERENCES decisions (id),
    reason       text NOT NULL,
    suspended_by bigint NOT NULL REFERENCES accounts (id),
    record_seq   bigint NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX decision_suspensions_decision_idx ON decision_suspensions (decision_id, id);

-- Opinions of residents on a published decision's implementation (Art. 35).
CREATE TABLE implementation_feedback (
    id          bigserial PRIMARY KEY,
    decision_id bigint NOT NULL REFERENCES decisions (id),
    account_id  bigint NOT NULL REFERENCES accounts (id),
    body        text NOT NULL,
    body_hash   text NOT NULL,
    client_addr text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);
CREATE INDEX implementation_feedback_decision_idx ON implementation_feedback (decision_id, id);
CREATE INDEX implementation_feedback_account_idx ON implementation_feedback (account_id, created_at);

CREATE TRIGGER deliberations_immutable BEFORE UPDATE OR DELETE ON deliberations
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER party_reports_immutable BEFORE UPDATE OR DELETE ON party_reports
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER decision_publications_immutable BEFORE UPDATE OR DELETE ON decision_publications
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER decision_suspensions_immutable BEFORE UPDATE OR DELETE ON decision_suspensions
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();

-- +goose Down
DROP TABLE implementation_feedback;
DROP TABLE decision_suspensions;
DROP TABLE decision_publications;
DROP TABLE party_reports;
DROP TABLE deliberations;
