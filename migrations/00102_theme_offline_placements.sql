-- +goose Up
-- Opinions received outside the online consultation (letters, the 12345
-- hotline, forums, site visits, written requests, hearings; package
-- hearing) placed in the themes of an analysis (issue 19), so that a theme
-- counts its opinions by channel: the theme whose centroid each is closest
-- to, or none (theme_id NULL) when it is close to no theme. Derived data,
-- placed when the themes are read; staff merging themes carry them over.
CREATE TABLE theme_offline_placements (
    analysis_id bigint NOT NULL REFERENCES theme_analyses (id),
    opinion_id  bigint NOT NULL REFERENCES offline_opinions (id),
    theme_id    bigint REFERENCES themes (id),
    similarity  real NOT NULL,
    placed_at   timestamptz NOT NULL,
    PRIMARY KEY (analysis_id, opinion_id)
);
CREATE INDEX theme_offline_placements_theme_idx ON theme_offline_placements (theme_id);

-- The answers a theme's answer gave offline opinions placed in it:
-- answering the theme again revises those still as a theme's answer left
-- them, and leaves those staff answered on their own since.
CREATE TABLE theme_offline_answers (
    opinion_id  bigint PRIMARY KEY REFERENCES offline_opinions (id),
    theme_id    bigint NOT NULL REFERENCES themes (id),
    disposition text NOT NULL,
    reason      text NOT NULL,
    answered_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE theme_offline_answers;
DROP TABLE theme_offline_placements;
