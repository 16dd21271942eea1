package main

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/pgtest"
)

func TestSeedDemo(t *testing.T) {
	url := pgtest.NewURL(t)
	env := envFunc(map[string]string{"CANYU_DATABASE_URL": url, "CANYU_DATA_DIR": t.TempDir()})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed", "--demo"}, env, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	// Once is enough: a second run refuses, --if-empty does nothing.
	if err := run(context.Background(), []string{"seed", "--demo"}, env, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("seeding twice accepted")
	}
	if err := run(context.Background(), []string{"seed", "--demo", "--if-empty"}, env, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	db, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// One city: every other government is governed from above. A township
	// without a parent counted as a city, whose supervision office governs
	// the city's decisions (outside check sup).
	var cities []string
	crows, _ := db.Query(context.Background(), `SELECT code FROM agencies WHERE kind = 'government' AND parent_id IS NULL ORDER BY code`)
	for crows.Next() {
		var c string
		crows.Scan(&c)
		cities = append(cities, c)
	}
	if len(cities) != 1 || cities[0] != "pds-gov" {
		t.Errorf("governments without a parent in the demo: %v, want only the city's pds-gov", cities)
	}
	rows, _ := db.Query(context.Background(), `SELECT domain, status FROM decisions`)
	domains := map[string]bool{}
	stages := map[string]int{}
	for rows.Next() {
		var d, s string
		rows.Scan(&d, &s)
		domains[d] = true
		stages[s]++
	}
	for _, d := range consultation.Domains {
		if d != consultation.DomainOther && !domains[string(d)] {
			t.Errorf("no demo decision in domain %s", d)
		}
	}
	if stages["drafting"] == 0 || stages["consulting"] == 0 || stages["handling"] == 0 {
		t.Errorf("demo stages: %v", stages)
	}
	// Issue 13: the life of a decision before and after the procedure.
	if stages["in_effect"] == 0 {
		t.Errorf("no decision in effect: %v", stages)
	}
	for _, q := range []string{
		`SELECT count(*) FROM catalogues WHERE status = 'published'`,
		`SELECT count(*) FROM catalogue_adjustments WHERE status = 'requested'`,
		`SELECT count(*) FROM decision_proposals WHERE status = 'not_accepted'`,
		`SELECT count(*) FROM decision_proposals WHERE status = 'pending'`,
		`SELECT count(*) FROM decision_initiations`,
		`SELECT count(*) FROM catalogue_items WHERE decision_id IS NOT NULL`,
		`SELECT count(*) FROM meeting_members m JOIN agencies a ON a.id = m.decision_body_id WHERE a.code = 'pds-jdz'`,
		`SELECT count(*) FROM implementation_reports`,
		`SELECT count(*) FROM post_evaluations WHERE outcome = 'adjust'`,
		`SELECT count(*) FROM decision_adjustments WHERE new_decision_id IS NOT NULL`,
		// Issue 17: every stage of participation filled.
		`SELECT count(*) FROM comment_dispositions WHERE cardinality(changed_articles) > 0`,
		`SELECT count(*) FROM comment_groups g WHERE (SELECT count(*) FROM comments c WHERE c.group_id = g.id) >= 5`,
		`SELECT count(*) FROM surveys s WHERE s.status = 'closed' AND s.results_public_after_close
			AND (SELECT count(*) FROM survey_responses r WHERE r.survey_id = s.id) >= 10`,
		`SELECT count(*) FROM legal_opinions`,
		`SELECT count(*) FROM adoption_reports WHERE published_at IS NOT NULL`,
		`SELECT count(*) FROM decisions d WHERE d.status IN ('published', 'in_effect')
			AND (SELECT count(*) FROM draft_versions v WHERE v.decision_id = d.id) = 2`,
		`SELECT count(*) FROM comments c JOIN decisions d ON d.id = c.decision_id
			WHERE d.status = 'consulting' AND c.status = 'published'`,
	} {
		var n int
		if err := db.QueryRow(context.Background(), q).Scan(&n); err != nil || n == 0 {
			t.Errorf("%s: %d %v", q, n, err)
		}
	}
	var articles int
	db.QueryRow(context.Background(), `SELECT count(*) FROM draft_articles`).Scan(&articles)
	if articles < 25 {
		t.Errorf("only %d articles", articles)
	}
}
