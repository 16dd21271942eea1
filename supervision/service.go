// Package supervision is the rule-of-law office's desk (决策监督): compliance
// of every decision with its statutory steps, the monthly report
// (法治政府建设月报告), inspections (督察) with their problem lists, listed
// supervision (挂牌督办) and rectification (整改), and the year-end assessment
// (依法行政考核). It reads the procedure only through the read-only view
// decision_compliance_facts and writes only its own tables.
package supervision

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
)

// verifySignature checks a base64 Ed25519 signature over a hex hash.
func verifySignature(pub ed25519.PublicKey, hash, sig string) bool {
	raw, err := base64.StdEncoding.DecodeString(sig)
	return err == nil && ed25519.Verify(pub, []byte(hash), raw)
}

// sign publishes the signer's key in the record's key table (on a pool
// connection of its own, committed at once, so no transaction waits on an
// uncommitted key row) and returns the signature over hash and the key id;
// without a signer, nothing.
func (s *Service) sign(ctx context.Context, hash string) (sig, key string, err error) {
	if s.Signer == nil {
		return "", "", nil
	}
	if err := record.PublishKey(ctx, s.DB, s.Signer, s.now()); err != nil {
		return "", "", err
	}
	return s.Signer.SignEntryHash(hash), s.Signer.KeyID(), nil
}

// signContent hashes an issued document's content (SHA-256, hex) and signs
// the hash (sign).
func (s *Service) signContent(ctx context.Context, content []byte) (hash, sig, key string, err error) {
	sum := sha256.Sum256(content)
	hash = hex.EncodeToString(sum[:])
	sig, key, err = s.sign(ctx, hash)
	return hash, sig, key, err
}

// Service is the supervision use cases.
type Service struct {
	DB       *pgxpool.Pool
	Calendar *workday.Store
	// Signer signs issued documents with the platform's record key; each
	// key is published in the record's key table (record_signing_keys)
	// before it signs, so documents signed before a key rotation verify.
	Signer *record.Signer
	// Record appends to decisions' process records (consultation's
	// record.Appender): an issued monthly report is recorded on every
	// decision it counts.
	Record record.Appender
	// Now is the clock; tests inject one.
	Now func() time.Time
	// Limits are the office's time limits where the law says only "及时"
	// (zero: DefaultLimits).
	Limits Limits
}

// NewService returns a Service on the real clock.
func NewService(db *pgxpool.Pool, signer *record.Signer) *Service {
	return &Service{DB: db, Calendar: workday.NewStore(db), Signer: signer, Now: time.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// Clock returns the service's current time (for views that show overdue).
func (s *Service) Clock() time.Time { return s.now() }

func (s *Service) limits() Limits {
	if s.Limits == (Limits{}) {
		return DefaultLimits
	}
	return s.Limits
}

// requireOffice admits the rule-of-law office's staff (supervisor) and
// admins; everyone else is refused.
func requireOffice(actor *identity.Account) error {
	if actor == nil {
		return errs.Unauthenticated("authentication_required", "请先登录")
	}
	if !actor.HasRole(roleSupervisor, identity.RoleAdmin) {
		return errs.Forbidden("not_supervisor", "只有法治政府建设办公室的工作人员可以执行此操作")
	}
	return nil
}

// requireOfficeOrDepartment admits the office, or staff of agency.
func requireOfficeOrDepartment(actor *identity.Account, agencyID int64) error {
	if actor == nil {
		return errs.Unauthenticated("authentication_required", "请先登录")
	}
	if actor.HasRole(roleSupervisor, identity.RoleAdmin) || actor.IsStaffOf(agencyID) {
		return nil
	}
	return errs.Forbidden("not_supervisor", "只有法治政府建设办公室或该单位的工作人员可以查看")
}

// logAction appends one supervision step to the append-only action log.
func logAction(ctx context.Context, tx pgx.Tx, at time.Time, actor *identity.Account, kind, subject string, payload any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return errs.Internal(err)
	}
	var actorID *int64
	if actor != nil {
		actorID = &actor.ID
	}
	_, err = tx.Exec(ctx, `INSERT INTO supervision_actions (at, actor_id, kind, subject, payload) VALUES ($1, $2, $3, $4, $5)`,
		at, actorID, kind, subject, body)
	if err != nil {
		return errs.Internal(err)
	}
	return nil
}

// notify leaves a notice in a department's inbox; dedupeKey makes a notice
// that a job may raise twice (an approaching deadline) appear once.
func notify(ctx context.Context, tx pgx.Tx, at time.Time, agencyID int64, kind, title, link, dedupeKey string) error {
	_, err := tx.Exec(ctx, `INSERT INTO supervision_notices (agency_id, kind, title, link, dedupe_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING`, agencyID, kind, title, link, dedupeKey, at)
	if err != nil {
		return errs.Internal(err)
	}
	return nil
}

// roleSupervisor is the office's staff: they belong to the government
// (decision body) whose decisions they supervise.
const roleSupervisor = identity.RoleSupervisor

// governedSQL is the condition, on an agencies row `a`, that the office of
// government $N supervises it: the government itself and the departments
// that belong to it (DOMAIN.md). A department with no parent recorded
// belongs to no other government, so every office has it (a single-city
// deployment records none). Another government is never its: a
// government has no parent recorded either, and every district's office
// used to govern the city's government and every other district's (outside
// check, security). N is filled by governed.
const governedSQL = `($N::bigint = 0 OR a.id = $N OR a.parent_id = $N OR (a.parent_id IS NULL AND a.kind <> 'government'))`

// governed returns governedSQL for parameter n.
func governed(n int) string { return strings.ReplaceAll(governedSQL, "$N", "$"+strconv.Itoa(n)) }

// requireGoverns refuses, as not found, a supervisor acting on an agency of
// another government: the office of one government may not read or act on
// another's problems (issue 15, the authorization matrix found a district's
// office closing the city's problems). Admins and the agency's own staff
// pass; the role checks stay with the callers.
func requireGoverns(ctx context.Context, q querier, actor *identity.Account, agencyID int64, code, message string) error {
	body := bodyOf(actor)
	if body == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT `+governed(2)+` FROM agencies a WHERE a.id = $1`, agencyID, body)
	if err != nil {
		return errs.Internal(err)
	}
	ok, err := pgx.CollectOneRow(rows, pgx.RowTo[bool])
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return errs.Internal(err)
	}
	if !ok {
		return errs.NotFound(code, message)
	}
	return nil
}
