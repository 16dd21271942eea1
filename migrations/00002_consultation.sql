-- +goose Up
-- Decision items (决策事项), their draft versions and articles, attachments,
-- consultations (公开征求意见), procedure documents and the process record
-- (决策档案). See DOMAIN.md.

CREATE TABLE decisions (
    id                      bigserial PRIMARY KEY,
    title                   text NOT NULL,
    summary                 text NOT NULL DEFAULT '',
    category                text NOT NULL,
    domain                  text NOT NULL CHECK (domain IN ('education_culture', 'health', 'food_safety', 'resources', 'environment', 'public_utilities', 'other')),
    decision_body_id        bigint NOT NULL REFERENCES agencies (id),
    lead_agency_id          bigint NOT NULL REFERENCES agencies (id),
    co_agency_ids           bigint[] NOT NULL DEFAULT '{}',
    technical               boolean NOT NULL DEFAULT false,
    stability_risk          boolean NOT NULL DEFAULT false,
    affects_specific_groups boolean NOT NULL DEFAULT false,
    market_related          boolean NOT NULL DEFAULT false,
    not_disclosable         boolean NOT NULL DEFAULT false,
    not_disclosable_reason  text NOT NULL DEFAULT '',
    planned_decision_date   date,
    status                  text NOT NULL DEFAULT 'drafting',
    withdrawn_reason        text NOT NULL DEFAULT '',
    -- When the decision became visible to the public (consultation opened or
    -- decision published); NULL while it is an internal draft.
    public_since            timestamptz,
    created_by              bigint NOT NULL REFERENCES accounts (id),
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    CHECK (NOT not_disclosable OR not_disclosable_reason <> '')
);
CREATE INDEX decisions_status_idx ON decisions (status, id);
CREATE INDEX decisions_lead_idx ON decisions (lead_agency_id, id);
CREATE INDEX decisions_domain_idx ON decisions (domain, id);

CREATE TABLE draft_versions (
    id           bigserial PRIMARY KEY,
    decision_id  bigint NOT NULL REFERENCES decisions (id),
    number       int NOT NULL,
    text         text NOT NULL,
    explanation  text NOT NULL DEFAULT '',
    legal_basis  jsonb NOT NULL DEFAULT '[]',
    content_hash text NOT NULL,
    created_by   bigint NOT NULL REFERENCES accounts (id),
    created_at   timestamptz NOT NULL,
    UNIQUE (decision_id, number)
);

CREATE TABLE draft_articles (
    version_id bigint NOT NULL REFERENCES draft_versions (id),
    number     int NOT NULL,
    anchor     text NOT NULL,
    label      text NOT NULL DEFAULT '',
    heading    text NOT NULL DEFAULT '',
    text       text NOT NULL,
    PRIMARY KEY (version_id, number),
    UNIQUE (version_id, anchor)
);

CREATE TABLE attachments (
    id                    bigserial PRIMARY KEY,
    decision_id           bigint NOT NULL REFERENCES decisions (id),
    version_id            bigint REFERENCES draft_versions (id),
    procedure_document_id bigint,
    filename              text NOT NULL,
    content_type          text NOT NULL,
    size                  bigint NOT NULL,
    sha256                text NOT NULL,
    data                  bytea NOT NULL,
    created_by            bigint NOT NULL REFERENCES accounts (id),
    created_at            timestamptz NOT NULL
);
CREATE INDEX attachments_version_idx ON attachments (version_id);
CREATE INDEX attachments_document_idx ON attachments (procedure_document_id);

CREATE TABLE consultations (
    id                bigserial PRIMARY KEY,
    decision_id       bigint NOT NULL REFERENCES decisions (id),
    version_id        bigint NOT NULL REFERENCES draft_versions (id),
    opens_at          timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    original_ends_at  timestamptz NOT NULL,
    ways_to_comment   text NOT NULL,
    shortening_reason text NOT NULL DEFAULT '',
    show_comments     boolean NOT NULL DEFAULT true,
    opened_by         bigint NOT NULL REFERENCES accounts (id),
    closed_at         timestamptz,
    CHECK (ends_at > opens_at)
);
-- One consultation per decision at a time: a new one only after the last closed.
CREATE UNIQUE INDEX consultations_one_open_idx ON consultations (decision_id) WHERE closed_at IS NULL;

CREATE TABLE procedure_documents (
    id          bigserial PRIMARY KEY,
    decision_id bigint NOT NULL REFERENCES decisions (id),
    version_id  bigint REFERENCES draft_versions (id),
    kind        text NOT NULL CHECK (kind IN ('expert_argumentation', 'risk_assessment', 'stakeholder_consultation', 'hearing_record', 'fair_competition_review')),
    content     jsonb NOT NULL,
    created_by  bigint NOT NULL REFERENCES accounts (id),
    created_at  timestamptz NOT NULL
);
CREATE INDEX procedure_documents_decision_idx ON procedure_documents (decision_id, kind, id);
ALTER TABLE attachments ADD FOREIGN KEY (procedure_document_id) REFERENCES procedure_documents (id);

-- The process record. payload is the canonical JSON text exactly as hashed
-- (not jsonb, which would reorder keys); entry_hash chains each entry to the
-- previous one of the same decision.
CREATE TABLE record_entries (
    id          bigserial PRIMARY KEY,
    decision_id bigint NOT NULL REFERENCES decisions (id),
    seq         bigint NOT NULL,
    recorded_at timestamptz NOT NULL,
    actor_id    bigint REFERENCES accounts (id),
    actor_role  text NOT NULL DEFAULT '',
    kind        text NOT NULL,
    payload     text NOT NULL,
    prev_hash   text NOT NULL,
    entry_hash  text NOT NULL,
    signature   text NOT NULL DEFAULT '',
    signer_key  text NOT NULL DEFAULT '',
    UNIQUE (decision_id, seq)
);

-- Decree 713 Art. 33 (and Art. 38-41 on accountability) require the
-- decision-making record to be complete and kept: the record is append-only.
-- Draft versions and procedure documents are evidence the record points to
-- by hash, so they are immutable too.
-- +goose StatementBegin
CREATE FUNCTION canyu_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (Decree 713 Art. 33: the process record must be kept intact): % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER record_entries_append_only BEFORE UPDATE OR DELETE ON record_entries
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER record_entries_no_truncate BEFORE TRUNCATE ON record_entries
    FOR EACH STATEMENT EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER draft_versions_immutable BEFORE UPDATE OR DELETE ON draft_versions
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER draft_articles_immutable BEFORE UPDATE OR DELETE ON draft_articles
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER attachments_immutable BEFORE UPDATE OR DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER procedure_documents_immutable BEFORE UPDATE OR DELETE ON procedure_documents
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();

-- +goose Down
DROP TABLE record_entries;
ALTER TABLE attachments DROP CONSTRAINT IF EXISTS attachments_procedure_document_id_fkey;
DROP TABLE procedure_documents;
DROP TABLE consultations;
DROP TABLE attachments;
DROP TABLE draft_articles;
DROP TABLE draft_versions;
DROP TABLE decisions;
DROP FUNCTION canyu_append_only();
