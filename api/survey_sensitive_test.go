package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestSensitiveQuestionIsNeverRequired: a question marked sensitive could
// also be marked required, so a resident who declined the separate consent
// (PIPL Art. 29) could not submit the survey at all, which PIPL Art. 16
// forbids. The builder now refuses the combination (422, the article named,
// at the field, nothing changed), on adding and on editing; a resident who
// declines the consent skips the sensitive question and submits the rest,
// and an answer to it without the consent is still refused.
func TestSensitiveQuestionIsNeverRequired(t *testing.T) {
	s := newSurveyEnv(t)
	id := s.createSurvey(t, nil)
	path := fmt.Sprintf("/surveys/%d", id)
	s.addQuestion(t, id, qDistrict)
	health := map[string]any{"kind": "text", "title": "孩子的健康状况", "sensitive": true, "required": true}
	r := s.Do("POST", path+"/questions", s.staff, health)
	expectRefusal(t, r, 422, "question_sensitive_must_be_optional", "PIPL Art. 16")
	if !strings.Contains(string(r.Body), "body.required") {
		t.Errorf("the refusal names no field: %s", r.Body)
	}
	if n := s.count(t, `SELECT count(*) FROM survey_questions WHERE survey_id = $1`, id); n != 1 {
		t.Fatalf("%d questions after the refusal, want 1", n)
	}
	health["required"] = false
	sv := s.addQuestion(t, id, health)
	hid := sv.qid(t, "孩子的健康状况")
	health["required"] = true
	expectRefusal(t, s.Do("PUT", fmt.Sprintf("%s/questions/%d", path, hid), s.staff, health), 422,
		"question_sensitive_must_be_optional", "PIPL Art. 16")
	if n := s.count(t, `SELECT count(*) FROM survey_questions WHERE id = $1 AND NOT required`, hid); n != 1 {
		t.Fatal("the refused edit changed the question")
	}
	s.open(t, id)

	district := map[string]any{"question_id": sv.qid(t, "您居住的区"), "choices": []string{"xh"}}
	s.Do("POST", path+"/responses", s.resident, map[string]any{"answers": []any{district,
		map[string]any{"question_id": hid, "text": "哮喘"}}}).Expect(t, 422, "sensitive_consent_required")
	s.Do("POST", path+"/responses", s.resident, map[string]any{"answers": []any{district}, "sensitive_consent": false}).Expect(t, 201, "")
}
