-- +goose Up
-- Daily open-data exports (issue 20): every open_* view as gzip JSON Lines
-- and CSV, a licence, a data dictionary and a manifest of SHA-256 checksums
-- signed with the platform's record key. Files live here in 1 MiB chunks
-- (not on one instance's disk), so every instance serves them and the
-- export is written and read with bounded memory. Kept 30 days.
CREATE TABLE open_data_exports (
    id           bigserial PRIMARY KEY,
    day          date NOT NULL UNIQUE,
    status       text NOT NULL DEFAULT 'building' CHECK (status IN ('building', 'complete')),
    -- The change-feed position the export's snapshot includes: a mirror
    -- loads the export, then reads list-changes from since=feed_seq.
    feed_seq     bigint NOT NULL DEFAULT 0,
    manifest     text NOT NULL DEFAULT '',
    signature    text NOT NULL DEFAULT '',
    signer_key   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    completed_at timestamptz
);

CREATE TABLE open_data_export_files (
    export_id    bigint NOT NULL REFERENCES open_data_exports (id) ON DELETE CASCADE,
    name         text NOT NULL,
    content_type text NOT NULL,
    bytes        bigint NOT NULL,
    sha256       text NOT NULL,
    rows         bigint NOT NULL,
    PRIMARY KEY (export_id, name)
);

CREATE TABLE open_data_export_chunks (
    export_id bigint NOT NULL REFERENCES open_data_exports (id) ON DELETE CASCADE,
    name      text NOT NULL,
    n         int NOT NULL,
    data      bytea NOT NULL,
    PRIMARY KEY (export_id, name, n)
);

-- +goose Down
DROP TABLE open_data_export_chunks;
DROP TABLE open_data_export_files;
DROP TABLE open_data_exports;
