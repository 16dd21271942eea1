package workday

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrVersionExists is returned by Store.Save when the version string is already stored or is
// the version of the embedded Default calendar: a version must always name the same data,
// because deadlines record the version they were computed with.
var ErrVersionExists = errors.New("workday: calendar version already exists")

// DB is what the Store needs from PostgreSQL. A pgx v5 *pgxpool.Pool satisfies it, as do
// *pgx.Conn and pgx.Tx, so a caller can run Save inside its own transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store keeps the versions of the working-day calendar in the table workday_calendar_versions
// (migrations/00003_workday.sql). Versions are only ever added; the newest one is current.
type Store struct {
	db DB
	// Builtin is the calendar used while no version is stored; nil means
	// Default. Tests that run past the shipped years set one (testenv).
	Builtin *Calendar
}

// NewStore returns a Store on db, normally the application's *pgxpool.Pool.
func NewStore(db DB) *Store { return &Store{db: db} }

// Current returns the newest stored calendar version, or Default when none has been stored.
// Any caller may use it; it fails only on a database error or a stored row that no longer
// validates (wrapping ErrInvalidCalendar).
func (s *Store) Current(ctx context.Context) (Calendar, error) {
	// id, not created_at: two versions saved within one transaction share now().
	const q = `SELECT data FROM workday_calendar_versions ORDER BY id DESC LIMIT 1`
	var raw []byte
	err := s.db.QueryRow(ctx, q).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		if s.Builtin != nil {
			return *s.Builtin, nil
		}
		return Default(), nil
	}
	if err != nil {
		return Calendar{}, fmt.Errorf("workday: load current calendar: %w", err)
	}
	d, err := decode(raw, false)
	if err != nil {
		return Calendar{}, fmt.Errorf("workday: stored calendar: %w", err)
	}
	c, err := New(d)
	if err != nil {
		return Calendar{}, fmt.Errorf("workday: stored calendar %q: %w", d.Version, err)
	}
	return c, nil
}

// Save validates d as New does and stores it as the newest version, recording actorID as its
// author (0 records no author, for system imports). Only an admin may save: the caller checks
// that. It returns an error wrapping ErrInvalidCalendar when d does not validate, and
// ErrVersionExists when d.Version is already taken.
func (s *Store) Save(ctx context.Context, d Data, actorID int64) (Calendar, error) {
	c, err := New(d)
	if err != nil {
		return Calendar{}, err
	}
	if c.Version() == Default().Version() {
		return Calendar{}, fmt.Errorf("%w: %q is the built-in calendar", ErrVersionExists, c.Version())
	}
	raw, err := json.Marshal(c.Data())
	if err != nil {
		return Calendar{}, fmt.Errorf("workday: encode calendar: %w", err)
	}
	var createdBy *int64
	if actorID != 0 {
		createdBy = &actorID
	}
	// data is sent as text, not []byte: under the simple protocol pgx would send []byte as bytea.
	const q = `INSERT INTO workday_calendar_versions (version, data, created_by) VALUES ($1, $2::jsonb, $3)`
	if _, err := s.db.Exec(ctx, q, c.Version(), string(raw), createdBy); err != nil {
		if isUniqueViolation(err) {
			return Calendar{}, fmt.Errorf("%w: %q", ErrVersionExists, c.Version())
		}
		return Calendar{}, fmt.Errorf("workday: save calendar %q: %w", c.Version(), err)
	}
	return c, nil
}

// isUniqueViolation reports a PostgreSQL unique_violation (SQLSTATE 23505); the only unique
// column besides the serial id is version.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
