-- +goose Up
-- A question marked sensitive (health, children: PIPL Art. 28–29, answered
-- only with the resident's separate consent) could also be marked required,
-- so a resident who declined that consent could not submit the survey at
-- all: refusing a service because a person does not consent to processing
-- it does not need is what PIPL Art. 16 forbids. The builder now refuses
-- the combination (question_sensitive_must_be_optional) and a response
-- without the consent skips every sensitive question.
--
-- Existing questions: in drafts and in open surveys a required sensitive
-- question becomes optional. For an open survey this only relaxes it: every
-- response stored so far stays valid and unchanged, no counter moves, and
-- the record's survey_opened entry names no question's flags. Closed
-- surveys keep their questions as residents answered them (the published
-- survey is the historical fact), so the rule holds for every row written
-- from now on (NOT VALID: existing rows are not checked) rather than for
-- those rows.
UPDATE survey_questions q SET required = false
FROM surveys s
WHERE s.id = q.survey_id AND s.status IN ('draft', 'open') AND q.required AND q.sensitive;

ALTER TABLE survey_questions ADD CONSTRAINT survey_questions_sensitive_optional
    CHECK (NOT (required AND sensitive)) NOT VALID;

-- +goose Down
-- Questions made optional here stay optional.
ALTER TABLE survey_questions DROP CONSTRAINT survey_questions_sensitive_optional;
