-- +goose Up
-- Domain events (issue 17): an outbox of the steps residents and integrators
-- are told about. A service writes a row with events.Emit INSIDE the
-- transaction of the step, so an event exists exactly when the step
-- committed. Consumers (notifications, webhooks) each keep a cursor in
-- domain_event_cursors and read rows with id above it in id order.
--
-- id is a monotonic sequence in COMMIT order: Emit takes the transaction
-- advisory lock events.orderLock before drawing the id, and the lock is held
-- until commit, so no event with a lower id can become visible after one with
-- a higher id (a rolled-back transaction only leaves a gap).
CREATE TABLE domain_events (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*$'),
    occurred_at  timestamptz NOT NULL,
    decision_id  bigint REFERENCES decisions (id) ON DELETE SET NULL,
    agency_id    bigint REFERENCES agencies (id) ON DELETE SET NULL,
    -- The livelihood domain (consultation.Domain), '' when none.
    domain       text NOT NULL DEFAULT '',
    -- What the event is about: subject_type names the table-like thing
    -- ('consultation', 'survey', 'comment', 'adoption_report', 'publication',
    -- 'implementation_report') and subject_ids its ids (several for a group
    -- or batch answer).
    subject_type text NOT NULL,
    subject_ids  bigint[] NOT NULL DEFAULT '{}',
    -- Only what anyone may read (titles, dates, codes): webhooks send it.
    payload      jsonb NOT NULL DEFAULT '{}',
    public       boolean NOT NULL
);
CREATE INDEX domain_events_decision_idx ON domain_events (decision_id, id);

-- One row per consumer: the id of the last event it has handled.
CREATE TABLE domain_event_cursors (
    consumer   text PRIMARY KEY,
    last_id    bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE domain_event_cursors;
DROP TABLE domain_events;
