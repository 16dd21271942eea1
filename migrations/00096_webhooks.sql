-- +goose Up
-- Webhooks (issue 20): an organisation subscribes a URL to kinds of public
-- domain events (domain_events, 00090). A fan-out job reads the events with
-- its own cursor and writes one delivery per subscribed webhook in the same
-- transaction that moves the cursor; each delivery is sent by a River job,
-- retried with back-off, every attempt kept. A delivery that exhausts its
-- attempts pauses the webhook, and the organisation is told on its page.
CREATE TABLE webhooks (
    id              bigserial PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    url             text NOT NULL,
    kinds           text[] NOT NULL CHECK (cardinality(kinds) > 0),
    -- The HMAC-SHA256 key deliveries are signed with: shown once at
    -- creation, kept because every delivery needs it.
    secret          text NOT NULL,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    paused_at       timestamptz,
    paused_reason   text NOT NULL DEFAULT '',
    created_by      bigint NOT NULL REFERENCES accounts (id),
    created_at      timestamptz NOT NULL,
    deleted_at      timestamptz
);
CREATE INDEX webhooks_org_idx ON webhooks (organisation_id, id);

CREATE TABLE webhook_deliveries (
    id              bigserial PRIMARY KEY,
    webhook_id      bigint NOT NULL REFERENCES webhooks (id),
    event_id        bigint NOT NULL REFERENCES domain_events (id),
    kind            text NOT NULL,
    -- The exact body sent on every attempt (the signature covers it).
    body            text NOT NULL,
    -- pending: queued or being retried; held: not sent because the webhook
    -- was paused (sent again by redeliver-webhook); delivered; failed:
    -- every attempt failed.
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'held', 'delivered', 'failed')),
    attempts        int NOT NULL DEFAULT 0,
    last_status     int,
    last_error      text NOT NULL DEFAULT '',
    next_attempt_at timestamptz,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);

CREATE TABLE webhook_attempts (
    id          bigserial PRIMARY KEY,
    delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id),
    n           int NOT NULL,
    at          timestamptz NOT NULL,
    status_code int,
    error       text NOT NULL DEFAULT '',
    duration_ms int NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, n);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
