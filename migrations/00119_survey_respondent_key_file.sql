-- +goose Up
-- The respondent hash of a survey response (respondent_key, what makes one
-- response per resident a database rule for anonymous surveys too) was
-- HMAC-SHA256 of survey id and account id under a secret kept in this
-- database (survey_secrets). Whoever held a backup of the database held the
-- secret with the hashes, recomputed the hash for every account id and
-- named the resident behind every anonymous response. The secret of the
-- hash now lives outside the database, in a key file beside the record
-- signing key (CANYU_SURVEY_KEY_FILE, default CANYU_DATA_DIR/
-- survey-respondent.key, created on first start); survey/respondent_key.go.
--
-- Each survey keeps the key it was answered with: version 1 is the old
-- database secret, version 2 the key file. A survey that may hold answers
-- keyed with the old secret (every non-draft survey of a database that
-- has one) stays on version 1 until it closes, so a resident who answered
-- it before this change is still refused a second response; drafts and
-- every survey created from now on use version 2.
ALTER TABLE surveys ADD COLUMN respondent_key_version smallint NOT NULL DEFAULT 1
    CHECK (respondent_key_version IN (1, 2));
UPDATE surveys SET respondent_key_version = 2
WHERE status = 'draft' OR NOT EXISTS (SELECT 1 FROM survey_secrets);
ALTER TABLE surveys ALTER COLUMN respondent_key_version SET DEFAULT 2;

-- The fingerprint of the key file (HMAC-SHA256 of a fixed text under the
-- key; it tells nothing of the key), written by the first instance that
-- starts with it. An instance started with another key file refuses to
-- start: with two keys, a resident could answer once through each.
CREATE TABLE survey_respondent_keys (
    version     smallint PRIMARY KEY CHECK (version = 2),
    fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
    created_at  timestamptz NOT NULL
);

-- Once no open survey uses it, the old secret is needed for no new answer:
-- it is deleted (here, at start-up and at every close), so that backups
-- taken from then on cannot re-identify the anonymous responses keyed with
-- it. Backups taken before still hold it.
DELETE FROM survey_secrets
WHERE NOT EXISTS (SELECT 1 FROM surveys WHERE respondent_key_version = 1 AND status = 'open');

-- +goose Down
-- A deleted database secret does not come back: version 1 surveys answered
-- after that cannot be matched to their respondents again.
DROP TABLE survey_respondent_keys;
ALTER TABLE surveys DROP COLUMN respondent_key_version;
