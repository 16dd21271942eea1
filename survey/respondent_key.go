package survey

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/internal/errs"
)

// The respondent hash (respondent_key of survey_responses) is
// HMAC-SHA256(secret, survey id, account id). The same resident always gets
// the same hash for a survey, so UNIQUE (survey_id, respondent_key) allows
// one response each, anonymous surveys included; the hash differs from
// survey to survey, so responses of one resident to two surveys do not
// match each other.
//
// What the secret protects, and from whom. Version 2 (every survey created
// since migration 00119) keys the hash with a file outside the database
// (RespondentKeyFilename, or CANYU_SURVEY_KEY_FILE). Someone holding the
// database alone (a backup, a dump, a replica, an export) cannot tell which
// account gave an anonymous response: the row holds no account id, and the
// hash cannot be recomputed over the account ids without the file. They
// can still read every answer, the day it was given (anonymous responses
// keep no time of day) and the order of the responses (their ids), and
// whatever the answers themselves give away. Whoever holds the database
// and the key file together (the running service, an operator of the
// server, a backup that copied both) can recompute the hash for every
// account and re-identify every version 2 response: the file must be
// backed up apart from the database and guarded like the record signing
// key. Responses of surveys that are not anonymous name their account in
// the row, whatever the key.
//
// Version 1 (surveys open when migration 00119 ran) keyed the hash with a
// secret in the database (survey_secrets): any backup that holds that row
// re-identifies every version 1 response. The row is deleted as soon as no
// open survey uses it (forgetLegacySecret), so backups taken afterwards
// cannot; backups, WAL archives and dumps taken before keep it, and nothing
// done now takes it out of them.

// Respondent key versions, stored per survey (surveys.respondent_key_version).
const (
	// KeyVersionDatabase is the secret in survey_secrets (before 00119).
	KeyVersionDatabase int16 = 1
	// KeyVersionFile is the key file, for every survey created since.
	KeyVersionFile int16 = 2
)

// RespondentKeyFilename is the key file created under CANYU_DATA_DIR on
// first start when no CANYU_SURVEY_KEY_FILE is given.
const RespondentKeyFilename = "survey-respondent.key"

// respondentKeyBytes is the size of a generated key; a key file must hold
// at least this much.
const respondentKeyBytes = 32

// LoadOrCreateRespondentKey reads the respondent hash key (hex, at least
// 32 bytes) from keyFile, or, when keyFile is empty, from
// dataDir/survey-respondent.key, creating that file (mode 0600, its
// directory 0700) with a random key when it does not exist yet. A given
// keyFile that is missing is an error: an operator who names a key means
// that key. Every instance of one database must use the same file
// (UseRespondentKey refuses another).
func LoadOrCreateRespondentKey(dataDir, keyFile string) ([]byte, error) {
	if keyFile != "" {
		return loadRespondentKey(keyFile)
	}
	path := filepath.Join(dataDir, RespondentKeyFilename)
	key, err := loadRespondentKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("survey respondent key: %w", err)
	}
	key = make([]byte, respondentKeyBytes)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("survey respondent key: %w", err)
	}
	// Written whole under another name, then linked into place: two
	// instances starting at once on one data directory never read a half
	// written file, and the second keeps the first one's key.
	tmp, err := os.CreateTemp(dataDir, ".survey-respondent-*.key")
	if err != nil {
		return nil, fmt.Errorf("survey respondent key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("survey respondent key: %w", err)
	}
	if _, err := tmp.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("survey respondent key %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("survey respondent key %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("survey respondent key %s: %w", tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return loadRespondentKey(path)
	} else if err != nil {
		return nil, fmt.Errorf("survey respondent key: %w", err)
	}
	return key, nil
}

func loadRespondentKey(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("survey respondent key (CANYU_SURVEY_KEY_FILE): %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(key) < respondentKeyBytes {
		return nil, fmt.Errorf("survey respondent key %s: not a key: the file must hold at least %d bytes as hexadecimal "+
			"(%d hex digits)", path, respondentKeyBytes, 2*respondentKeyBytes)
	}
	return key, nil
}

// KeyFingerprint is what the database keeps of the key file: the
// HMAC-SHA256 of a fixed text under the key, in hex. It identifies the key
// without telling anything about it.
func KeyFingerprint(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("canyu-survey-respondent-key-fingerprint"))
	return hex.EncodeToString(m.Sum(nil))
}

// RespondentKeys holds the secrets of the respondent hash for the
// services of one process (Service.Keys): the key file's key, and the
// version 1 database secret once a submission has read it.
type RespondentKeys struct {
	file []byte

	mu     sync.Mutex
	legacy []byte
}

// OpenRespondentKeys makes key (from LoadOrCreateRespondentKey) the key of
// version 2 respondent hashes in the database db; serve calls it at
// start-up, before any response. The first instance records the key's
// fingerprint; a later start with another key is refused, since the
// responses already stored were keyed with the first (with two keys a
// resident could answer twice). It also deletes the old database secret
// when no open survey needs it any more (forgetLegacySecret).
func OpenRespondentKeys(ctx context.Context, db *pgxpool.Pool, key []byte) (*RespondentKeys, error) {
	if len(key) < respondentKeyBytes {
		return nil, fmt.Errorf("survey respondent key: %d bytes, want at least %d", len(key), respondentKeyBytes)
	}
	fp := KeyFingerprint(key)
	var stored string
	// Two statements: of two instances starting at once, the second's
	// insert waits for the first's and does nothing; its SELECT then sees
	// the first one's row.
	if _, err := db.Exec(ctx, `INSERT INTO survey_respondent_keys (version, fingerprint, created_at) VALUES ($1, $2, now())
		ON CONFLICT (version) DO NOTHING`, KeyVersionFile, fp); err != nil {
		return nil, fmt.Errorf("survey respondent key: %w", err)
	}
	if err := db.QueryRow(ctx, `SELECT fingerprint FROM survey_respondent_keys WHERE version = $1`, KeyVersionFile).
		Scan(&stored); err != nil {
		return nil, fmt.Errorf("survey respondent key: %w", err)
	}
	if stored != fp {
		return nil, fmt.Errorf("survey respondent key: this key file (fingerprint %s…) is not the one this database's "+
			"surveys are answered with (fingerprint %s…); every instance must use the same CANYU_SURVEY_KEY_FILE: copy it "+
			"from the first instance or restore it from its backup", fp[:12], stored[:12])
	}
	if _, err := forgetLegacySecret(ctx, db); err != nil {
		return nil, fmt.Errorf("survey respondent key: %w", err)
	}
	return &RespondentKeys{file: key}, nil
}

// execer runs a statement: a pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// forgetLegacySecret deletes the version 1 database secret once no open
// survey uses it: no new answer needs it, and every backup taken from then
// on lacks it. It reports whether it deleted it.
func forgetLegacySecret(ctx context.Context, db execer) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM survey_secrets WHERE NOT EXISTS (
		SELECT 1 FROM surveys WHERE respondent_key_version = $1 AND status = 'open')`, KeyVersionDatabase)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

// errLegacySecretGone answers a resident who asks for their response to a
// version 1 anonymous survey once its secret is deleted: nothing links the
// response to them any more, which is the point of deleting it.
var errLegacySecretGone = errs.NotFound("survey_response_not_found",
	"这份匿名问卷已经结束，用于把答卷与账号对应的密钥已按个人信息保护要求删除，平台无法再找到您的答卷")

// errNoRespondentKey is a wiring fault: the service was started without
// Keys (serve opens them at start-up and stops without them).
var errNoRespondentKey = errors.New("survey: no respondent keys (Service.Keys is nil)")

// respondentKey is the respondent hash of an account for a survey, keyed
// as the survey's key version says. submitting says the caller stores a
// response: it may use the version 1 secret kept in memory (an open
// version 1 survey keeps the row alive); a reader reads the row, and gets
// errLegacySecretGone once it is deleted.
func (s *Service) respondentKey(ctx context.Context, sv *Survey, accountID int64, submitting bool) (string, error) {
	var key []byte
	prefix := "canyu-survey-respondent-v1:"
	if s.Keys == nil {
		return "", errs.Internal(errNoRespondentKey)
	}
	switch sv.RespondentKeyVersion {
	case KeyVersionFile:
		key = s.Keys.file
		prefix = "canyu-survey-respondent-v2:"
	case KeyVersionDatabase:
		var err error
		if key, err = s.Keys.legacySecret(ctx, s.DB, submitting); err != nil {
			return "", err
		}
	default:
		return "", errs.Internal(fmt.Errorf("survey %d: unknown respondent key version %d", sv.ID, sv.RespondentKeyVersion))
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(prefix + strconv.FormatInt(sv.ID, 10) + ":" + strconv.FormatInt(accountID, 10)))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// legacySecret returns the version 1 secret from survey_secrets; cached
// uses and keeps the copy in memory. It is never created any more: every
// survey that can be open with version 1 was open when migration 00119 ran
// in a database that had the secret, and the secret is deleted only once
// no such survey is open.
func (k *RespondentKeys) legacySecret(ctx context.Context, db *pgxpool.Pool, cached bool) ([]byte, error) {
	if cached {
		k.mu.Lock()
		key := k.legacy
		k.mu.Unlock()
		if key != nil {
			return key, nil
		}
	}
	var key []byte
	err := db.QueryRow(ctx, `SELECT hmac_key FROM survey_secrets WHERE id = 1`).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) && cached {
		return nil, errs.Internal(errors.New("survey: the database secret of an open version 1 survey is gone"))
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errLegacySecretGone
	}
	if err != nil {
		return nil, errs.Internal(err)
	}
	if cached {
		k.mu.Lock()
		k.legacy = key
		k.mu.Unlock()
	}
	return key, nil
}

// forgetLegacy drops the copy of the version 1 secret kept in memory, once
// the row is deleted; nil is a no-op.
func (k *RespondentKeys) forgetLegacy() {
	if k == nil {
		return
	}
	k.mu.Lock()
	k.legacy = nil
	k.mu.Unlock()
}
