package api_test

import (
	"context"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// newCity starts a test environment with the named agencies of the test
// city (testenv.City), created in the order given.
func newCity(t *testing.T, codes ...string) *testenv.Env {
	t.Helper()
	return testenv.NewCity(t, codes...)
}

// draftDecision creates a decision as staff with its first draft version,
// failing the test on error.
func draftDecision(t *testing.T, e *testenv.Env, staff *identity.Account, d consultation.DecisionInput,
	v consultation.DraftVersionInput) (consultation.Decision, consultation.DraftVersion) {
	t.Helper()
	decision, err := e.Consultation.CreateDecision(context.Background(), staff, d)
	if err != nil {
		t.Fatal(err)
	}
	return decision, draftVersion(t, e, staff, decision.ID, v)
}

// draftVersion adds a draft version to a decision as staff, failing the
// test on error.
func draftVersion(t *testing.T, e *testenv.Env, staff *identity.Account, decisionID int64,
	v consultation.DraftVersionInput) consultation.DraftVersion {
	t.Helper()
	version, err := e.Consultation.CreateDraftVersion(context.Background(), staff, decisionID, v)
	if err != nil {
		t.Fatal(err)
	}
	return version
}
