-- +goose Up
-- Issue 17: a disposition can name the articles of a later draft version
-- that it changed, so a resident sees where their opinion changed the text
-- and a reader of the comparison sees the opinions behind a change.
-- changed_articles are anchors of version changed_version (anchors follow
-- an article through renumbering, see consultation.AssignAnchors).
ALTER TABLE comment_dispositions
    ADD COLUMN changed_version  integer,
    ADD COLUMN changed_articles text[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT comment_dispositions_changes_check
        CHECK ((changed_version IS NULL) = (cardinality(changed_articles) = 0));
CREATE INDEX comment_dispositions_changed_idx ON comment_dispositions (decision_id, changed_version)
    WHERE changed_version IS NOT NULL;

-- +goose Down
DROP INDEX comment_dispositions_changed_idx;
ALTER TABLE comment_dispositions DROP CONSTRAINT comment_dispositions_changes_check,
    DROP COLUMN changed_articles, DROP COLUMN changed_version;
