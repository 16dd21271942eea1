-- +goose Up
-- Public comments (公众意见), their moderation, mass-campaign groups,
-- dispositions (意见处理), Merkle checkpoints into the process record, and
-- the adoption report (意见采纳情况说明). Decree 713 Art. 15, 18, 29, 32.

CREATE TABLE comment_groups (
    id                 bigserial PRIMARY KEY,
    decision_id        bigint NOT NULL REFERENCES decisions (id),
    -- The first comment of the group, whose text represents it.
    representative_id  bigint,
    normalized_hash    text NOT NULL,
    -- The representative's stance: a comment with another stance never
    -- joins (see consultation/grouping.go).
    stance             text,
    -- MinHash signature of the representative's character shingles; NULL
    -- for texts too short to compare by similarity.
    minhash            bigint[],
    size               int NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL
);
CREATE INDEX comment_groups_decision_idx ON comment_groups (decision_id, size DESC);
CREATE INDEX comment_groups_hash_idx ON comment_groups (decision_id, normalized_hash);

-- LSH buckets of each group's MinHash signature: one row per band, so the
-- candidate groups of a new comment are found with one indexed lookup
-- instead of a comparison with every group of the decision.
CREATE TABLE comment_group_bands (
    decision_id bigint NOT NULL REFERENCES decisions (id),
    band        smallint NOT NULL,
    -- Hash of the band's index and its rows of the signature.
    bucket      bigint NOT NULL,
    group_id    bigint NOT NULL REFERENCES comment_groups (id),
    PRIMARY KEY (decision_id, bucket, group_id)
);

CREATE TABLE comments (
    id                bigserial PRIMARY KEY,
    decision_id       bigint NOT NULL REFERENCES decisions (id),
    consultation_id   bigint NOT NULL REFERENCES consultations (id),
    version_id        bigint NOT NULL REFERENCES draft_versions (id),
    -- The article's stable anchor; NULL for a comment on the whole draft.
    article_anchor    text,
    account_id        bigint NOT NULL REFERENCES accounts (id),
    receipt           text NOT NULL UNIQUE,
    stance            text CHECK (stance IN ('support', 'oppose', 'suggestion')),
    body              text NOT NULL,
    -- SHA-256 of the body as submitted; the checkpoints cover it, so a later
    -- change of the text is detectable even after anonymisation.
    body_hash         text NOT NULL,
    normalized_hash   text NOT NULL,
    show_name         boolean NOT NULL DEFAULT false,
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published', 'rejected')),
    rejection_reason  text CHECK (rejection_reason IN ('spam', 'abuse', 'personal_information', 'off_topic', 'duplicate_submission')),
    moderated_by      bigint REFERENCES accounts (id),
    moderated_at      timestamptz,
    group_id          bigint REFERENCES comment_groups (id),
    idempotency_key   text,
    client_addr       text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL,
    anonymised_at     timestamptz,
    checkpoint_id     bigint,
    UNIQUE (account_id, idempotency_key)
);
CREATE INDEX comments_decision_idx ON comments (decision_id, id);
CREATE INDEX comments_status_idx ON comments (decision_id, status, id);
CREATE INDEX comments_article_idx ON comments (decision_id, article_anchor, id);
CREATE INDEX comments_account_idx ON comments (account_id, created_at);
CREATE INDEX comments_addr_idx ON comments (client_addr, created_at);
CREATE INDEX comments_group_idx ON comments (group_id);
CREATE INDEX comments_unchecked_idx ON comments (decision_id, id) WHERE checkpoint_id IS NULL;

-- Merkle checkpoints: every few seconds the comments received since the
-- last checkpoint of a decision are hashed into a Merkle root that is
-- appended to the process record, instead of serialising every submission
-- on the decision's record chain.
CREATE TABLE comment_checkpoints (
    id              bigserial PRIMARY KEY,
    decision_id     bigint NOT NULL REFERENCES decisions (id),
    first_comment_id bigint NOT NULL,
    last_comment_id bigint NOT NULL,
    comment_count   int NOT NULL,
    merkle_root     text NOT NULL,
    record_seq      bigint NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX comment_checkpoints_decision_idx ON comment_checkpoints (decision_id, id);
ALTER TABLE comments ADD FOREIGN KEY (checkpoint_id) REFERENCES comment_checkpoints (id);

CREATE TABLE comment_dispositions (
    comment_id   bigint PRIMARY KEY REFERENCES comments (id),
    decision_id  bigint NOT NULL REFERENCES decisions (id),
    disposition  text NOT NULL CHECK (disposition IN ('adopted', 'partially_adopted', 'not_adopted', 'out_of_scope')),
    reason       text NOT NULL CHECK (reason <> ''),
    group_id     bigint REFERENCES comment_groups (id),
    decided_by   bigint NOT NULL REFERENCES accounts (id),
    decided_at   timestamptz NOT NULL
);
CREATE INDEX comment_dispositions_decision_idx ON comment_dispositions (decision_id);

CREATE TABLE adoption_reports (
    id              bigserial PRIMARY KEY,
    decision_id     bigint NOT NULL REFERENCES decisions (id),
    consultation_id bigint NOT NULL REFERENCES consultations (id),
    -- The generated figures (participants, counts per article, stance,
    -- disposition, main opinions) as JSON, and the text staff edit.
    figures         jsonb NOT NULL,
    body            text NOT NULL,
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    generated_at    timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    updated_by      bigint REFERENCES accounts (id),
    published_at    timestamptz,
    published_by    bigint REFERENCES accounts (id),
    published_hash  text,
    UNIQUE (consultation_id)
);

-- +goose Down
DROP TABLE adoption_reports;
DROP TABLE comment_dispositions;
ALTER TABLE comments DROP CONSTRAINT IF EXISTS comments_checkpoint_id_fkey;
DROP TABLE comment_checkpoints;
DROP TABLE comments;
DROP TABLE comment_group_bands;
DROP TABLE comment_groups;
