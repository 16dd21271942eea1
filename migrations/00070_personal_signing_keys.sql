-- +goose Up
-- Personal signing keys (Electronic Signature Law Art. 13: the
-- signature-creation data is held by the signer alone). A legal adviser,
-- reviewer or head enrols the public half of an Ed25519 key made on their
-- own device (WebCrypto, non-extractable) or held by their API client; the
-- platform never sees the private half. An enrolment counts once a code
-- sent by SMS to the account's phone is entered (out of band); a key can be
-- revoked, after which it signs nothing new, while what it signed before
-- stays valid (verification checks the key was confirmed and not yet
-- revoked when the entry was recorded).
CREATE TABLE personal_signing_keys (
    key_id            text PRIMARY KEY,
    account_id        bigint NOT NULL REFERENCES accounts (id),
    public_key        bytea NOT NULL,
    origin            text NOT NULL CHECK (origin IN ('browser', 'client')),
    label             text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL,
    code_hash         bytea,
    code_expires_at   timestamptz,
    code_attempts     int NOT NULL DEFAULT 0,
    confirmed_at      timestamptz,
    revoked_at        timestamptz,
    revoked_reason    text NOT NULL DEFAULT ''
);
CREATE INDEX personal_signing_keys_account_idx ON personal_signing_keys (account_id, created_at);

-- What happened to each key (enrolled, confirmed, revoked), append-only:
-- the enrolment's own record. Every process-record entry a key signs also
-- carries the key itself and its confirmation time, so the decision's
-- record keeps what the signature depends on.
CREATE TABLE personal_signing_key_events (
    id         bigserial PRIMARY KEY,
    key_id     text NOT NULL REFERENCES personal_signing_keys (key_id),
    account_id bigint NOT NULL REFERENCES accounts (id),
    kind       text NOT NULL CHECK (kind IN ('enrolled', 'confirmed', 'revoked')),
    at         timestamptz NOT NULL,
    detail     text NOT NULL DEFAULT ''
);
CREATE INDEX personal_signing_key_events_key_idx ON personal_signing_key_events (key_id, id);
CREATE TRIGGER personal_signing_key_events_append_only BEFORE UPDATE OR DELETE ON personal_signing_key_events
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();

-- +goose Down
DROP TABLE personal_signing_key_events;
DROP TABLE personal_signing_keys;
