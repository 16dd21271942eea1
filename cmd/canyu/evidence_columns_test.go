package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/pgtest"
)

// notContent lists, per table the record binds, the columns its evidence
// hasher deliberately does not read, each with the reason. Every other
// column must be read: the record binds what the platform serves and the
// gates read (DOMAIN.md, the process record), and a column left out of the
// hash can be rewritten behind the service's back without verification
// noticing (the meeting's attendees and absences, migrations 00030 and
// 00110; a proposal's organisation, migration 00108).
//
// The hearing package binds the canonical content of what it serves
// (hashHearing: the public view) rather than every column; the columns
// below marked "not caught" are served or read all the same, and a rewrite
// of them is not caught by `record verify` (reported, left to the hearing
// package).
var notContent = map[string]map[string]string{
	"hearing_applications": {
		"account_id":  "who applied: the actor of the entry that binds the row, which the entry hash covers",
		"public_name": "the applicant's chosen name, personal data kept out of the hash by design (hashApplication) so it can be erased",
		"statement":   "the applicant's statement, personal data kept out of the hash by design, as public_name",
		"created_at":  "when the application was made: the time the binding entry records (recorded_at), in the entry hash",
		"hearing_id":  "the hearing is named in the binding entry's payload (hearing_id); not caught: the row moved to another hearing",
		"selected": "the draw's result, written after the application was bound: the draw entry's payload holds it (result) and " +
			"GetHearingDraw recomputes it from the revealed seed; not caught: the row's flag rewritten",
		"draw_rank": "the draw's result, as selected; not caught: the row's rank rewritten",
		"withdrawn_by": "who withdrew the application: the actor of the withdrawal's entry that binds the row (its payload says " +
			"whether the lead unit did)",
		"withdraw_reason": "the reason given for withdrawing: not served (the applicant's own words, kept out like statement); " +
			"not caught: the reason rewritten",
		"promoted_at": "when an alternate took a withdrawn participant's seat: the time the replacement's entry records " +
			"(recorded_at), in the entry hash; not caught: the row's time rewritten, which the list serves",
	},
	"hearing_requirements": {
		"set_by":    "who flagged the hearing requirement: the actor of the entry that binds the row; not served",
		"waived_by": "who waived it: the actor of the waiver's entry; not served",
	},
	"hearing_signatures": {
		"signed_by": "who recorded the signature: the actor of the entry that binds the row",
		"signed_at": "when: the time the binding entry records (recorded_at); not caught: the row's time rewritten, " +
			"which the participants list serves",
	},
	"theme_analyses": {
		"last_comment_id": "the last comment the incremental joiner placed with the analysis, advanced after the analysis is " +
			"bound and by no recorded step; bookkeeping of the joiner, not served; not caught: the cursor rewritten",
	},
	"offline_opinions": {
		"decided_by": "who answered the opinion: the actor of the answer's entry; not served",
	},
}

// derivedEvidence lists the registered evidence names that are not tables,
// with what they read.
var derivedEvidence = map[string]string{
	// A group answer (row id: the group's id) binds the answer its comments
	// carry from the group: comment_dispositions rows, whose own evidence
	// (comment_dispositions) is checked for every column.
	"comment_group_dispositions": "the dispositions of a group's comments",
}

// TestEvidenceHashersReadEveryColumn checks, for every table registered
// for evidence in this program, that the hasher new entries are bound with
// reads each of the table's columns (information_schema), or that the
// column is listed in notContent with its reason. A column added by a
// later migration then fails here until the hasher reads it (under a new
// content form, record.RegisterEvidenceForm) or it is listed.
//
// Whether a hasher reads a column is seen by PostgreSQL's column
// privileges: the hasher runs as a role that may read every column of the
// table but that one, and reads it exactly when it is refused
// (insufficient_privilege). The privileges are checked when a statement
// starts, so no row is needed. Reading is necessary, not sufficient, for
// the column to be in the hash; the tampering tests check the hash.
func TestEvidenceHashersReadEveryColumn(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	var b [6]byte
	rand.Read(b[:])
	role := pgx.Identifier{"canyu_evidence_probe_" + hex.EncodeToString(b[:])}.Sanitize()
	// Roles belong to the whole server: a name of its own, dropped after.
	if _, err := db.Exec(ctx, `CREATE ROLE `+role+` NOLOGIN; GRANT USAGE ON SCHEMA public TO `+role+`;
		GRANT SELECT ON ALL TABLES IN SCHEMA public TO `+role); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec(ctx, `DROP OWNED BY `+role+`; DROP ROLE `+role); err != nil {
			t.Errorf("drop the probe role: %v", err)
		}
	})

	hashers := record.EvidenceHashers()
	if len(hashers) < 20 {
		t.Fatalf("only %d tables registered for evidence: is a registering package not linked?", len(hashers))
	}
	tables := make([]string, 0, len(hashers))
	for table := range hashers {
		tables = append(tables, table)
	}
	sort.Strings(tables)
	refused := func(err error) bool {
		var pg *pgconn.PgError
		return errors.As(err, &pg) && pg.Code == "42501"
	}
	// probe runs the table's hasher as the role, allowed to read the table's
	// columns but hidden, and returns the hasher's error.
	probe := func(table string, columns []string, hidden string) error {
		errRollback := errors.New("rollback")
		var hashErr error
		err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
			t := pgx.Identifier{table}.Sanitize()
			if _, err := tx.Exec(ctx, `REVOKE SELECT ON `+t+` FROM `+role); err != nil {
				return err
			}
			var allowed []string
			for _, c := range columns {
				if c != hidden {
					allowed = append(allowed, pgx.Identifier{c}.Sanitize())
				}
			}
			if len(allowed) > 0 && hidden != "" {
				if _, err := tx.Exec(ctx, `GRANT SELECT (`+strings.Join(allowed, ", ")+`) ON `+t+` TO `+role); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `SET LOCAL ROLE `+role); err != nil {
				return err
			}
			_, hashErr = hashers[table](ctx, tx, 0)
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			return err
		}
		return hashErr
	}
	var unread []string
	for _, table := range tables {
		var columns []string
		rows, err := db.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1
			ORDER BY ordinal_position`, table)
		if err == nil {
			columns, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(columns) == 0 {
			if derivedEvidence[table] == "" {
				t.Errorf("%s is registered for evidence but is no table: list it in derivedEvidence with what it reads", table)
			}
			continue
		}
		for c := range notContent[table] {
			if !slices.Contains(columns, c) {
				t.Errorf("notContent lists %s.%s, which the table does not have", table, c)
			}
		}
		// Hidden nothing but the whole table, the hasher must be refused:
		// else it does not read the table the way this test can see.
		if err := probe(table, columns, ""); !refused(err) {
			t.Errorf("%s: the hasher is not refused without any privilege on the table (%v)", table, err)
			continue
		}
		for _, c := range columns {
			err := probe(table, columns, c)
			switch {
			case refused(err):
				if reason, listed := notContent[table][c]; listed {
					t.Errorf("%s.%s is read by the hasher but listed as not content (%s)", table, c, reason)
				}
			case notContent[table][c] != "":
			default:
				unread = append(unread, table+"."+c)
			}
		}
	}
	if len(unread) > 0 {
		t.Errorf("columns the evidence hashers do not read, so a rewrite of them is not caught by `record verify`; "+
			"read them (a new content form of the table's evidence) or list them in notContent with the reason:\n  %s",
			strings.Join(unread, "\n  "))
	}
}
