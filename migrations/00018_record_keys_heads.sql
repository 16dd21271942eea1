-- +goose Up
-- Every key the platform ever signed the record with (key rotation): a
-- signed entry names its key by id, and verification looks the key up
-- here, so replacing the key file leaves older signatures verifiable.
CREATE TABLE record_signing_keys (
    key_id       text PRIMARY KEY,
    algorithm    text NOT NULL DEFAULT 'Ed25519',
    public_key   bytea NOT NULL,
    published_at timestamptz NOT NULL
);

-- The log of chain heads, as certificate-transparency logs keep
-- certificates: an append-only list of leaves (a decision's chain head at
-- some moment: decision, seq, entry hash) and signed tree heads over the
-- first tree_size leaves (RFC 6962 Merkle tree). Anyone who saved a tree
-- head can later ask for a consistency proof and catch a rewritten chain.
CREATE TABLE record_log_leaves (
    leaf_index  bigint PRIMARY KEY,
    -- No foreign key: a key-share lock on decisions would deadlock the log
    -- job against a signed step that holds the decision's row lock.
    decision_id bigint NOT NULL,
    seq         bigint NOT NULL,
    entry_hash  text NOT NULL,
    logged_at   timestamptz NOT NULL
);
CREATE INDEX record_log_leaves_decision_idx ON record_log_leaves (decision_id, seq);

CREATE TABLE record_tree_heads (
    tree_size  bigint PRIMARY KEY,
    root_hash  text NOT NULL,
    created_at timestamptz NOT NULL,
    key_id     text NOT NULL REFERENCES record_signing_keys (key_id),
    signature  text NOT NULL
);

CREATE TRIGGER record_signing_keys_append_only BEFORE UPDATE OR DELETE ON record_signing_keys
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER record_log_leaves_append_only BEFORE UPDATE OR DELETE ON record_log_leaves
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER record_tree_heads_append_only BEFORE UPDATE OR DELETE ON record_tree_heads
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();

-- +goose Down
DROP TABLE record_tree_heads;
DROP TABLE record_log_leaves;
DROP TABLE record_signing_keys;
