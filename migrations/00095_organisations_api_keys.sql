-- +goose Up
-- Organisations and their API keys (issue 20). An organisation (a
-- residents' association, an NGO, a company) is registered by the account
-- that manages it, with its unified social credit code (统一社会信用代码,
-- GB 32100-2015), and verified by an admin before it may hold keys.
CREATE TABLE organisations (
    id               bigserial PRIMARY KEY,
    name             text NOT NULL,
    credit_code      text NOT NULL UNIQUE,
    owner_account_id bigint NOT NULL REFERENCES accounts (id),
    contact_email    text NOT NULL DEFAULT '',
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'rejected')),
    status_note      text NOT NULL DEFAULT '',
    verified_by      bigint REFERENCES accounts (id),
    verified_at      timestamptz,
    created_at       timestamptz NOT NULL
);
CREATE INDEX organisations_owner_idx ON organisations (owner_account_id, id);

-- A key is shown once; only the SHA-256 of its secret is kept (a key has
-- 256 random bits: a fast hash is enough, no password hashing needed). The
-- rate-limit window lives on the key's row: one UPDATE authenticates,
-- counts and answers the remaining quota, and concurrent requests of one
-- key queue on the row lock, so a burst is counted exactly.
CREATE TABLE api_keys (
    id              bigserial PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    name            text NOT NULL,
    prefix          text NOT NULL,
    secret_hash     text NOT NULL UNIQUE,
    scopes          text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'submit_comments']::text[] AND cardinality(scopes) > 0),
    rate_limit      int NOT NULL CHECK (rate_limit BETWEEN 1 AND 100000),
    window_seconds  int NOT NULL DEFAULT 60 CHECK (window_seconds > 0),
    window_start    timestamptz,
    window_count    int NOT NULL DEFAULT 0,
    created_by      bigint NOT NULL REFERENCES accounts (id),
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz,
    revoked_at      timestamptz,
    revoked_by      bigint REFERENCES accounts (id)
);
CREATE INDEX api_keys_org_idx ON api_keys (organisation_id, id);

-- Every use of a key, refused ones included.
CREATE TABLE api_key_uses (
    id          bigserial PRIMARY KEY,
    key_id      bigint NOT NULL REFERENCES api_keys (id),
    at          timestamptz NOT NULL,
    operation   text NOT NULL,
    method      text NOT NULL,
    path        text NOT NULL,
    status      int NOT NULL,
    client_addr text NOT NULL DEFAULT ''
);
CREATE INDEX api_key_uses_key_idx ON api_key_uses (key_id, id);

-- Comments an organisation submitted with a key: the comment itself is the
-- consultation's (submitted through its gates by the organisation's
-- managing account); this row says on whose behalf and with how many
-- signatories. Signatories are named only with their consent.
CREATE TABLE organisation_comments (
    comment_id      bigint PRIMARY KEY REFERENCES comments (id),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    key_id          bigint NOT NULL REFERENCES api_keys (id),
    signatory_count int NOT NULL CHECK (signatory_count >= 1),
    signatories     jsonb NOT NULL DEFAULT '[]',
    created_at      timestamptz NOT NULL
);
CREATE INDEX organisation_comments_org_idx ON organisation_comments (organisation_id, comment_id);

-- +goose Down
DROP TABLE organisation_comments;
DROP TABLE api_key_uses;
DROP TABLE api_keys;
DROP TABLE organisations;
