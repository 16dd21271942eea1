-- +goose Up
-- Themes of the public comments (issue 19, consultation/themes). An
-- analysis is versioned per decision and never changed afterwards except by
-- staff steps, each recorded; the machine's themes stay as suggested
-- (machine_label, machine_off_topic, the machine's memberships marked
-- removed rather than deleted) beside what staff decided.
CREATE TABLE theme_analyses (
    id             bigserial PRIMARY KEY,
    decision_id    bigint NOT NULL REFERENCES decisions (id),
    version        int NOT NULL,
    params         jsonb NOT NULL,
    -- Terms and IDF of the analysis: new comments are placed with them.
    vocabulary     jsonb NOT NULL,
    comment_count  int NOT NULL,
    -- SHA-256 of the canonical JSON of the result (themes, labels, members),
    -- also in the process-record entry.
    content_hash   text NOT NULL,
    created_by     bigint REFERENCES accounts (id),
    created_at     timestamptz NOT NULL,
    -- The last comment the analysis or the incremental joiner has placed.
    last_comment_id bigint NOT NULL DEFAULT 0,
    UNIQUE (decision_id, version)
);

CREATE TABLE themes (
    id                bigserial PRIMARY KEY,
    analysis_id       bigint NOT NULL REFERENCES theme_analyses (id),
    decision_id       bigint NOT NULL REFERENCES decisions (id),
    origin            text NOT NULL CHECK (origin IN ('machine', 'staff')),
    machine_label     text NOT NULL,
    label             text NOT NULL CHECK (label <> ''),
    words             text[] NOT NULL,
    machine_off_topic boolean NOT NULL DEFAULT false,
    off_topic         boolean NOT NULL DEFAULT false,
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged')),
    merged_into       bigint REFERENCES themes (id),
    split_from        bigint REFERENCES themes (id),
    -- The centroid (sparse: term ids and weights of the analysis'
    -- vocabulary), the summary sentences with the comment ids they cite,
    -- and the representative comments, as the machine computed them.
    centroid          jsonb NOT NULL,
    summary           jsonb NOT NULL,
    representative_ids bigint[] NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    updated_by        bigint REFERENCES accounts (id)
);
CREATE INDEX themes_decision_idx ON themes (decision_id, analysis_id);

CREATE TABLE theme_members (
    theme_id    bigint NOT NULL REFERENCES themes (id),
    comment_id  bigint NOT NULL REFERENCES comments (id),
    -- Cosine to the theme's centroid when the machine placed it.
    similarity  real NOT NULL DEFAULT 0,
    -- The comment's first theme (false: it is also close to this one).
    is_primary  boolean NOT NULL,
    added_by    text NOT NULL CHECK (added_by IN ('machine', 'incremental', 'staff')),
    added_at    timestamptz NOT NULL,
    removed_at  timestamptz,
    removed_by  bigint REFERENCES accounts (id),
    PRIMARY KEY (theme_id, comment_id)
);
CREATE INDEX theme_members_comment_idx ON theme_members (comment_id);

-- A theme's answer: fanned out to its comments through consultation's
-- batch disposition (comment_dispositions.batch_ref = 'theme:<id>').
CREATE TABLE theme_answers (
    theme_id         bigint PRIMARY KEY REFERENCES themes (id),
    disposition      text NOT NULL,
    reason           text NOT NULL,
    articles_changed text[] NOT NULL,
    template_id      bigint,
    answered_by      bigint NOT NULL REFERENCES accounts (id),
    answered_at      timestamptz NOT NULL
);

-- Answer templates with reason codes, per decision body.
CREATE TABLE theme_answer_templates (
    id               bigserial PRIMARY KEY,
    decision_body_id bigint NOT NULL REFERENCES agencies (id),
    reason_code      text NOT NULL,
    title            text NOT NULL,
    disposition      text NOT NULL,
    reason           text NOT NULL,
    created_by       bigint NOT NULL REFERENCES accounts (id),
    created_at       timestamptz NOT NULL,
    UNIQUE (decision_body_id, reason_code)
);

-- Which batch answer a disposition came from (consultation's
-- SetBatchDisposition); an individual answer clears it.
ALTER TABLE comment_dispositions ADD COLUMN batch_ref text;
CREATE INDEX comment_dispositions_batch_idx ON comment_dispositions (batch_ref) WHERE batch_ref IS NOT NULL;

-- +goose Down
DROP INDEX comment_dispositions_batch_idx;
ALTER TABLE comment_dispositions DROP COLUMN batch_ref;
DROP TABLE theme_answer_templates;
DROP TABLE theme_answers;
DROP TABLE theme_members;
DROP TABLE themes;
DROP TABLE theme_analyses;
