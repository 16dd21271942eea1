// Package record is the process record (决策档案, Decree 713 Art. 33, 38–41):
// an append-only hash chain of entries per decision, signed sign-offs,
// checkpoints, the archive and its verification. It imports nothing of the
// domain: consultation and the packages beside it (hearings, the catalogue,
// themes, supervision) append through Appender.
package record

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Kind names a kind of process-record entry (e.g. "hearing_notice_published").
// Each package declares the kinds it writes as constants of its own.
type Kind string

// Actor is who took a step: an account and its role, or the system (nil
// AccountID, Role "system").
type Actor struct {
	AccountID *int64
	Role      string
}

// System is the actor of scheduled steps.
var System = Actor{Role: "system"}

// Evidence binds an entry to a row that another part of the platform reads
// and serves (an opinion, a disposition, a hearing record): the row's table,
// its id and the SHA-256 hex of its canonical content. Verification re-reads
// the row through the hasher registered for the table and names the entry,
// the table and the row when they differ.
type Evidence struct {
	Table       string `json:"table"`
	RowID       int64  `json:"row_id"`
	ContentHash string `json:"content_hash"`
	// Form is the form of the row's canonical content that ContentHash is
	// taken over: which of the table's hashers bound it
	// (RegisterEvidenceForm). 0, left out of the payload as every entry
	// written before forms existed leaves it, is the table's first form.
	Form int `json:"content_form,omitempty"`
}

// Appender appends one entry to a decision's record inside the caller's
// transaction, so the entry exists exactly when the step it records
// commits. The implementation orders entries per decision itself; callers
// need no lock of their own. payload is encoded as canonical JSON.
type Appender interface {
	Append(ctx context.Context, tx pgx.Tx, decisionID int64, actor Actor, kind Kind, payload any, evidence ...Evidence) error
}
