package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/internal/pgtest"
)

// TestRecordVerifyCatchesRewrittenFeedback rewrites, in the demo city,
// residents' implementation feedback (Decree 713 Art. 35; its count can
// trigger a post-evaluation, Art. 36): a text with its hash changed to
// match, and a feedback row added with no entry. The entry of each holds
// the text's SHA-256, and `record verify` must name the decision.
func TestRecordVerifyCatchesRewrittenFeedback(t *testing.T) {
	cases := []struct{ name, tamper, want string }{
		{"TextAndHash", `UPDATE implementation_feedback SET body = '执行很好，没有问题。', body_hash = encode(sha256(convert_to('执行很好，没有问题。', 'UTF8')), 'hex')
			WHERE id = (SELECT min(id) FROM implementation_feedback)`, "implementation_feedback_received"},
		{"Added", `INSERT INTO implementation_feedback (decision_id, account_id, body, body_hash, client_addr, created_at)
			SELECT decision_id, account_id, '补充意见。', encode(sha256(convert_to('补充意见。', 'UTF8')), 'hex'), '', created_at
			FROM implementation_feedback ORDER BY id LIMIT 1`, "no implementation_feedback_received entry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := pgtest.NewURL(t)
			env := envFunc(map[string]string{"CANYU_DATABASE_URL": url, "CANYU_DATA_DIR": t.TempDir()})
			if err := run(context.Background(), []string{"seed", "--demo"}, env, nil, io.Discard, io.Discard); err != nil {
				t.Fatal(err)
			}
			db, err := pgxpool.New(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			verify := func() string {
				t.Helper()
				var out bytes.Buffer
				run(context.Background(), []string{"record", "verify"}, env, strings.NewReader(""), &out, io.Discard)
				return out.String()
			}
			if out := verify(); strings.Contains(out, "BROKEN") {
				t.Fatalf("intact demo city:\n%s", out)
			}
			if _, err := db.Exec(context.Background(), c.tamper); err != nil {
				t.Fatal(err)
			}
			if out := verify(); !strings.Contains(out, "BROKEN") || !strings.Contains(out, c.want) {
				t.Fatalf("want a broken record naming %q:\n%s", c.want, out)
			}
		})
	}
}
