-- +goose Up
-- A proposal filed in the name of an organisation (Decree 713 Art. 10) by
-- the account that manages that organisation, verified by an admin
-- (package integrations): its id. NULL: the name is as the proposer typed
-- it, shown as 未经核实 (outside check, security: any resident could
-- propose in the name of any organisation). No foreign key: the catalogue
-- does not depend on the integrations' tables; the id is what the
-- integrations service answered when the proposal was filed.
ALTER TABLE decision_proposals ADD COLUMN organisation_id bigint;

-- +goose Down
ALTER TABLE decision_proposals DROP COLUMN organisation_id;
