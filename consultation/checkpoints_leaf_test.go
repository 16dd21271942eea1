package consultation

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation/record"
)

// TestCommentLeafCanonical holds the directly written leaf to what
// record.CanonicalJSON makes of the same leaf, byte for byte: every
// checkpoint ever sealed was hashed over the latter, so one byte of
// difference would break their verification.
func TestCommentLeafCanonical(t *testing.T) {
	ptr := func(s string) *string { return &s }
	strs := []string{"", "a", "第三条", "YJ-20260305-ABCDEFGH", `say "hi"`, `back\slash`, "<b>&amp;</b>", "line\nbreak\ttab\r",
		"\x00\x01\x1f\x7f", "\u2028\u2029", "bad \xff utf-8", "emoji 😀", "ｆｕｌｌ　ｗｉｄｔｈ", "a/b"}
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2026, 3, 5, 8, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	for i := range 2000 {
		l := commentLeaf{ID: rng.Int64N(1 << 40), Receipt: strs[rng.IntN(len(strs))], DecisionID: rng.Int64N(1 << 20),
			VersionID: rng.Int64N(1 << 20), AccountID: rng.Int64N(1<<40) - 1<<39, BodyHash: strs[rng.IntN(len(strs))],
			CreatedAt: at.Add(time.Duration(rng.Int64N(1 << 50)))}
		if i%3 != 0 {
			l.ArticleAnchor = ptr(strs[rng.IntN(len(strs))])
		}
		if i%4 != 0 {
			l.Stance = ptr(strs[rng.IntN(len(strs))])
		}
		l.CreatedAtText = l.CreatedAt.UTC().Format(leafTime)
		want, err := record.CanonicalJSON(l)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.canonical(nil); string(got) != string(want) {
			t.Fatalf("leaf %d:\n got %s\nwant %s", i, got, want)
		}
		if l.leaf().Hash != record.LeafHash(l) {
			t.Fatalf("leaf %d: hash differs from record.LeafHash", i)
		}
	}
}
