-- +goose Up
-- Read-only views through which supervision reads the life of a decision
-- before and after the procedure (issue 14). Each view belongs to the
-- package that owns its tables; supervision only reads them.

-- Owned by implementation/ (Decree 713 Art. 34–35): per published decision,
-- the implementing unit, the reporting schedule the body set at
-- publication, and the periodic reports in the order they were filed (the
-- period each covers and when it was filed), so a report's deadline can be
-- recomputed as things stood on any day, and when every report of any kind
-- (periodic, problem, major change) was filed.
CREATE VIEW implementation_compliance_facts AS
SELECT p.decision_id,
       p.implementing_agency_id,
       p.effective_on,
       p.report_interval_days,
       COALESCE(r.periodic_ends, '{}') AS periodic_report_ends,
       COALESCE(r.periodic_at, '{}') AS periodic_reported_at,
       COALESCE(r.reports, 0) AS implementation_reports,
       COALESCE(r.filed_at, '{}') AS implementation_reported_at,
       e.created_at AS ended_at
FROM decision_publications p
LEFT JOIN (SELECT decision_id,
                  array_agg(period_end ORDER BY id) FILTER (WHERE kind = 'periodic') AS periodic_ends,
                  array_agg(created_at ORDER BY id) FILTER (WHERE kind = 'periodic') AS periodic_at,
                  count(*) AS reports,
                  array_agg(created_at ORDER BY id) AS filed_at
           FROM implementation_reports GROUP BY decision_id) r ON r.decision_id = p.decision_id
LEFT JOIN decision_endings e ON e.decision_id = p.decision_id;

-- Owned by catalogue/ (Decree 713 Art. 3(3); Henan Decree 210 Art. 4): per
-- decision, whether its body requires catalogue membership (the body's
-- setting), and the catalogue entry it carries out, if any, with the
-- entry's and the catalogue's state and when the link was made.
CREATE VIEW catalogue_membership_facts AS
SELECT d.id AS decision_id,
       COALESCE(s.catalogue_required, false) AS catalogue_required,
       i.id AS catalogue_item_id,
       i.status AS catalogue_item_status,
       i.planned_quarter AS catalogue_planned_quarter,
       c.year AS catalogue_year,
       c.status AS catalogue_status,
       ev.linked_at AS catalogue_linked_at
FROM decisions d
LEFT JOIN decision_body_settings s ON s.decision_body_id = d.decision_body_id
LEFT JOIN catalogue_items i ON i.decision_id = d.id
LEFT JOIN catalogues c ON c.id = i.catalogue_id
LEFT JOIN (SELECT item_id, min(created_at) AS linked_at FROM catalogue_events
           WHERE kind = 'decision_linked' GROUP BY item_id) ev ON ev.item_id = i.id;

-- The procedure's view (consultation's, 00055) learns the survey's target:
-- a survey counts as held for a livelihood decision only when its responses
-- reached the target it set, the decision body's minimum and at least one
-- (the survey package's gate survey_required, issue 13 gap 4), so the desk
-- applies the gate's rule. Of several closed surveys, one that met its
-- target is preferred. New columns go at the end (CREATE OR REPLACE).
CREATE OR REPLACE VIEW decision_compliance_facts AS
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
       pub.published_on, pub.created_at AS published_at,
       greatest(COALESCE(sv.target_responses, 0), COALESCE(bs.survey_min_responses, 0), 1) AS survey_target
FROM decisions d
LEFT JOIN decision_body_settings bs ON bs.decision_body_id = d.decision_body_id
LEFT JOIN (SELECT DISTINCT ON (decision_id) decision_id, opens_at, ends_at, shortening_reason, closed_at
           FROM consultations ORDER BY decision_id, id) c ON c.decision_id = d.id
LEFT JOIN (SELECT decision_id, min(published_at) AS published_at FROM adoption_reports
           WHERE status = 'published' GROUP BY decision_id) ar ON ar.decision_id = d.id
-- The respondent count is the survey's running tally (question 0), which
-- the survey package keeps in the transaction of every response.
LEFT JOIN (SELECT DISTINCT ON (s.decision_id) s.decision_id, s.closed_at, t.count AS responses, s.target_responses
           FROM surveys s LEFT JOIN survey_tallies t ON t.survey_id = s.id AND t.question_id = 0
           WHERE s.status = 'closed' AND s.decision_id IS NOT NULL
           ORDER BY s.decision_id, COALESCE(t.count, 0) >= COALESCE(s.target_responses, 0) DESC,
                    t.count DESC NULLS LAST, s.closed_at) sv ON sv.decision_id = d.id
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

-- +goose Down
DROP VIEW decision_compliance_facts;
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
DROP VIEW catalogue_membership_facts;
DROP VIEW implementation_compliance_facts;
