-- +goose Up
-- A request for a verification or password-reset code, written with its job
-- by the request that asks for the code (outside check sec3). The request
-- does the same work for every number: it counts the SMS limits, looks the
-- number up, writes one row here (account_id NULL when the number has no
-- account that may receive the code) and queues one job. The job issues the
-- code and calls the SMS gateway, so neither the answer nor its time tells a
-- registered number from another. No code is stored here, only who asked.
CREATE TABLE sms_code_requests (
    id           bigserial PRIMARY KEY,
    account_id   bigint REFERENCES accounts (id) ON DELETE CASCADE,
    purpose      text NOT NULL CHECK (purpose IN ('verify', 'reset')),
    requested_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE sms_code_requests;
