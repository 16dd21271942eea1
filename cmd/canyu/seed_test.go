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
	env := envFunc(map[string]string{"CANYU_DATABASE_URL": url})
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
	var articles int
	db.QueryRow(context.Background(), `SELECT count(*) FROM draft_articles`).Scan(&articles)
	if articles < 25 {
		t.Errorf("only %d articles", articles)
	}
}
