package consultation

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/canyu-gov/canyu/internal/errs"
)

// FuzzCommentInput checks the pure part of a comment submission for any
// input a resident or a script might send: cleanCommentInput never panics,
// refuses or accepts deterministically with a stable code, and what it
// accepts is storable (valid UTF-8, no NUL, within the limits) and accepted
// again unchanged; NormalizeComment is idempotent and yields no space or
// punctuation; the fingerprint is deterministic; shingle similarity is
// symmetric, within [0, 1] and 1 for a text with itself.
func FuzzCommentInput(f *testing.F) {
	// Short seeds: long ones make the fuzzer spend its budget minimising.
	for _, s := range []struct{ body, anchor, stance, key string }{
		{"我反对！收费标准２００元太高。", "", "oppose", "k1"},
		{"第三条应当删除", "a-3", "suggestion", ""},
		{"同意", "", "support", "x"},
		{"  ", "", "", ""},
		{"\x00\xff\xfe", "a\x00", "support ", "\x00"},
		{"<script>alert(1)</script>", "\"><img src=x>", "oppose", "' OR 1=1 --"},
		{"\u202e反对\u202c", "", "neutral", strings.Repeat("k", 256)},
		{"Ａ１①ｶ", "", "", ""},
	} {
		f.Add(s.body, s.anchor, s.stance, s.key, false)
	}
	f.Fuzz(func(t *testing.T, body, anchor, stance, key string, showName bool) {
		in := CommentInput{Body: body, ArticleAnchor: anchor, Stance: stance, IdempotencyKey: key, ShowName: showName}
		out, err := cleanCommentInput(in)
		out2, err2 := cleanCommentInput(in)
		if code(err) != code(err2) || (err == nil && out != out2) {
			t.Fatalf("not deterministic: %v / %v", err, err2)
		}
		if err != nil {
			var e *errs.Error
			if !errsAs(err, &e) || e.Code == "" || e.Kind != errs.KindInvalid {
				t.Fatalf("refusal is not an invalid-field error with a code: %#v", err)
			}
		} else {
			if !utf8.ValidString(out.Body) || strings.ContainsRune(out.Body, 0) {
				t.Fatalf("accepted body not storable: %q", out.Body)
			}
			if n := utf8.RuneCountInString(out.Body); n == 0 || n > MaxCommentRunes {
				t.Fatalf("accepted body of %d runes", n)
			}
			if out.Stance != "" && CommentStanceNames[out.Stance] == "" {
				t.Fatalf("accepted stance %q", out.Stance)
			}
			again, err := cleanCommentInput(out)
			if err != nil || again != out {
				t.Fatalf("accepted input not accepted again unchanged: %v, %+v != %+v", err, again, out)
			}
		}

		n := NormalizeComment(body)
		if NormalizeComment(n) != n {
			t.Fatalf("NormalizeComment not idempotent: %q -> %q -> %q", body, n, NormalizeComment(n))
		}
		if strings.ContainsAny(n, " \t\n，。！？,.!?") {
			t.Fatalf("normalised text keeps space or punctuation: %q", n)
		}
		fp, fp2 := fingerprintComment(body), fingerprintComment(body)
		if fp.hash != fp2.hash || len(fp.signature) != len(fp2.signature) || len(fp.buckets) != len(fp2.buckets) {
			t.Fatal("fingerprint not deterministic")
		}
		for i := range fp.signature {
			if fp.signature[i] != fp2.signature[i] {
				t.Fatal("signature not deterministic")
			}
		}
		if fp.signature != nil {
			if s := signatureSimilarity(fp.signature, fp.signature); s != 1 {
				t.Fatalf("self-similarity %v", s)
			}
			other := fingerprintComment(anchor + body + stance)
			if other.signature != nil {
				a, b := signatureSimilarity(fp.signature, other.signature), signatureSimilarity(other.signature, fp.signature)
				if a != b || a < 0 || a > 1 {
					t.Fatalf("similarity %v / %v", a, b)
				}
			}
		}
		for _, k := range []int{1, ShingleSize, 3} {
			sh := shingles(n, k)
			if n != "" && len(sh) == 0 {
				t.Fatalf("no shingles of %q", n)
			}
		}
	})
}

func code(err error) string {
	if err == nil {
		return ""
	}
	var e *errs.Error
	if errsAs(err, &e) {
		return e.Code
	}
	return "?" + err.Error()
}

func errsAs(err error, target **errs.Error) bool {
	e, ok := err.(*errs.Error)
	if ok {
		*target = e
	}
	return ok
}
