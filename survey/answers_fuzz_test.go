package survey

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/canyu-gov/canyu/internal/errs"
)

// fuzzQuestions is a fixed survey with one question of every kind, a
// condition and a sensitive question: what FuzzSurveyAnswers validates against.
func fuzzQuestions() []Question {
	f := func(v float64) *float64 { return &v }
	opts := func(ids ...string) []Option {
		out := make([]Option, len(ids))
		for i, id := range ids {
			out[i] = Option{ID: id, Label: "选项" + id}
		}
		return out
	}
	return []Question{
		{ID: 1, Kind: KindSingleChoice, Title: "居住区", Required: true, Config: Config{Options: opts("o1", "o2", "o3"), AllowOther: true}},
		{ID: 2, Kind: KindMultipleChoice, Title: "关注", Config: Config{Options: opts("o1", "o2", "o3", "o4"), MinChoices: 1, MaxChoices: 3}},
		{ID: 3, Kind: KindScale, Title: "满意度", Required: true, Config: Config{ScaleMin: 0, ScaleMax: 10}},
		{ID: 4, Kind: KindMatrix, Title: "评价", Config: Config{ScaleMin: 1, ScaleMax: 5, Rows: opts("r1", "r2")}},
		{ID: 5, Kind: KindText, Title: "建议", Config: Config{MaxLength: 50}},
		{ID: 6, Kind: KindNumber, Title: "通勤", Config: Config{NumberMin: f(0), NumberMax: f(5), Integer: true}},
		{ID: 7, Kind: KindRanking, Title: "排序", Config: Config{Options: opts("o1", "o2", "o3")}},
		{ID: 8, Kind: KindText, Title: "反对理由", Config: Config{MaxLength: 20}, Condition: &Condition{QuestionID: 1, OptionIDs: []string{"o2"}}},
		{ID: 9, Kind: KindSingleChoice, Title: "收入", Sensitive: true, Config: Config{Options: opts("o1", "o2")}},
	}
}

// fuzzAnswer is an answer as the API receives it: the question's id beside
// the Answer's own JSON fields.
type fuzzAnswer struct {
	QuestionID int64 `json:"question_id"`
	Answer
}

// FuzzSurveyAnswers checks ValidateResponse against a fixed question set for
// any response a client might send: no panic; the same input gets the same
// refusal code every time; a refusal is a KindInvalid error with a code and
// every field error names the answers; accepted answers only answer known,
// visible questions, are storable (valid UTF-8, no NUL: PostgreSQL jsonb
// refuses \u0000) and, sent again, are accepted unchanged.
func FuzzSurveyAnswers(f *testing.F) {
	for _, s := range []string{
		`[{"question_id":1,"choices":["o1"]},{"question_id":3,"value":5}]`,
		`[{"question_id":1,"choices":["o2"]},{"question_id":3,"value":0},{"question_id":8,"text":"太远"}]`,
		`[{"question_id":1,"choices":["other"],"other_text":"x"},{"question_id":3,"value":10},{"question_id":4,"rows":{"r1":1,"r2":5}}]`,
		`[{"question_id":1,"choices":["o1"]},{"question_id":3,"value":3},{"question_id":7,"ranking":["o3","o1","o2"]},{"question_id":6,"number":2}]`,
		`[{"question_id":1,"choices":["o1","o1"]},{"question_id":3,"value":11}]`,
		`[{"question_id":1,"choices":["o1"]},{"question_id":3,"value":1},{"question_id":8,"text":"x"}]`,
		`[{"question_id":9,"choices":["o1"]},{"question_id":99}]`,
		`[{"question_id":5,"text":"<script>alert(1)</script>"},{"question_id":6,"number":1.5}]`,
		`[{"question_id":2,"choices":[]},{"question_id":2,"choices":["o1"]}]`,
		`[{"question_id":1,"choices":["other"],"other_text":"\u0000"},{"question_id":3,"value":2},{"question_id":5,"text":"a\u0000\udc00"}]`,
		`[]`, `null`, `[{}]`,
	} {
		f.Add(s, false)
	}
	f.Add(`[{"question_id":1,"choices":["o1"]},{"question_id":3,"value":1},{"question_id":9,"choices":["o2"]}]`, true)
	qs := fuzzQuestions()
	f.Fuzz(func(t *testing.T, body string, consent bool) {
		var wire []fuzzAnswer
		if json.Unmarshal([]byte(body), &wire) != nil {
			return
		}
		in := make([]Answer, len(wire))
		for i, w := range wire {
			in[i] = w.Answer
			in[i].QuestionID = w.QuestionID
		}
		got, err := ValidateResponse(qs, in, consent)
		got2, err2 := ValidateResponse(qs, in, consent)
		if errCode(err) != errCode(err2) || !reflect.DeepEqual(got, got2) {
			t.Fatalf("not deterministic: %v / %v", err, err2)
		}
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.KindInvalid || e.Code == "" || len(e.Fields) == 0 {
				t.Fatalf("refusal is not an invalid error with a code and fields: %#v", err)
			}
			for _, fe := range e.Fields {
				if !strings.HasPrefix(fe.Field, "answers") {
					t.Fatalf("field error on %q", fe.Field)
				}
			}
			return
		}
		var again []Answer
		for _, q := range qs {
			a, ok := got[q.ID]
			if !ok {
				continue
			}
			if a.QuestionID != q.ID {
				t.Fatalf("answer under %d says question %d", q.ID, a.QuestionID)
			}
			for _, s := range append([]string{a.Text, a.OtherText}, a.Choices...) {
				if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
					t.Fatalf("accepted answer to %d not storable: %q", q.ID, s)
				}
			}
			again = append(again, a)
		}
		for id := range got {
			if id < 1 || id > int64(len(qs)) {
				t.Fatalf("accepted an answer to unknown question %d", id)
			}
		}
		re, err := ValidateResponse(qs, again, consent)
		if err != nil {
			t.Fatalf("accepted answers refused when sent again: %v", err)
		}
		if !reflect.DeepEqual(re, got) {
			t.Fatalf("accepted answers changed when sent again:\n%+v\n%+v", got, re)
		}
	})
}

func errCode(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "?" + err.Error()
	}
	return ""
}
