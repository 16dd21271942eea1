-- +goose Up
-- The administrator's desk (issue 15): the hierarchy of agencies, the
-- roster of legal advisers and the append-only audit log of admin actions.

-- A department or the legality-review department belongs to the decision
-- body (人民政府) above it; a township government to its city. NULL: a
-- top-level body.
ALTER TABLE agencies ADD COLUMN parent_id bigint REFERENCES agencies (id),
    ADD COLUMN updated_at timestamptz,
    ADD CONSTRAINT agencies_parent_not_self CHECK (parent_id <> id);
CREATE INDEX agencies_parent_idx ON agencies (parent_id);

-- The roster (法律顾问名册): what a reviewer needs to choose an adviser for a
-- review (Decree 713 Art. 28): the firm or unit, the licence number of a
-- lawyer (律师执业证号) or of a public lawyer (公职律师证号), the fields of
-- law and the declared conflicts of interest.
CREATE TABLE legal_adviser_profiles (
    account_id     bigint PRIMARY KEY REFERENCES accounts (id),
    firm           text NOT NULL CHECK (length(firm) BETWEEN 1 AND 200),
    licence_number text NOT NULL CHECK (length(licence_number) BETWEEN 1 AND 64),
    fields         text[] NOT NULL DEFAULT '{}',
    conflicts      text NOT NULL DEFAULT '' CHECK (length(conflicts) <= 4000),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX legal_adviser_profiles_licence_idx ON legal_adviser_profiles (licence_number);

-- Every admin action: who (NULL: the operator on the command line), what,
-- when, on which object. Append-only: the database refuses updates and
-- deletes, whoever asks.
CREATE TABLE admin_audit_log (
    id          bigserial PRIMARY KEY,
    actor_id    bigint REFERENCES accounts (id),
    action      text NOT NULL CHECK (action ~ '^[a-z][a-z_-]{1,63}$'),
    target_kind text NOT NULL,
    target_id   bigint,
    target_name text NOT NULL DEFAULT '',
    detail      jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL
);
CREATE INDEX admin_audit_log_target_idx ON admin_audit_log (target_kind, target_id, id);
CREATE INDEX admin_audit_log_actor_idx ON admin_audit_log (actor_id, id);

-- +goose StatementBegin
CREATE FUNCTION admin_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_audit_log is append-only' USING ERRCODE = 'P0001';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER admin_audit_log_append_only BEFORE UPDATE OR DELETE ON admin_audit_log
    FOR EACH ROW EXECUTE FUNCTION admin_audit_log_append_only();
CREATE TRIGGER admin_audit_log_no_truncate BEFORE TRUNCATE ON admin_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_log_append_only();

-- +goose Down
DROP TABLE admin_audit_log;
DROP FUNCTION admin_audit_log_append_only();
DROP TABLE legal_adviser_profiles;
ALTER TABLE agencies DROP CONSTRAINT agencies_parent_not_self, DROP COLUMN updated_at, DROP COLUMN parent_id;
