package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: RFC 9106's second recommended option (64 MiB, 3
// passes) would cost too much memory under a login burst on a 2-core
// machine; 19 MiB with 2 passes is OWASP's minimum recommendation.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// argonSlots bounds the argon2id computations running at once. Each holds
// argonMemory (19 MiB) for its duration, and they are CPU-bound, so more of
// them than cores only adds memory: the load test's burst of 20 concurrent
// sign-ins (issue 8) held 95 MB of heap in argon2 alone and pushed the
// service's RSS past 300 MB. Logins beyond the slots wait their turn.
var argonSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

func argonKey(password, salt []byte, t, m uint32, p uint8, keyLen uint32) []byte {
	argonSlots <- struct{}{}
	defer func() { <-argonSlots }()
	return argon2.IDKey(password, salt, t, m, p, keyLen)
}

// cheapHashes is set by UseCheapPasswordHashes, in test binaries only.
var cheapHashes atomic.Bool

// UseCheapPasswordHashes makes the passwords hashed from now on cost one
// pass over 64 KiB instead of two over 19 MiB, in this process. Tests call
// it (testenv.New): under the race detector one hash of the real cost takes
// over a second on this project's 2-core machine, and each test account
// costs two (its creation and its sign-in), which made account set-up a
// large part of the test run. A hash records its own parameters, so
// checking one is unchanged. It panics outside a test binary, so a
// deployed service can never weaken its hashes through it.
func UseCheapPasswordHashes() {
	if !testing.Testing() {
		panic("identity: UseCheapPasswordHashes called outside a test binary")
	}
	cheapHashes.Store(true)
}

// hashPassword returns the PHC-formatted argon2id hash of password.
func hashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	t, m := uint32(argonTime), uint32(argonMemory)
	if cheapHashes.Load() {
		t, m = 1, 64
	}
	key := argonKey([]byte(password), salt, t, m, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// checkPassword reports whether password matches the PHC hash.
func checkPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("unsupported password hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("unsupported argon2 version")
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, err
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, err
	}
	got := argonKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when the login names no account, so that the
// response time does not reveal which logins exist.
var dummyHash, _ = hashPassword("canyu-dummy-password")
