package api_test

import (
	"testing"

	"github.com/canyu-gov/canyu/internal/testenv"
)

// newCity starts a test environment with the named agencies of the test
// city (testenv.City), created in the order given.
func newCity(t *testing.T, codes ...string) *testenv.Env {
	t.Helper()
	return testenv.NewCity(t, codes...)
}
