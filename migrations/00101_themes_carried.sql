-- +goose Up
-- A full re-analysis keeps the themes staff worked on (consultation/themes/
-- keep.go): the new version's theme names the theme it carries on, and the
-- batch references of the themes it descends from, so comments answered
-- through an earlier version count as answered by it and a new answer of it
-- revises them.
ALTER TABLE themes ADD COLUMN carried_from bigint REFERENCES themes (id);
ALTER TABLE themes ADD COLUMN answer_refs text[] NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE themes DROP COLUMN answer_refs;
ALTER TABLE themes DROP COLUMN carried_from;
