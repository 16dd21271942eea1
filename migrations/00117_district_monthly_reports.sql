-- +goose Up
-- A district's monthly report (区法治政府建设月报告): the office of a
-- district (a government whose parent is the city's) analyses its
-- government and the departments it governs, as the city's office does the
-- city. scope says whose report a row is: the city's (agency_id NULL), one
-- department's (agency_id the department, as a lead unit), or a district's
-- (agency_id the district's government). A government may lead a decision
-- itself, so its department-style report and its district report are two
-- rows.
ALTER TABLE monthly_reports ADD COLUMN scope text NOT NULL DEFAULT 'department'
    CHECK (scope IN ('city', 'department', 'district'));
UPDATE monthly_reports SET scope = 'city' WHERE agency_id IS NULL;
ALTER TABLE monthly_reports ALTER COLUMN scope DROP DEFAULT,
    ADD CONSTRAINT monthly_reports_scope_agency CHECK ((scope = 'city') = (agency_id IS NULL));
DROP INDEX monthly_reports_scope_idx;
CREATE UNIQUE INDEX monthly_reports_scope_idx ON monthly_reports (month, scope, COALESCE(agency_id, 0));

-- An issued report is fixed: nothing but publishing it may change, its
-- month and whose report it is included (a district's issued report moved
-- to another district would be read by that district's departments).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION monthly_report_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.status = 'issued' THEN
        RAISE EXCEPTION 'an issued monthly report is fixed' USING ERRCODE = 'P0001';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'issued' AND
       (NEW.month, NEW.agency_id, NEW.scope, NEW.figures, NEW.analysis, NEW.weak_links, NEW.measures, NEW.status,
        NEW.issued_at, NEW.content_hash, NEW.signature)
       IS DISTINCT FROM
       (OLD.month, OLD.agency_id, OLD.scope, OLD.figures, OLD.analysis, OLD.weak_links, OLD.measures, OLD.status,
        OLD.issued_at, OLD.content_hash, OLD.signature) THEN
        RAISE EXCEPTION 'an issued monthly report is fixed' USING ERRCODE = 'P0001';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION monthly_report_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
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
-- The districts' drafts have no place in the old table and go; an issued
-- district report is bound into the process records of the decisions it
-- counts, so the way down stops there rather than break those records.
DELETE FROM monthly_reports WHERE scope = 'district' AND status = 'draft';
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM monthly_reports WHERE scope = 'district') THEN
        RAISE EXCEPTION 'issued district monthly reports exist; they are part of decisions'' process records';
    END IF;
END $$;
-- +goose StatementEnd
DROP INDEX monthly_reports_scope_idx;
CREATE UNIQUE INDEX monthly_reports_scope_idx ON monthly_reports (month, COALESCE(agency_id, 0));
ALTER TABLE monthly_reports DROP CONSTRAINT monthly_reports_scope_agency, DROP COLUMN scope;
