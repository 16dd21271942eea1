// Package opendata serves what canyu publishes to everyone, for people who
// build on it: a change feed over every public collection (ListChanges) and
// the daily bulk export (exports.go). What is public is decided in one place,
// the open_* views of migration 00060, which mirror the services' own rules;
// this package reads them and writes only its own tables.
package opendata

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Service is the open-data use cases.
type Service struct {
	DB *pgxpool.Pool
	// Now is the clock (tests inject one).
	Now func() time.Time
}

// New returns a Service on the database.
func New(db *pgxpool.Pool) *Service {
	return &Service{DB: db, Now: time.Now}
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
