-- +goose Up
-- A full re-analysis keeps the themes staff worked on (consultation/themes/
-- keep.go): the new version's theme names the theme it carries on, and the
-- batch references of the themes it descends from, so comments answered
-- through an earlier version count as answered by it and a new answer of it
-- revises them.
ALTER TABLE themes ADD COLUMN carried_from bigint REFERENCES themes (id);
ALTER TABLE themes ADD COLUMN answer_refs text[] NOT NULL DEFAULT '{}';
-- Staff mark a theme checked once they have read its comments and moved
-- those that belong elsewhere; its comments then stay where they are when
-- the decision is analysed again.
ALTER TABLE themes ADD COLUMN checked_at timestamptz;
ALTER TABLE themes ADD COLUMN checked_by bigint REFERENCES accounts (id);
-- The comments that were in the theme when staff checked it: confirmed by
-- staff, as those staff placed by hand.
ALTER TABLE theme_members ADD COLUMN confirmed boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE theme_members DROP COLUMN confirmed;
ALTER TABLE themes DROP COLUMN checked_by;
ALTER TABLE themes DROP COLUMN checked_at;
ALTER TABLE themes DROP COLUMN answer_refs;
ALTER TABLE themes DROP COLUMN carried_from;
