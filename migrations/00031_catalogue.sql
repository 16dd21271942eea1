-- +goose Up
-- The yearly catalogue of decision items (决策事项目录, Decree 713 Art. 3(3);
-- Henan Decree 210 Art. 4), its adjustments and history, the initiation of
-- decision items (决策启动, Art. 10–11) and proposals from the public.

CREATE TABLE catalogues (
    id               bigserial PRIMARY KEY,
    decision_body_id bigint NOT NULL REFERENCES agencies (id),
    year             int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    -- draft → agreed (the same-level Party committee agreed) → published
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'agreed', 'published')),
    party_doc_number text NOT NULL DEFAULT '',
    party_doc_date   date,
    published_at     timestamptz,
    created_by       bigint NOT NULL REFERENCES accounts (id),
    created_at       timestamptz NOT NULL,
    UNIQUE (decision_body_id, year)
);

CREATE TABLE catalogue_items (
    id              bigserial PRIMARY KEY,
    catalogue_id    bigint NOT NULL REFERENCES catalogues (id),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    lead_agency_id  bigint NOT NULL REFERENCES agencies (id),
    domain          text NOT NULL,
    category        text NOT NULL,
    planned_quarter int NOT NULL CHECK (planned_quarter BETWEEN 1 AND 4),
    hearing_planned boolean NOT NULL DEFAULT false,
    survey_planned  boolean NOT NULL DEFAULT false,
    -- active, or removed by a published adjustment
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
    -- The decision item that carries it out (one each way).
    decision_id     bigint UNIQUE REFERENCES decisions (id),
    created_at      timestamptz NOT NULL
);
CREATE INDEX catalogue_items_catalogue_idx ON catalogue_items (catalogue_id, id);

-- An adjustment during the year (add, change, remove) goes through the
-- same agreement and publication as the catalogue.
CREATE TABLE catalogue_adjustments (
    id               bigserial PRIMARY KEY,
    catalogue_id     bigint NOT NULL REFERENCES catalogues (id),
    kind             text NOT NULL CHECK (kind IN ('add', 'change', 'remove')),
    item_id          bigint REFERENCES catalogue_items (id),
    -- the item's fields after the change (add, change)
    proposed         jsonb NOT NULL DEFAULT '{}',
    reason           text NOT NULL CHECK (reason <> ''),
    status           text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'agreed', 'published')),
    party_doc_number text NOT NULL DEFAULT '',
    party_doc_date   date,
    requested_by     bigint NOT NULL REFERENCES accounts (id),
    requested_at     timestamptz NOT NULL,
    published_at     timestamptz,
    CHECK ((kind = 'add') = (item_id IS NULL))
);
CREATE INDEX catalogue_adjustments_catalogue_idx ON catalogue_adjustments (catalogue_id, id);

-- The catalogue's history, append-only.
CREATE TABLE catalogue_events (
    id           bigserial PRIMARY KEY,
    catalogue_id bigint NOT NULL REFERENCES catalogues (id),
    item_id      bigint REFERENCES catalogue_items (id),
    kind         text NOT NULL,
    payload      jsonb NOT NULL DEFAULT '{}',
    actor_id     bigint REFERENCES accounts (id),
    created_at   timestamptz NOT NULL
);
CREATE INDEX catalogue_events_catalogue_idx ON catalogue_events (catalogue_id, id);
CREATE TRIGGER catalogue_events_immutable BEFORE UPDATE OR DELETE ON catalogue_events
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();

-- Initiation (决策启动, Art. 10–11): who proposed the item and the decision
-- body's decision to start it, naming the lead unit.
CREATE TABLE decision_initiations (
    id                bigserial PRIMARY KEY,
    catalogue_item_id bigint NOT NULL UNIQUE REFERENCES catalogue_items (id),
    proposer_kind     text NOT NULL CHECK (proposer_kind IN ('government_leader', 'department', 'npc_deputy', 'cppcc_member', 'resident', 'organisation')),
    proposer_name     text NOT NULL,
    proposal_id       bigint,
    start_reference   text NOT NULL CHECK (start_reference <> ''),
    start_date        date NOT NULL,
    lead_agency_id    bigint NOT NULL REFERENCES agencies (id),
    recorded_by       bigint NOT NULL REFERENCES accounts (id),
    created_at        timestamptz NOT NULL
);

-- Proposals of decision items (Art. 10–11): from residents and
-- organisations through the page, and those staff record for leaders,
-- departments, 人大代表 and 政协委员. Every one is answered publicly.
CREATE TABLE decision_proposals (
    id                bigserial PRIMARY KEY,
    decision_body_id  bigint NOT NULL REFERENCES agencies (id),
    proposer_kind     text NOT NULL CHECK (proposer_kind IN ('government_leader', 'department', 'npc_deputy', 'cppcc_member', 'resident', 'organisation')),
    proposer_name     text NOT NULL DEFAULT '',
    account_id        bigint NOT NULL REFERENCES accounts (id),
    title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description       text NOT NULL CHECK (length(description) BETWEEN 1 AND 5000),
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'not_accepted')),
    answer            text NOT NULL DEFAULT '',
    catalogue_item_id bigint REFERENCES catalogue_items (id),
    adjustment_id     bigint REFERENCES catalogue_adjustments (id),
    answered_by       bigint REFERENCES accounts (id),
    answered_at       timestamptz,
    created_at        timestamptz NOT NULL
);
CREATE INDEX decision_proposals_body_idx ON decision_proposals (decision_body_id, id DESC);

-- +goose Down
DROP TABLE decision_proposals;
DROP TABLE decision_initiations;
DROP TABLE catalogue_events;
DROP TABLE catalogue_adjustments;
DROP TABLE catalogue_items;
DROP TABLE catalogues;
