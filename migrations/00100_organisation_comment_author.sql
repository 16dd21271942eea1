-- +goose Up
-- A comment an organisation submitted on its own behalf (integrations,
-- migration 00095) is public under the organisation's name, as on the
-- pages and in the API, not under the pseudonym of the account that
-- manages the organisation.
CREATE OR REPLACE VIEW open_comments AS
SELECT c.id, c.decision_id, c.consultation_id, v.number AS version_number,
       coalesce(c.article_anchor, '') AS article_anchor, coalesce(c.stance, '') AS stance,
       CASE WHEN org.name IS NOT NULL THEN org.name WHEN c.show_name THEN acc.display_name ELSE acc.pseudonym END AS author_name,
       c.body, c.body_hash, c.created_at
FROM comments c
JOIN decisions d ON d.id = c.decision_id
JOIN consultations k ON k.id = c.consultation_id
JOIN draft_versions v ON v.id = c.version_id
JOIN accounts acc ON acc.id = c.account_id
LEFT JOIN organisation_comments oc ON oc.comment_id = c.id
LEFT JOIN organisations org ON org.id = oc.organisation_id
WHERE c.status = 'published' AND c.anonymised_at IS NULL AND k.show_comments AND d.public_since IS NOT NULL;

-- +goose Down
CREATE OR REPLACE VIEW open_comments AS
SELECT c.id, c.decision_id, c.consultation_id, v.number AS version_number,
       coalesce(c.article_anchor, '') AS article_anchor, coalesce(c.stance, '') AS stance,
       CASE WHEN c.show_name THEN acc.display_name ELSE acc.pseudonym END AS author_name,
       c.body, c.body_hash, c.created_at
FROM comments c
JOIN decisions d ON d.id = c.decision_id
JOIN consultations k ON k.id = c.consultation_id
JOIN draft_versions v ON v.id = c.version_id
JOIN accounts acc ON acc.id = c.account_id
WHERE c.status = 'published' AND c.anonymised_at IS NULL AND k.show_comments AND d.public_since IS NOT NULL;
