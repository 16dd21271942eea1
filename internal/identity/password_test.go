package identity

import (
	"strings"
	"testing"
)

// TestCheapPasswordHashes checks both costs: a hash records the cost it
// was made with, so a password hashed at either checks, and a wrong one
// does not.
func TestCheapPasswordHashes(t *testing.T) {
	defer cheapHashes.Store(cheapHashes.Load())
	for _, c := range []struct {
		cheap  bool
		params string
	}{{false, "$m=19456,t=2,p=1$"}, {true, "$m=64,t=1,p=1$"}} {
		cheapHashes.Store(c.cheap)
		h, err := hashPassword("正确的密码123")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(h, c.params) {
			t.Errorf("cheap %v: hash %s, want parameters %s", c.cheap, h, c.params)
		}
		cheapHashes.Store(!c.cheap) // checking reads the hash's own parameters
		if ok, err := checkPassword(h, "正确的密码123"); err != nil || !ok {
			t.Errorf("cheap %v: right password refused (%v)", c.cheap, err)
		}
		if ok, _ := checkPassword(h, "错误的密码123"); ok {
			t.Errorf("cheap %v: wrong password accepted", c.cheap)
		}
	}
}
