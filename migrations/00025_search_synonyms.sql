-- Near-synonym groups staff add to search (issue 16): each group's words
-- find one another (停车难 / 车位少). They extend the built-in table in
-- search/synonyms.go; both backends read them (the embedded index at query
-- time, Meilisearch as its index's synonyms setting).
-- +goose Up
CREATE TABLE search_synonyms (
    id         bigserial PRIMARY KEY,
    words      text[] NOT NULL CHECK (cardinality(words) BETWEEN 2 AND 12),
    created_by bigint NOT NULL REFERENCES accounts (id),
    created_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE search_synonyms;
