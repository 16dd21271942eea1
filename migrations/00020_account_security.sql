-- +goose Up
-- Account security (issue 15): attempt counters taken atomically before a
-- password is hashed, disabled accounts, the supervisor role, codes for
-- password resets.

-- One row per throttled key ("login-addr:…", "login-pair:…", "reauth:…",
-- "sms-phone:…"): attempts counted in the current window and, for the
-- per-account-and-address back-off, the time before which the next attempt
-- is refused. Each attempt takes the row lock before any hash is computed,
-- so concurrent attempts cannot all read "under the limit".
CREATE TABLE rate_limits (
    key           text PRIMARY KEY,
    attempts      int NOT NULL DEFAULT 0,
    window_end    timestamptz NOT NULL,
    blocked_until timestamptz
);
CREATE INDEX rate_limits_window_idx ON rate_limits (window_end);

-- The failure log counted after hashing; replaced by rate_limits.
DROP TABLE login_failures;

ALTER TABLE accounts ADD COLUMN disabled_at timestamptz,
    ADD COLUMN last_sign_in_at timestamptz;

-- Supervisors (监督) read everything of their government, read-only; like
-- staff and reviewers they belong to an agency.
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check,
    ADD CONSTRAINT accounts_role_check
    CHECK (role IN ('resident', 'agency_staff', 'reviewer', 'legal_adviser', 'admin', 'supervisor'));
ALTER TABLE accounts DROP CONSTRAINT accounts_check1,
    ADD CONSTRAINT accounts_agency_role_check
    CHECK ((role IN ('agency_staff', 'reviewer', 'supervisor')) = (agency_id IS NOT NULL) OR role = 'legal_adviser');

-- A code proves a phone for registration ('verify') or for a password
-- reset ('reset').
ALTER TABLE phone_verifications ADD COLUMN purpose text NOT NULL DEFAULT 'verify'
    CHECK (purpose IN ('verify', 'reset'));

-- +goose Down
ALTER TABLE phone_verifications DROP COLUMN purpose;
ALTER TABLE accounts DROP CONSTRAINT accounts_agency_role_check,
    ADD CONSTRAINT accounts_check1
    CHECK ((role IN ('agency_staff', 'reviewer')) = (agency_id IS NOT NULL) OR role = 'legal_adviser');
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check,
    ADD CONSTRAINT accounts_role_check
    CHECK (role IN ('resident', 'agency_staff', 'reviewer', 'legal_adviser', 'admin'));
ALTER TABLE accounts DROP COLUMN last_sign_in_at, DROP COLUMN disabled_at;
CREATE TABLE login_failures (
    key       text NOT NULL,
    failed_at timestamptz NOT NULL
);
CREATE INDEX login_failures_key_idx ON login_failures (key, failed_at);
DROP TABLE rate_limits;
