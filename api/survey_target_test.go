package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
)

// TestSurveyTargetResponsesAPI: create-survey takes the number of
// responses a survey aims for (issue 13 gap 4: the livelihood survey gate
// needs the target the survey set), refused outside 1..1,000,000; a closed
// survey one response short of its target does not pass the gate, one that
// reached it does.
func TestSurveyTargetResponsesAPI(t *testing.T) {
	s := newSurveyEnv(t)
	closes := s.Clock.Now().Add(7 * 24 * time.Hour)
	for _, n := range []int{0, -1, 1_000_001} {
		s.Do("POST", "/surveys", s.staff, surveyBody(closes, func(b map[string]any) { b["target_responses"] = n })).
			Expect(t, 422, "survey_target_invalid")
	}
	var top struct {
		ID              int64 `json:"id"`
		TargetResponses *int  `json:"target_responses"`
	}
	s.Do("POST", "/surveys", s.staff, surveyBody(closes, func(b map[string]any) { b["target_responses"] = 1_000_000 })).
		Expect(t, 201, "").JSON(t, &top)
	if top.TargetResponses == nil || *top.TargetResponses != 1_000_000 {
		t.Fatalf("target after create: %v", top.TargetResponses)
	}
	// update-survey changes it, and absent means none.
	var updated struct {
		TargetResponses *int `json:"target_responses"`
	}
	s.Do("PUT", fmt.Sprintf("/surveys/%d", top.ID), s.staff, surveyBody(closes, nil)).Expect(t, 200, "").JSON(t, &updated)
	if updated.TargetResponses != nil {
		t.Fatalf("target after an update without one: %v", *updated.TargetResponses)
	}

	// The gate at its boundary: a target of two, one response, then two.
	decision := s.handlingDecision(t, "education_culture")
	run := func(responses int) {
		t.Helper()
		var sv surveyJSON
		s.Do("POST", "/surveys", s.staff, surveyBody(s.Clock.Now().Add(7*24*time.Hour), func(b map[string]any) {
			b["decision_id"], b["target_responses"] = decision, 2
		})).Expect(t, 201, "").JSON(t, &sv)
		sv = s.addQuestion(t, sv.ID, qDistrict)
		s.open(t, sv.ID)
		for i := 0; i < responses; i++ {
			_, tok := s.Account(identity.RoleResident, "")
			s.Do("POST", fmt.Sprintf("/surveys/%d/responses", sv.ID), tok, map[string]any{"answers": []map[string]any{
				{"question_id": sv.qid(t, "您居住的区"), "choices": []string{"xh"}}}}).Expect(t, 201, "")
		}
		s.Do("POST", fmt.Sprintf("/surveys/%d/close", sv.ID), s.staff, nil).Expect(t, 200, "")
	}
	run(1)
	if _, passed := surveyGate(t, s, decision); passed {
		t.Fatal("a survey one response short of its target of two passes the gate")
	}
	run(2)
	if _, passed := surveyGate(t, s, decision); !passed {
		t.Fatal("a survey that reached its target of two does not pass the gate")
	}
}
