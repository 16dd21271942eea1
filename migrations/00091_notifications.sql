-- +goose Up
-- Subscriptions and notifications (issue 17, package notify). A resident
-- follows a domain, an agency or a decision; the notify consumer reads
-- domain_events after commit and writes one notification per follower (the
-- inbox), then e-mail and SMS go out as queued jobs: replies to one's own
-- opinion at once, everything else in a daily digest.
CREATE TABLE subscriptions (
    id          bigserial PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts (id),
    domain      text,
    agency_id   bigint REFERENCES agencies (id),
    decision_id bigint REFERENCES decisions (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(domain, agency_id, decision_id) = 1),
    UNIQUE NULLS NOT DISTINCT (account_id, domain, agency_id, decision_id)
);
CREATE INDEX subscriptions_domain_idx ON subscriptions (domain, account_id) WHERE domain IS NOT NULL;
CREATE INDEX subscriptions_agency_idx ON subscriptions (agency_id, account_id) WHERE agency_id IS NOT NULL;
CREATE INDEX subscriptions_decision_idx ON subscriptions (decision_id, account_id) WHERE decision_id IS NOT NULL;

-- How a resident wants to be told. No row: the inbox only.
CREATE TABLE notification_settings (
    account_id         bigint PRIMARY KEY REFERENCES accounts (id),
    -- The address notifications go to; mail is sent only once it is
    -- confirmed through the link sent to it.
    email              text NOT NULL DEFAULT '',
    email_confirmed_at timestamptz,
    email_on           boolean NOT NULL DEFAULT true,
    sms_on             boolean NOT NULL DEFAULT false,
    -- Quiet hours for SMS, Asia/Shanghai, [start, end) in whole hours.
    quiet_start        smallint NOT NULL DEFAULT 22 CHECK (quiet_start BETWEEN 0 AND 23),
    quiet_end          smallint NOT NULL DEFAULT 7 CHECK (quiet_end BETWEEN 0 AND 23),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- The inbox: one row per recipient and event.
CREATE TABLE notifications (
    id          bigserial PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts (id),
    event_id    bigint NOT NULL REFERENCES domain_events (id),
    kind        text NOT NULL,
    decision_id bigint,
    title       text NOT NULL,
    body        text NOT NULL DEFAULT '',
    link        text NOT NULL DEFAULT '',
    -- immediate: sent on its own at once (a reply to the recipient's own
    -- opinion); otherwise it waits for the daily digest.
    immediate   boolean NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz,
    digested_at timestamptz,
    UNIQUE (account_id, event_id)
);
CREATE INDEX notifications_account_idx ON notifications (account_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (account_id) WHERE read_at IS NULL;
CREATE INDEX notifications_digest_idx ON notifications (account_id) WHERE digested_at IS NULL AND NOT immediate;

-- What was sent, so a retried job never sends twice after a success.
CREATE TABLE notification_deliveries (
    notification_id bigint NOT NULL REFERENCES notifications (id),
    channel         text NOT NULL CHECK (channel IN ('email', 'sms', 'digest')),
    sent_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notification_id, channel)
);

-- The key of the signed links (unsubscribe, e-mail confirmation), made once
-- and shared by every instance.
CREATE TABLE notify_keys (
    id  boolean PRIMARY KEY DEFAULT true CHECK (id),
    key bytea NOT NULL
);

-- +goose Down
DROP TABLE notify_keys;
DROP TABLE notification_deliveries;
DROP TABLE notifications;
DROP TABLE notification_settings;
DROP TABLE subscriptions;
