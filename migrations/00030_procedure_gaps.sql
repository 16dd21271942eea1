-- +goose Up
-- Procedure gaps found by a 司法局 reviewer (issue 13): the meeting's
-- composition (组成人员, Decree 713 Art. 30), the written resolution of an
-- adviser's unlawful opinion (中办发〔2016〕30号), the decision body's
-- settings (survey minimum, catalogue rule, feedback threshold), the
-- reminder to load the next holiday notice, and the finer record of a
-- meeting (non-voting attendees apart, the quorum counted).

-- The members (组成人员) of each decision body's executive and plenary
-- meetings, kept by an admin. position_order is the order of the list the
-- admin keeps; exactly one member is the head (行政首长).
CREATE TABLE meeting_members (
    decision_body_id bigint NOT NULL REFERENCES agencies (id),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    position         text NOT NULL DEFAULT '',
    is_head          boolean NOT NULL DEFAULT false,
    position_order   int NOT NULL,
    updated_by       bigint NOT NULL REFERENCES accounts (id),
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (decision_body_id, name)
);
CREATE UNIQUE INDEX meeting_members_one_head_idx ON meeting_members (decision_body_id) WHERE is_head;

-- A meeting record keeps its non-voting attendees (列席) apart from the
-- members and the size of the composition the quorum was counted against.
ALTER TABLE deliberations ADD COLUMN attendees jsonb NOT NULL DEFAULT '[]';
ALTER TABLE deliberations ADD COLUMN composition_size int NOT NULL DEFAULT 0;

-- The reviewer's written resolution of an adviser's unlawful opinion.
CREATE TABLE unlawful_opinion_resolutions (
    id          bigserial PRIMARY KEY,
    review_id   bigint NOT NULL REFERENCES legality_reviews (id),
    decision_id bigint NOT NULL REFERENCES decisions (id),
    resolution  text NOT NULL CHECK (resolution <> ''),
    resolved_by bigint NOT NULL REFERENCES accounts (id),
    record_seq  bigint NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX unlawful_opinion_resolutions_review_idx ON unlawful_opinion_resolutions (review_id);

-- Settings of a decision body (决策机关), kept by an admin.
CREATE TABLE decision_body_settings (
    decision_body_id     bigint PRIMARY KEY REFERENCES agencies (id),
    -- The fewest survey responses that count as a survey held (0: the
    -- platform's floor of one response applies).
    survey_min_responses int NOT NULL DEFAULT 0 CHECK (survey_min_responses >= 0),
    -- Whether a decision outside the published catalogue must first be
    -- added to it (Decree 713 Art. 3(3) says "may").
    catalogue_required   boolean NOT NULL DEFAULT false,
    -- Implementation opinions that make a post-evaluation trigger (0: none).
    feedback_threshold   int NOT NULL DEFAULT 0 CHECK (feedback_threshold >= 0),
    updated_by           bigint REFERENCES accounts (id),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- A survey may set the number of responses it aims for; the livelihood
-- survey gate needs at least that many (or the body's minimum).
ALTER TABLE surveys ADD COLUMN target_responses int CHECK (target_responses IS NULL OR target_responses > 0);

-- One reminder per year to load the next year's holiday notice.
CREATE TABLE calendar_reminders (
    year       int PRIMARY KEY,
    message    text NOT NULL,
    created_at timestamptz NOT NULL
);

-- The implementing unit (执行单位, Decree 713 Art. 34) is named at
-- publication, with how often it reports (Art. 35: the body sets it).
ALTER TABLE decision_publications ADD COLUMN implementing_agency_id bigint REFERENCES agencies (id);
ALTER TABLE decision_publications ADD COLUMN report_interval_days int NOT NULL DEFAULT 90 CHECK (report_interval_days BETWEEN 7 AND 366);

-- Lifting a suspension (Art. 37), and who decided a suspension.
ALTER TABLE decision_suspensions ADD COLUMN decided_by_head text NOT NULL DEFAULT '';
CREATE TABLE decision_resumptions (
    id              bigserial PRIMARY KEY,
    decision_id     bigint NOT NULL REFERENCES decisions (id),
    reason          text NOT NULL CHECK (reason <> ''),
    decided_by_head text NOT NULL,
    recorded_by     bigint NOT NULL REFERENCES accounts (id),
    record_seq      bigint NOT NULL,
    created_at      timestamptz NOT NULL
);

-- +goose Down
DROP TABLE decision_resumptions;
ALTER TABLE decision_suspensions DROP COLUMN decided_by_head;
ALTER TABLE decision_publications DROP COLUMN report_interval_days;
ALTER TABLE decision_publications DROP COLUMN implementing_agency_id;
DROP TABLE calendar_reminders;
ALTER TABLE surveys DROP COLUMN target_responses;
DROP TABLE decision_body_settings;
DROP TABLE unlawful_opinion_resolutions;
ALTER TABLE deliberations DROP COLUMN composition_size;
ALTER TABLE deliberations DROP COLUMN attendees;
DROP TABLE meeting_members;
