-- +goose Up
-- How many confirmation mails an account had sent to the addresses it
-- typed (outside check, security: any signed-in account could make the
-- platform mail any address without limit, by saving or resending): one a
-- minute and five a day (notify.UpdateSettings, ResendConfirmation).
ALTER TABLE notification_settings
    ADD COLUMN confirmation_sent_at    timestamptz,
    ADD COLUMN confirmations_day_start timestamptz,
    ADD COLUMN confirmations_in_day    integer NOT NULL DEFAULT 0;

-- A resident's proposals lately (catalogue.checkProposalRate: three in ten
-- minutes, ten a day).
CREATE INDEX decision_proposals_account_idx ON decision_proposals (account_id, created_at DESC);

-- +goose Down
DROP INDEX decision_proposals_account_idx;
ALTER TABLE notification_settings
    DROP COLUMN confirmation_sent_at,
    DROP COLUMN confirmations_day_start,
    DROP COLUMN confirmations_in_day;
