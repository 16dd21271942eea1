-- +goose Up
-- What happens to a hearing after its notice (Decree 713 Art. 16–17;
-- outside check hear): it may be cancelled or rescheduled with a public
-- reason; an applicant may withdraw, and a selected participant who does is
-- replaced by the next of their side in the published draw (递补); a
-- participant may sign the hearing record with an objection (异议) or
-- refuse to sign, and the lead unit notes a refusal on paper or an absence
-- (拒绝签字、缺席的，在笔录中注明), so that the record can be closed.
-- Owned by package consultation/hearing.

ALTER TABLE hearings
    ADD COLUMN cancelled_at  timestamptz,
    ADD COLUMN cancel_reason text,
    ADD CONSTRAINT hearings_cancel_reason_check CHECK ((cancelled_at IS NULL) = (cancel_reason IS NULL));

-- Every change of time, place or application deadline after creation, with
-- its reason, as the notice shows it.
CREATE TABLE hearing_reschedules (
    id                        bigserial PRIMARY KEY,
    hearing_id                bigint NOT NULL REFERENCES hearings (id),
    old_starts_at             timestamptz NOT NULL,
    new_starts_at             timestamptz NOT NULL,
    old_place                 text NOT NULL,
    new_place                 text NOT NULL,
    old_applications_close_at timestamptz NOT NULL,
    new_applications_close_at timestamptz NOT NULL,
    reason                    text NOT NULL CHECK (reason <> ''),
    rescheduled_by            bigint NOT NULL REFERENCES accounts (id),
    rescheduled_at            timestamptz NOT NULL
);
CREATE INDEX hearing_reschedules_hearing_idx ON hearing_reschedules (hearing_id, id);

ALTER TABLE hearing_applications
    ADD COLUMN withdrawn_at    timestamptz,
    -- Seen by the lead unit only: the public list says who withdrew, not why.
    ADD COLUMN withdraw_reason text,
    ADD COLUMN withdrawn_by    bigint REFERENCES accounts (id),
    -- A replacement (递补): the code of the participant it replaces.
    ADD COLUMN replaces        text,
    ADD COLUMN promoted_at     timestamptz,
    ADD CONSTRAINT hearing_applications_withdrawn_check CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL)),
    ADD CONSTRAINT hearing_applications_promoted_check CHECK ((replaces IS NULL) = (promoted_at IS NULL));

-- refused: not signed, with the reason (the participant's own, or the lead
-- unit's note of a refusal on paper); absent: did not attend, noted by the
-- lead unit. note: with sms or scan, the participant's objection to the
-- record, attached to it; with refused or absent, the reason.
ALTER TABLE hearing_signatures
    DROP CONSTRAINT hearing_signatures_kind_check,
    ADD CONSTRAINT hearing_signatures_kind_check CHECK (kind IN ('sms', 'scan', 'refused', 'absent')),
    ADD COLUMN note text,
    ADD CONSTRAINT hearing_signatures_note_check CHECK (kind IN ('sms', 'scan') OR coalesce(note, '') <> '');

-- +goose Down
ALTER TABLE hearing_signatures
    DROP CONSTRAINT hearing_signatures_note_check,
    DROP COLUMN note,
    DROP CONSTRAINT hearing_signatures_kind_check,
    ADD CONSTRAINT hearing_signatures_kind_check CHECK (kind IN ('sms', 'scan')) NOT VALID;
ALTER TABLE hearing_applications
    DROP CONSTRAINT hearing_applications_promoted_check,
    DROP CONSTRAINT hearing_applications_withdrawn_check,
    DROP COLUMN promoted_at,
    DROP COLUMN replaces,
    DROP COLUMN withdrawn_by,
    DROP COLUMN withdraw_reason,
    DROP COLUMN withdrawn_at;
DROP TABLE hearing_reschedules;
ALTER TABLE hearings
    DROP CONSTRAINT hearings_cancel_reason_check,
    DROP COLUMN cancel_reason,
    DROP COLUMN cancelled_at;
