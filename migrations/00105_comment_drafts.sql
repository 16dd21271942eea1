-- +goose Up
-- A comment a resident typed while their session expired (24 hours): the
-- form's post is kept here, keyed by the SHA-256 of a random token held in
-- the browser's HttpOnly cookie, so that after signing in they come back to
-- the same form with their text and article (web/comments.go). Shown only
-- to the account whose form it was, never submitted for them, kept two
-- hours at most (expired rows are deleted when a draft is saved).
CREATE TABLE comment_drafts (
    token_hash     bytea PRIMARY KEY,
    decision_id    bigint NOT NULL REFERENCES decisions (id),
    account_id     bigint NOT NULL REFERENCES accounts (id),
    article_anchor text NOT NULL DEFAULT '',
    stance         text NOT NULL DEFAULT '',
    body           text NOT NULL,
    show_name      boolean NOT NULL DEFAULT false,
    client_key     text NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL
);
CREATE INDEX comment_drafts_expires_idx ON comment_drafts (expires_at);
CREATE INDEX comment_drafts_client_idx ON comment_drafts (client_key, expires_at);

-- +goose Down
DROP TABLE comment_drafts;
