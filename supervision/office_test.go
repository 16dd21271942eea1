package supervision_test

import (
	"testing"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// officeAccount is a member of the rule-of-law office.
func officeAccount(t *testing.T, e *testenv.Env) *identity.Account {
	t.Helper()
	a, _ := e.Account(identity.RoleSupervisor, "zf")
	return &a
}
