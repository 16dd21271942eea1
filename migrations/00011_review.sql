-- +goose Up
-- Legality review (合法性审查, Decree 713 Art. 25-28): the review package a
-- lead unit submits for one exact draft version (by content hash), the
-- legal advisers assigned to it, their signed legal opinions, the review
-- department's signed conclusion and the confirmation of a changed version
-- after a lawful_with_changes conclusion. Every row is also an entry of the
-- process record (record_seq), signed there; these tables are the queryable
-- copy, and opinions, conclusions and confirmations are immutable.

CREATE TABLE legality_reviews (
    id                  bigserial PRIMARY KEY,
    decision_id         bigint NOT NULL REFERENCES decisions (id),
    version_id          bigint NOT NULL REFERENCES draft_versions (id),
    version_hash        text NOT NULL,
    review_agency_id    bigint NOT NULL REFERENCES agencies (id),
    status              text NOT NULL CHECK (status IN ('received', 'materials_requested', 'returned', 'concluded')),
    legal_basis         jsonb NOT NULL DEFAULT '[]',
    materials           text NOT NULL DEFAULT '',
    procedure_statement text NOT NULL,
    submitted_by        bigint NOT NULL REFERENCES accounts (id),
    submitted_at        timestamptz NOT NULL,
    -- Receipt (收到): the 7-working-day period of Art. 26 runs from here.
    received_at         timestamptz NOT NULL,
    -- The reason of the last return or request for materials.
    reason              text NOT NULL DEFAULT '',
    updated_at          timestamptz NOT NULL
);
-- One open package per decision: a new one only after the last was returned.
CREATE UNIQUE INDEX legality_reviews_one_open_idx ON legality_reviews (decision_id) WHERE status <> 'returned';
CREATE INDEX legality_reviews_queue_idx ON legality_reviews (review_agency_id, status, id);

-- Materials added to a package (the original submission and each
-- resubmission after 要求补充).
CREATE TABLE review_materials (
    id          bigserial PRIMARY KEY,
    review_id   bigint NOT NULL REFERENCES legality_reviews (id),
    text        text NOT NULL DEFAULT '',
    filename    text,
    content_type text,
    size        bigint,
    sha256      text,
    data        bytea,
    created_by  bigint NOT NULL REFERENCES accounts (id),
    created_at  timestamptz NOT NULL
);
CREATE INDEX review_materials_review_idx ON review_materials (review_id, id);

CREATE TABLE review_assignments (
    review_id   bigint NOT NULL REFERENCES legality_reviews (id),
    adviser_id  bigint NOT NULL REFERENCES accounts (id),
    assigned_by bigint NOT NULL REFERENCES accounts (id),
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (review_id, adviser_id)
);
CREATE INDEX review_assignments_adviser_idx ON review_assignments (adviser_id, review_id);

CREATE TABLE legal_opinions (
    id           bigserial PRIMARY KEY,
    review_id    bigint NOT NULL REFERENCES legality_reviews (id),
    decision_id  bigint NOT NULL REFERENCES decisions (id),
    version_id   bigint NOT NULL REFERENCES draft_versions (id),
    version_hash text NOT NULL,
    adviser_id   bigint NOT NULL REFERENCES accounts (id),
    questions    jsonb NOT NULL,
    overall      text NOT NULL CHECK (overall IN ('lawful', 'lawful_with_changes', 'unlawful')),
    changes      text NOT NULL DEFAULT '',
    record_seq   bigint NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX legal_opinions_review_idx ON legal_opinions (review_id, id);

CREATE TABLE review_conclusions (
    id               bigserial PRIMARY KEY,
    review_id        bigint NOT NULL REFERENCES legality_reviews (id),
    decision_id      bigint NOT NULL REFERENCES decisions (id),
    version_id       bigint NOT NULL REFERENCES draft_versions (id),
    version_hash     text NOT NULL,
    reviewer_id      bigint NOT NULL REFERENCES accounts (id),
    questions        jsonb NOT NULL,
    outcome          text NOT NULL CHECK (outcome IN ('lawful', 'lawful_with_changes', 'unlawful', 'exploratory_with_risk')),
    changes          text NOT NULL DEFAULT '',
    risk_statement   text NOT NULL DEFAULT '',
    expedite_reason  text NOT NULL DEFAULT '',
    resolution       text NOT NULL DEFAULT '',
    earliest_at      timestamptz NOT NULL,
    calendar_version text NOT NULL,
    record_seq       bigint NOT NULL,
    created_at       timestamptz NOT NULL
);
CREATE INDEX review_conclusions_decision_idx ON review_conclusions (decision_id, version_id, record_seq);

CREATE TABLE review_confirmations (
    id            bigserial PRIMARY KEY,
    review_id     bigint NOT NULL REFERENCES legality_reviews (id),
    conclusion_id bigint NOT NULL REFERENCES review_conclusions (id),
    decision_id   bigint NOT NULL REFERENCES decisions (id),
    version_id    bigint NOT NULL REFERENCES draft_versions (id),
    version_hash  text NOT NULL,
    reviewer_id   bigint NOT NULL REFERENCES accounts (id),
    note          text NOT NULL DEFAULT '',
    record_seq    bigint NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX review_confirmations_decision_idx ON review_confirmations (decision_id, version_id, record_seq);

CREATE TRIGGER legal_opinions_immutable BEFORE UPDATE OR DELETE ON legal_opinions
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER review_conclusions_immutable BEFORE UPDATE OR DELETE ON review_conclusions
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER review_confirmations_immutable BEFORE UPDATE OR DELETE ON review_confirmations
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER review_materials_immutable BEFORE UPDATE OR DELETE ON review_materials
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();

-- +goose Down
DROP TABLE review_confirmations;
DROP TABLE review_conclusions;
DROP TABLE legal_opinions;
DROP TABLE review_assignments;
DROP TABLE review_materials;
DROP TABLE legality_reviews;
