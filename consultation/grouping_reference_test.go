package consultation

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// referenceFingerprint is the fingerprint as it was first written (a map of
// shingles, hash/fnv, encoding/binary), kept to hold the faster one to it:
// stored signatures and LSH buckets are compared with new comments' for as
// long as a decision lives, so not one bit of them may change.
func referenceFingerprint(body string) (signature, buckets []int64) {
	n := NormalizeComment(body)
	if utf8.RuneCountInString(n) < MinNearDuplicateRunes {
		return nil, nil
	}
	fnv64 := func(s string) uint64 {
		h := fnv.New64a()
		h.Write([]byte(s))
		return h.Sum64()
	}
	runes := []rune(n)
	set := map[uint64]struct{}{}
	for i := 0; i+ShingleSize <= len(runes); i++ {
		set[fnv64(string(runes[i:i+ShingleSize]))] = struct{}{}
	}
	sig := make([]uint64, MinHashSize)
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	for sh := range set {
		for i := range sig {
			if v := splitmix64(sh ^ (uint64(i+1) * 0xd6e8feb86659fd93)); v < sig[i] {
				sig[i] = v
			}
		}
	}
	signature = make([]int64, MinHashSize)
	for i, v := range sig {
		signature[i] = int64(v)
	}
	var buf [8]byte
	for b := range LSHBands {
		h := fnv.New64a()
		binary.BigEndian.PutUint64(buf[:], uint64(b))
		h.Write(buf[:])
		for _, v := range signature[b*LSHRows : (b+1)*LSHRows] {
			binary.BigEndian.PutUint64(buf[:], uint64(v))
			h.Write(buf[:])
		}
		buckets = append(buckets, int64(h.Sum64()))
	}
	return signature, buckets
}

// TestFingerprintMatchesReference: campaign copies, the distinct opinions,
// random mixes of Chinese, ASCII, full-width, emoji, combining marks and
// invalid UTF-8 give the same signature and buckets as the reference.
func TestFingerprintMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 9))
	texts := slices.Clone(DistinctOpinions)
	for range 300 {
		texts = append(texts, CampaignCopy(rng, CampaignTemplate))
	}
	alphabet := []string{"课", "后", "服", "务", "收", "费", "Ａ", "ｂ", "1", "２", "😀", "e\u0301", "\xff", "\xe4\xbd", " ", "！", "\u2028", "a"}
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(60) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	long := 0
	for _, s := range texts {
		sig, buckets := referenceFingerprint(s)
		fp := fingerprintComment(s)
		if !slices.Equal(fp.signature, sig) || !slices.Equal(fp.buckets, buckets) {
			t.Fatalf("fingerprint of %q differs from the reference", s)
		}
		if sig != nil {
			long++
		}
	}
	if long < 1000 {
		t.Fatalf("only %d texts long enough to carry a signature", long)
	}
	// Shorter than a shingle: the text itself is the one shingle.
	for _, s := range []string{"", "课", "\xff"} {
		if got := shingles(s, 2); len(got) != 1 {
			t.Fatalf("shingles(%q) = %v", s, got)
		}
	}
}

// BenchmarkFingerprint compares the fingerprint the checkpoint computes for
// every comment with the reference it replaced (issue 12: the checkpoint's
// share of a comment flood).
func BenchmarkFingerprint(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	texts := slices.Clone(DistinctOpinions)
	for range 50 {
		texts = append(texts, CampaignCopy(rng, CampaignTemplate))
	}
	b.Run("now", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			fingerprintComment(texts[i%len(texts)])
		}
	})
	b.Run("reference", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			referenceFingerprint(texts[i%len(texts)])
		}
	})
}
