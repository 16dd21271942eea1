-- +goose Up
-- Versions of the working-day calendar (工作日, 调休): the State Council's yearly holiday notices
-- as data an admin can update (internal/workday). Each change is a new row; the newest row is
-- current, and an empty table means the calendar built into the binary.
CREATE TABLE workday_calendar_versions (
    id         bigserial PRIMARY KEY,
    version    text NOT NULL UNIQUE CHECK (version <> ''),
    data       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint NULL
);

-- Every computed deadline stores the calendar version it used (DOMAIN.md, "Time"), so a version
-- must keep meaning the same data: rows are never updated or deleted.
-- +goose StatementBegin
CREATE FUNCTION workday_calendar_versions_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'workday_calendar_versions is append-only: % refused', TG_OP;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER workday_calendar_versions_immutable
    BEFORE UPDATE OR DELETE ON workday_calendar_versions
    FOR EACH ROW EXECUTE FUNCTION workday_calendar_versions_immutable();

-- +goose Down
DROP TABLE workday_calendar_versions;
DROP FUNCTION workday_calendar_versions_immutable();
