-- +goose Up
-- Participation activities of every kind in Decree 713 Art. 14, opinions
-- received offline (letters, the 12345 hotline, forums, site visits,
-- written requests, hearings) with their dispositions, and hearings
-- (Art. 16–17): notice, selection method with a committed seed, resident
-- applications, the draw, the participant list, delivery of materials,
-- the hearing record (笔录) and its signatures, and the hearing report.
-- Owned by package consultation/hearing.

-- Scans of letters, hotline work orders, forum sign-in sheets and signed
-- pages of the hearing record.
CREATE TABLE hearing_files (
    id            bigserial PRIMARY KEY,
    decision_id   bigint NOT NULL REFERENCES decisions (id),
    filename      text NOT NULL,
    content_type  text NOT NULL,
    size          bigint NOT NULL,
    sha256        text NOT NULL,
    data          bytea NOT NULL,
    uploaded_by   bigint NOT NULL REFERENCES accounts (id),
    uploaded_at   timestamptz NOT NULL
);
CREATE INDEX hearing_files_decision_idx ON hearing_files (decision_id);

CREATE TABLE participation_activities (
    id            bigserial PRIMARY KEY,
    decision_id   bigint NOT NULL REFERENCES decisions (id),
    kind          text NOT NULL CHECK (kind IN ('forum', 'hearing', 'site_visit', 'written_request',
                      'online_consultation', 'questionnaire', 'opinion_poll')),
    title         text NOT NULL,
    starts_on     date NOT NULL,
    ends_on       date NOT NULL,
    place         text NOT NULL DEFAULT '',
    -- Organisations or sides that took part; never a list of private persons.
    participants  text[] NOT NULL DEFAULT '{}',
    materials     text NOT NULL DEFAULT '',
    minutes       text NOT NULL DEFAULT '',
    created_by    bigint NOT NULL REFERENCES accounts (id),
    created_at    timestamptz NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX participation_activities_decision_idx ON participation_activities (decision_id, starts_on, id);

CREATE TABLE offline_opinions (
    id             bigserial PRIMARY KEY,
    decision_id    bigint NOT NULL REFERENCES decisions (id),
    activity_id    bigint REFERENCES participation_activities (id),
    channel        text NOT NULL CHECK (channel IN ('letter', 'hotline', 'forum', 'site_visit', 'written_request', 'hearing')),
    received_on    date NOT NULL,
    -- Who the opinion came from as the law needs it: an organisation, a
    -- side, or a description such as 市民来信; no names of private persons.
    source         text NOT NULL,
    article_anchor text,
    body           text NOT NULL CHECK (body <> ''),
    body_hash      text NOT NULL,
    scan_file_id   bigint NOT NULL REFERENCES hearing_files (id),
    entered_by     bigint NOT NULL REFERENCES accounts (id),
    entered_at     timestamptz NOT NULL,
    disposition    text CHECK (disposition IN ('adopted', 'partially_adopted', 'not_adopted', 'out_of_scope')),
    reason         text,
    decided_by     bigint REFERENCES accounts (id),
    decided_at     timestamptz,
    CHECK ((disposition IS NULL) = (reason IS NULL))
);
CREATE INDEX offline_opinions_decision_idx ON offline_opinions (decision_id, channel, id);

-- Whether a decision needs a hearing (Art. 16: direct vital interest of
-- citizens, legal persons or other organisations, or sharply divided
-- views), and the written reason when none is held.
CREATE TABLE hearing_requirements (
    decision_id    bigint PRIMARY KEY REFERENCES decisions (id),
    grounds        text NOT NULL CHECK (grounds IN ('vital_interest', 'divided_views', 'both')),
    explanation    text NOT NULL,
    set_by         bigint NOT NULL REFERENCES accounts (id),
    set_at         timestamptz NOT NULL,
    waiver_reason  text,
    waived_by      bigint REFERENCES accounts (id),
    waived_at      timestamptz
);

CREATE TABLE hearings (
    id                       bigserial PRIMARY KEY,
    decision_id              bigint NOT NULL REFERENCES decisions (id),
    activity_id              bigint NOT NULL REFERENCES participation_activities (id),
    title                    text NOT NULL,
    place                    text NOT NULL,
    starts_at                timestamptz NOT NULL,
    applications_close_at    timestamptz NOT NULL,
    sides                    text[] NOT NULL,
    seats_per_side           int NOT NULL CHECK (seats_per_side BETWEEN 1 AND 50),
    version_number           int NOT NULL,
    version_hash             text NOT NULL,
    draft_text               text NOT NULL,
    explanation              text NOT NULL,
    notice_published_at      timestamptz,
    selection_method         text,
    seed_commitment          text,
    -- The secret seed: never served before drawn_at.
    seed                     text,
    selection_method_published_at timestamptz,
    drawn_at                 timestamptz,
    participants_published_at timestamptz,
    minutes                  text,
    minutes_hash             text,
    minutes_recorded_at      timestamptz,
    minutes_locked_at        timestamptz,
    report                   text,
    report_hash              text,
    report_published_at      timestamptz,
    created_by               bigint NOT NULL REFERENCES accounts (id),
    created_at               timestamptz NOT NULL
);
CREATE INDEX hearings_decision_idx ON hearings (decision_id, id);

CREATE TABLE hearing_applications (
    id           bigserial PRIMARY KEY,
    hearing_id   bigint NOT NULL REFERENCES hearings (id),
    -- The public number of the application (A001, A002 …), in order of
    -- arrival; the draw and the public list use it instead of the person.
    code         text NOT NULL,
    account_id   bigint NOT NULL REFERENCES accounts (id),
    side         text NOT NULL,
    -- The name the applicant agrees to have shown on the published list.
    public_name  text NOT NULL,
    statement    text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    selected     boolean NOT NULL DEFAULT false,
    draw_rank    int,
    UNIQUE (hearing_id, code),
    UNIQUE (hearing_id, account_id)
);

CREATE TABLE hearing_deliveries (
    application_id bigint PRIMARY KEY REFERENCES hearing_applications (id),
    hearing_id     bigint NOT NULL REFERENCES hearings (id),
    delivered_on   date NOT NULL,
    method         text NOT NULL,
    recorded_by    bigint NOT NULL REFERENCES accounts (id),
    recorded_at    timestamptz NOT NULL
);

-- Each speaker's main points and reasons in the hearing record, and the
-- report's answer to each.
CREATE TABLE hearing_statements (
    id              bigserial PRIMARY KEY,
    hearing_id      bigint NOT NULL REFERENCES hearings (id),
    position        int NOT NULL,
    application_id  bigint REFERENCES hearing_applications (id),
    speaker         text NOT NULL,
    points          text NOT NULL,
    reasons         text NOT NULL,
    disposition     text CHECK (disposition IN ('adopted', 'partially_adopted', 'not_adopted', 'out_of_scope')),
    answer          text,
    UNIQUE (hearing_id, position)
);

CREATE TABLE hearing_signatures (
    application_id  bigint PRIMARY KEY REFERENCES hearing_applications (id),
    hearing_id      bigint NOT NULL REFERENCES hearings (id),
    kind            text NOT NULL CHECK (kind IN ('sms', 'scan')),
    minutes_hash    text NOT NULL,
    scan_file_id    bigint REFERENCES hearing_files (id),
    signed_by       bigint NOT NULL REFERENCES accounts (id),
    signed_at       timestamptz NOT NULL,
    CHECK ((kind = 'scan') = (scan_file_id IS NOT NULL))
);

CREATE TABLE hearing_signing_codes (
    application_id  bigint NOT NULL REFERENCES hearing_applications (id),
    code_hash       bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    attempts        int NOT NULL DEFAULT 0
);
CREATE INDEX hearing_signing_codes_idx ON hearing_signing_codes (application_id, created_at DESC);

-- +goose Down
DROP TABLE hearing_signing_codes;
DROP TABLE hearing_signatures;
DROP TABLE hearing_statements;
DROP TABLE hearing_deliveries;
DROP TABLE hearing_applications;
DROP TABLE hearings;
DROP TABLE hearing_requirements;
DROP TABLE offline_opinions;
DROP TABLE participation_activities;
DROP TABLE hearing_files;
