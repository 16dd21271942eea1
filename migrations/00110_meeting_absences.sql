-- +goose Up
-- A meeting record names the members of the decision body's composition
-- who were absent, each with the reason given (请假、出差…), so the record
-- shows who was there and who was not (Decree 713 Art. 30: the quorum of
-- more than half, counted against the composition; outside check staff2).
-- NULL: a meeting recorded before absences were kept (only the members
-- present and the composition's size are known).
ALTER TABLE deliberations ADD COLUMN absences jsonb;

-- +goose Down
ALTER TABLE deliberations DROP COLUMN absences;
