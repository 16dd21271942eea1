-- +goose Up
-- Identity: agencies, accounts with one role each, sessions, phone
-- verification codes and the log of failed logins used for rate limiting.

CREATE TABLE agencies (
    id         bigserial PRIMARY KEY,
    code       text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{1,63}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind       text NOT NULL CHECK (kind IN ('government', 'department', 'legality_review')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
    id            bigserial PRIMARY KEY,
    role          text NOT NULL CHECK (role IN ('resident', 'agency_staff', 'reviewer', 'legal_adviser', 'admin')),
    phone         text UNIQUE CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    email         text UNIQUE,
    display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 64),
    -- Public pseudonym shown instead of the name unless the resident opts in
    -- (PIPL: 后台实名、前台自愿).
    pseudonym     text NOT NULL UNIQUE,
    agency_id     bigint REFERENCES agencies (id),
    password_hash text NOT NULL,
    verified_at   timestamptz,
    deleted_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (phone IS NOT NULL OR email IS NOT NULL),
    -- Staff roles are tied to an agency; residents and admins are not.
    CHECK ((role IN ('agency_staff', 'reviewer')) = (agency_id IS NOT NULL) OR role = 'legal_adviser')
);

CREATE TABLE sessions (
    id           bigserial PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    account_id   bigint NOT NULL REFERENCES accounts (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    user_agent   text NOT NULL DEFAULT '',
    client_addr  text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account_idx ON sessions (account_id);

CREATE TABLE phone_verifications (
    id          bigserial PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts (id),
    code_hash   bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    attempts    int NOT NULL DEFAULT 0,
    consumed_at timestamptz
);
CREATE INDEX phone_verifications_account_idx ON phone_verifications (account_id, created_at DESC);

CREATE TABLE login_failures (
    key       text NOT NULL,
    failed_at timestamptz NOT NULL
);
CREATE INDEX login_failures_key_idx ON login_failures (key, failed_at);

-- +goose Down
DROP TABLE login_failures;
DROP TABLE phone_verifications;
DROP TABLE sessions;
DROP TABLE accounts;
DROP TABLE agencies;
