package api_test

import (
	"testing"

	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestPublicOperationRefusesBadBearer: a public operation answers 401 to a
// bearer token that is not valid (expired, revoked, mistyped), as the spec
// says of every operation, instead of serving the caller as anonymous; with
// no token it is served.
func TestPublicOperationRefusesBadBearer(t *testing.T) {
	e := testenv.New(t)
	e.Do("GET", "/decisions", "not-a-session", nil).Expect(t, 401, "invalid_session")
	e.Do("GET", "/decisions", "", nil).Expect(t, 200, "")
}
