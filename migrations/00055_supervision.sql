-- +goose Up
-- Supervision (决策监督): the rule-of-law office's desk. These tables are the
-- supervision package's own; it reads the procedure only through the
-- read-only view decision_compliance_facts, which the consultation schema
-- owns (one row per decision with the dates its statutory steps left).

-- Each joined part is grouped once per table and hash-joined (not a
-- per-decision subquery): the dashboard of 2,000 decisions reads each
-- table once.
CREATE VIEW decision_compliance_facts AS
SELECT d.id, d.title, d.domain, d.status, d.decision_body_id, d.lead_agency_id,
       d.not_disclosable, d.not_disclosable_reason, d.created_at,
       c.opens_at AS consultation_opens_at, c.ends_at AS consultation_ends_at,
       c.shortening_reason, c.closed_at AS consultation_closed_at,
       ar.published_at AS adoption_report_published_at,
       sv.closed_at AS survey_closed_at, COALESCE(sv.responses, 0) AS survey_responses,
       sw.waived_at AS survey_waived_at, sw.reason AS survey_waiver_reason,
       lr.submitted_at AS review_submitted_at, lr.received_at AS review_received_at,
       lr.status AS review_status,
       rc.created_at AS concluded_at, rc.outcome AS conclusion_outcome, rc.expedite_reason,
       COALESCE(op.n, 0) AS opinions, op.first_at AS first_opinion_at,
       dl.meeting_date AS deliberation_date, pr.report_date AS party_report_date,
       pub.published_on, pub.created_at AS published_at
FROM decisions d
LEFT JOIN (SELECT DISTINCT ON (decision_id) decision_id, opens_at, ends_at, shortening_reason, closed_at
           FROM consultations ORDER BY decision_id, id) c ON c.decision_id = d.id
LEFT JOIN (SELECT decision_id, min(published_at) AS published_at FROM adoption_reports
           WHERE status = 'published' GROUP BY decision_id) ar ON ar.decision_id = d.id
-- The respondent count is the survey's running tally (question 0), which
-- the survey package keeps in the transaction of every response.
LEFT JOIN (SELECT DISTINCT ON (s.decision_id) s.decision_id, s.closed_at, t.count AS responses
           FROM surveys s LEFT JOIN survey_tallies t ON t.survey_id = s.id AND t.question_id = 0
           WHERE s.status = 'closed' AND s.decision_id IS NOT NULL
           ORDER BY s.decision_id, t.count DESC NULLS LAST, s.closed_at) sv ON sv.decision_id = d.id
LEFT JOIN survey_waivers sw ON sw.decision_id = d.id
LEFT JOIN (SELECT DISTINCT ON (decision_id) decision_id, submitted_at, received_at, status
           FROM legality_reviews WHERE status <> 'returned' ORDER BY decision_id, id DESC) lr ON lr.decision_id = d.id
LEFT JOIN (SELECT DISTINCT ON (decision_id) decision_id, created_at, outcome, expedite_reason
           FROM review_conclusions ORDER BY decision_id, id DESC) rc ON rc.decision_id = d.id
LEFT JOIN (SELECT decision_id, count(*) AS n, min(created_at) AS first_at FROM legal_opinions
           GROUP BY decision_id) op ON op.decision_id = d.id
LEFT JOIN (SELECT DISTINCT ON (decision_id) decision_id, meeting_date FROM deliberations
           WHERE outcome = 'adopted' ORDER BY decision_id, id) dl ON dl.decision_id = d.id
LEFT JOIN (SELECT DISTINCT ON (decision_id) decision_id, report_date FROM party_reports
           ORDER BY decision_id, id) pr ON pr.decision_id = d.id
LEFT JOIN decision_publications pub ON pub.decision_id = d.id;

-- The monthly report (法治政府建设月报告) of the city (agency_id NULL) or of
-- one department, generated for a month and issued (通报) by the office.
CREATE TABLE monthly_reports (
    id           bigserial PRIMARY KEY,
    month        date NOT NULL CHECK (extract(day FROM month) = 1),
    agency_id    bigint REFERENCES agencies (id),
    figures      jsonb NOT NULL,
    generated_at timestamptz NOT NULL,
    analysis     text NOT NULL DEFAULT '',
    weak_links   text NOT NULL DEFAULT '',
    measures     text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'issued')),
    published    boolean NOT NULL DEFAULT false,
    issued_at    timestamptz,
    issued_by    bigint REFERENCES accounts (id),
    -- SHA-256 of the canonical issued content and the platform's Ed25519
    -- signature over it: what verify-monthly-report checks.
    content_hash text,
    signature    text,
    signer_key   text,
    updated_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX monthly_reports_scope_idx ON monthly_reports (month, COALESCE(agency_id, 0));

-- An issued report is fixed: nothing but publishing it may change.
-- +goose StatementBegin
CREATE FUNCTION monthly_report_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.status = 'issued' THEN
        RAISE EXCEPTION 'an issued monthly report is fixed' USING ERRCODE = 'P0001';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'issued' AND
       (NEW.figures, NEW.analysis, NEW.weak_links, NEW.measures, NEW.status, NEW.issued_at, NEW.content_hash, NEW.signature)
       IS DISTINCT FROM
       (OLD.figures, OLD.analysis, OLD.weak_links, OLD.measures, OLD.status, OLD.issued_at, OLD.content_hash, OLD.signature) THEN
        RAISE EXCEPTION 'an issued monthly report is fixed' USING ERRCODE = 'P0001';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
-- +goose StatementEnd
CREATE TRIGGER monthly_reports_fixed BEFORE UPDATE OR DELETE ON monthly_reports
    FOR EACH ROW EXECUTE FUNCTION monthly_report_fixed();

-- Inspections (督察): a plan with its scope and dates.
CREATE TABLE inspections (
    id          bigserial PRIMARY KEY,
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    agency_ids  bigint[] NOT NULL,
    period_from date NOT NULL,
    period_to   date NOT NULL,
    topics      text NOT NULL DEFAULT '',
    starts_on   date NOT NULL,
    ends_on     date NOT NULL,
    created_by  bigint NOT NULL REFERENCES accounts (id),
    created_at  timestamptz NOT NULL,
    CHECK (period_to >= period_from AND ends_on >= starts_on)
);

-- Problems found (问题清单), assigned to a department with a deadline;
-- serious ones under listed supervision (挂牌督办).
CREATE TABLE supervision_problems (
    id               bigserial PRIMARY KEY,
    inspection_id    bigint REFERENCES inspections (id),
    agency_id        bigint NOT NULL REFERENCES agencies (id),
    decision_id      bigint REFERENCES decisions (id),
    rule             text NOT NULL CHECK (rule <> ''),
    basis            text NOT NULL DEFAULT '',
    evidence         text NOT NULL CHECK (evidence <> ''),
    severity         text NOT NULL CHECK (severity IN ('general', 'serious', 'grave')),
    listed           boolean NOT NULL DEFAULT false,
    listed_at        timestamptz,
    deadline         date NOT NULL,
    status           text NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'rectification_submitted', 'returned', 'closed')),
    escalation_level int NOT NULL DEFAULT 0,
    escalated_at     timestamptz,
    created_by       bigint NOT NULL REFERENCES accounts (id),
    created_at       timestamptz NOT NULL,
    closed_at        timestamptz,
    closed_by        bigint REFERENCES accounts (id)
);
CREATE INDEX supervision_problems_agency_idx ON supervision_problems (agency_id, status, id);
CREATE INDEX supervision_problems_open_idx ON supervision_problems (deadline) WHERE status <> 'closed';

CREATE TABLE problem_rectifications (
    id           bigserial PRIMARY KEY,
    problem_id   bigint NOT NULL REFERENCES supervision_problems (id),
    report       text NOT NULL CHECK (report <> ''),
    evidence     text NOT NULL DEFAULT '',
    submitted_by bigint NOT NULL REFERENCES accounts (id),
    submitted_at timestamptz NOT NULL,
    outcome      text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'accepted', 'returned')),
    review_note  text NOT NULL DEFAULT '',
    reviewed_by  bigint REFERENCES accounts (id),
    reviewed_at  timestamptz
);
CREATE INDEX problem_rectifications_problem_idx ON problem_rectifications (problem_id, id);

-- Circulations of the problem list (问题清单通报), fixed once issued.
CREATE TABLE problem_circulations (
    id           bigserial PRIMARY KEY,
    title        text NOT NULL,
    number       text NOT NULL DEFAULT '',
    problem_ids  bigint[] NOT NULL,
    content      jsonb NOT NULL,
    content_hash text NOT NULL,
    signature    text NOT NULL DEFAULT '',
    signer_key   text NOT NULL DEFAULT '',
    issued_by    bigint NOT NULL REFERENCES accounts (id),
    issued_at    timestamptz NOT NULL
);

CREATE TABLE accountability_suggestions (
    id          bigserial PRIMARY KEY,
    problem_id  bigint NOT NULL REFERENCES supervision_problems (id),
    committee   text NOT NULL,
    suggestion  text NOT NULL CHECK (suggestion <> ''),
    recorded_by bigint NOT NULL REFERENCES accounts (id),
    recorded_at timestamptz NOT NULL
);

-- The year-end assessment (依法行政考核): indicators and weights the office
-- sets per year, and score adjustments with their written reasons.
CREATE TABLE assessment_indicators (
    year       int NOT NULL,
    key        text NOT NULL,
    weight     numeric NOT NULL CHECK (weight >= 0 AND weight <= 100),
    updated_by bigint NOT NULL REFERENCES accounts (id),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (year, key)
);

CREATE TABLE assessment_adjustments (
    id          bigserial PRIMARY KEY,
    year        int NOT NULL,
    agency_id   bigint NOT NULL REFERENCES agencies (id),
    computed    numeric NOT NULL,
    adjusted    numeric NOT NULL CHECK (adjusted >= 0 AND adjusted <= 100),
    reason      text NOT NULL CHECK (reason <> ''),
    adjusted_by bigint NOT NULL REFERENCES accounts (id),
    adjusted_at timestamptz NOT NULL
);
CREATE INDEX assessment_adjustments_idx ON assessment_adjustments (year, agency_id, id);

-- Notices to departments (new problems, approaching deadlines, issued
-- reports): the platform inbox of a department's staff.
CREATE TABLE supervision_notices (
    id         bigserial PRIMARY KEY,
    agency_id  bigint NOT NULL REFERENCES agencies (id),
    kind       text NOT NULL,
    title      text NOT NULL,
    link       text NOT NULL DEFAULT '',
    dedupe_key text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    read_at    timestamptz
);
CREATE INDEX supervision_notices_agency_idx ON supervision_notices (agency_id, id);

-- Every supervision step (who, what, when), append-only like the record.
CREATE TABLE supervision_actions (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor_id   bigint REFERENCES accounts (id),
    kind       text NOT NULL,
    subject    text NOT NULL,
    payload    jsonb NOT NULL
);
CREATE TRIGGER supervision_actions_append_only BEFORE UPDATE OR DELETE ON supervision_actions
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER problem_circulations_append_only BEFORE UPDATE OR DELETE ON problem_circulations
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER assessment_adjustments_append_only BEFORE UPDATE OR DELETE ON assessment_adjustments
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();
CREATE TRIGGER accountability_suggestions_append_only BEFORE UPDATE OR DELETE ON accountability_suggestions
    FOR EACH ROW EXECUTE FUNCTION canyu_append_only();

-- +goose Down
DROP TABLE supervision_actions;
DROP TABLE supervision_notices;
DROP TABLE assessment_adjustments;
DROP TABLE assessment_indicators;
DROP TABLE accountability_suggestions;
DROP TABLE problem_circulations;
DROP TABLE problem_rectifications;
DROP TABLE supervision_problems;
DROP TABLE inspections;
DROP TABLE monthly_reports;
DROP FUNCTION monthly_report_fixed();
DROP VIEW decision_compliance_facts;
