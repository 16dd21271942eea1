package survey

import (
	"slices"
	"testing"

	"github.com/canyu-gov/canyu/internal/errs"
)

func ptr[T any](v T) *T { return &v }

func opts(ids ...string) []Option {
	out := make([]Option, len(ids))
	for i, id := range ids {
		out[i] = Option{ID: id, Label: "选项" + id}
	}
	return out
}

// testQuestions is one question of every kind; 8 and 9 are shown only when
// question 1 is answered "b", 9 is sensitive.
func testQuestions() []Question {
	return []Question{
		{ID: 1, Kind: KindSingleChoice, Title: "您的孩子是否在读", Required: true, Config: Config{Options: opts("a", "b"), AllowOther: true}},
		{ID: 2, Kind: KindMultipleChoice, Title: "关注的问题", Config: Config{Options: opts("x", "y", "z"), MinChoices: 1, MaxChoices: 2, AllowOther: true}},
		{ID: 3, Kind: KindScale, Title: "满意度", Config: Config{ScaleMin: 1, ScaleMax: 5}},
		{ID: 4, Kind: KindMatrix, Title: "各项评价", Config: Config{ScaleMin: 0, ScaleMax: 10, Rows: opts("r1", "r2")}},
		{ID: 5, Kind: KindText, Title: "建议", Config: Config{MaxLength: 10}},
		{ID: 6, Kind: KindNumber, Title: "通勤分钟数", Config: Config{NumberMin: ptr(0.0), NumberMax: ptr(300.0), Integer: true}},
		{ID: 7, Kind: KindRanking, Title: "排序", Config: Config{Options: opts("p", "q", "r")}},
		{ID: 8, Kind: KindNumber, Title: "孩子年级（可填小数学年）", Condition: &Condition{QuestionID: 1, OptionIDs: []string{"b"}}},
		{ID: 9, Kind: KindText, Title: "孩子的健康状况", Sensitive: true, Config: Config{MaxLength: 100},
			Condition: &Condition{QuestionID: 1, OptionIDs: []string{"b"}}},
	}
}

func TestValidateResponse(t *testing.T) {
	base := func(extra ...Answer) []Answer {
		return append([]Answer{{QuestionID: 1, Choices: []string{"a"}}}, extra...)
	}
	b := Answer{QuestionID: 1, Choices: []string{"b"}}
	cases := []struct {
		name    string
		answers []Answer
		consent bool
		code    string // "" when valid
	}{
		{"only the required question", base(), false, ""},
		{"required missing", nil, false, "answer_required"},
		{"unknown question", base(Answer{QuestionID: 99, Text: "x"}), false, "answer_question_unknown"},
		{"duplicate answer", base(Answer{QuestionID: 1, Choices: []string{"a"}}), false, "answer_duplicate"},
		{"empty answer is no answer", base(Answer{QuestionID: 5}), false, ""},

		{"single: unknown option", []Answer{{QuestionID: 1, Choices: []string{"c"}}}, false, "answer_option_unknown"},
		{"single: two options", []Answer{{QuestionID: 1, Choices: []string{"a", "b"}}}, false, "answer_too_many_choices"},
		{"single: other with text", []Answer{{QuestionID: 1, Choices: []string{"other"}, OtherText: "寄宿"}}, false, ""},
		{"single: other without text", []Answer{{QuestionID: 1, Choices: []string{"other"}, OtherText: "  "}}, false, "answer_other_text_required"},
		{"single: text without other", []Answer{{QuestionID: 1, Choices: []string{"a"}, OtherText: "x"}}, false, "answer_wrong_type"},
		{"single: value instead of choice", []Answer{{QuestionID: 1, Value: ptr(1)}}, false, "answer_wrong_type"},

		{"multiple: within limits", base(Answer{QuestionID: 2, Choices: []string{"x", "z"}}), false, ""},
		{"multiple: too many", base(Answer{QuestionID: 2, Choices: []string{"x", "y", "z"}}), false, "answer_too_many_choices"},
		{"multiple: repeated option", base(Answer{QuestionID: 2, Choices: []string{"x", "x"}}), false, "answer_option_unknown"},
		{"multiple: other counts as a choice", base(Answer{QuestionID: 2, Choices: []string{"x", "other"}, OtherText: "停车"}), false, ""},

		{"scale: lowest", base(Answer{QuestionID: 3, Value: ptr(1)}), false, ""},
		{"scale: highest", base(Answer{QuestionID: 3, Value: ptr(5)}), false, ""},
		{"scale: below", base(Answer{QuestionID: 3, Value: ptr(0)}), false, "answer_out_of_range"},
		{"scale: above", base(Answer{QuestionID: 3, Value: ptr(6)}), false, "answer_out_of_range"},

		{"matrix: every row", base(Answer{QuestionID: 4, Rows: map[string]int{"r1": 0, "r2": 10}}), false, ""},
		{"matrix: a row missing", base(Answer{QuestionID: 4, Rows: map[string]int{"r1": 3}}), false, "answer_matrix_incomplete"},
		{"matrix: unknown row", base(Answer{QuestionID: 4, Rows: map[string]int{"r1": 3, "r9": 3}}), false, "answer_option_unknown"},
		{"matrix: out of range", base(Answer{QuestionID: 4, Rows: map[string]int{"r1": 3, "r2": 11}}), false, "answer_out_of_range"},

		{"text: at the limit", base(Answer{QuestionID: 5, Text: "一二三四五六七八九十"}), false, ""},
		{"text: over the limit", base(Answer{QuestionID: 5, Text: "一二三四五六七八九十一"}), false, "answer_too_long"},

		{"number: integer in range", base(Answer{QuestionID: 6, Number: ptr(300.0)}), false, ""},
		{"number: below", base(Answer{QuestionID: 6, Number: ptr(-1.0)}), false, "answer_out_of_range"},
		{"number: above", base(Answer{QuestionID: 6, Number: ptr(300.5)}), false, "answer_out_of_range"},
		{"number: not integer", base(Answer{QuestionID: 6, Number: ptr(12.5)}), false, "answer_not_integer"},

		{"ranking: full order", base(Answer{QuestionID: 7, Ranking: []string{"r", "p", "q"}}), false, ""},
		{"ranking: partial", base(Answer{QuestionID: 7, Ranking: []string{"r", "p"}}), false, "answer_ranking_invalid"},
		{"ranking: repeated", base(Answer{QuestionID: 7, Ranking: []string{"r", "r", "q"}}), false, "answer_ranking_invalid"},

		{"condition: hidden question answered", base(Answer{QuestionID: 8, Number: ptr(3.5)}), false, "answer_to_hidden_question"},
		{"condition: shown question answered (decimal)", []Answer{b, {QuestionID: 8, Number: ptr(3.5)}}, false, ""},
		{"sensitive: without consent", []Answer{b, {QuestionID: 9, Text: "哮喘"}}, false, "sensitive_consent_required"},
		{"sensitive: with consent", []Answer{b, {QuestionID: 9, Text: "哮喘"}}, true, ""},
		{"sensitive: hidden, consent irrelevant", base(Answer{QuestionID: 9, Text: "哮喘"}), true, "answer_to_hidden_question"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ValidateResponse(testQuestions(), c.answers, c.consent)
			if c.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if len(got) == 0 {
					t.Fatal("no answers accepted")
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Code != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
			if len(e.Fields) == 0 {
				t.Fatal("no field named")
			}
		})
	}
}

// TestValidateResponseReportsEveryAnswer: every refused answer is named,
// next to its question, so a form can show each error where it belongs.
func TestValidateResponseReportsEveryAnswer(t *testing.T) {
	_, err := ValidateResponse(testQuestions(), []Answer{{QuestionID: 3, Value: ptr(9)}, {QuestionID: 6, Number: ptr(1.5)}}, false)
	e, _ := errs.As(err)
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	if want := []string{"answers.1", "answers.3", "answers.6"}; !slices.Equal(fields, want) || e.Code != "answer_required" {
		t.Fatalf("fields %v code %s, want %v", fields, e.Code, want)
	}
}

func TestChoicesStoredInQuestionOrder(t *testing.T) {
	got, err := ValidateResponse(testQuestions(), []Answer{{QuestionID: 1, Choices: []string{"a"}},
		{QuestionID: 2, Choices: []string{"other", "y"}, OtherText: " 停车难 "}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if a := got[2]; !slices.Equal(a.Choices, []string{"y", "other"}) || a.OtherText != "停车难" {
		t.Fatalf("stored %+v", a)
	}
}

func TestNormalizeQuestion(t *testing.T) {
	cases := []struct {
		name string
		in   QuestionInput
		code string
	}{
		{"single ok", QuestionInput{Kind: KindSingleChoice, Title: "t", Config: Config{Options: []Option{{Label: "是"}, {Label: "否"}}}}, ""},
		{"unknown kind", QuestionInput{Kind: "essay", Title: "t"}, "question_kind_invalid"},
		{"no title", QuestionInput{Kind: KindText, Title: " "}, "question_title_invalid"},
		{"one option", QuestionInput{Kind: KindSingleChoice, Title: "t", Config: Config{Options: []Option{{Label: "是"}}}}, "question_options_invalid"},
		{"reserved id", QuestionInput{Kind: KindSingleChoice, Title: "t", Config: Config{Options: []Option{{ID: "other", Label: "是"}, {Label: "否"}}}}, "question_options_invalid"},
		{"duplicate id", QuestionInput{Kind: KindRanking, Title: "t", Config: Config{Options: []Option{{ID: "a", Label: "是"}, {ID: "a", Label: "否"}}}}, "question_options_invalid"},
		{"min over max", QuestionInput{Kind: KindMultipleChoice, Title: "t", Config: Config{Options: opts("a", "b", "c"), MinChoices: 3, MaxChoices: 2}}, "question_choice_limits_invalid"},
		{"max over options", QuestionInput{Kind: KindMultipleChoice, Title: "t", Config: Config{Options: opts("a", "b"), MaxChoices: 3}}, "question_choice_limits_invalid"},
		{"scale 0-10", QuestionInput{Kind: KindScale, Title: "t", Config: Config{ScaleMin: 0, ScaleMax: 10}}, ""},
		{"scale reversed", QuestionInput{Kind: KindScale, Title: "t", Config: Config{ScaleMin: 5, ScaleMax: 1}}, "question_scale_invalid"},
		{"matrix without rows", QuestionInput{Kind: KindMatrix, Title: "t", Config: Config{ScaleMin: 1, ScaleMax: 5}}, "question_options_invalid"},
		{"text too long a limit", QuestionInput{Kind: KindText, Title: "t", Config: Config{MaxLength: 5001}}, "question_max_length_invalid"},
		{"number reversed", QuestionInput{Kind: KindNumber, Title: "t", Config: Config{NumberMin: ptr(5.0), NumberMax: ptr(1.0)}}, "question_number_range_invalid"},
		{"condition without options", QuestionInput{Kind: KindText, Title: "t", Condition: &Condition{QuestionID: 1}}, "condition_invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := normalizeQuestion(c.in)
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range q.Config.Options {
					if o.ID == "" {
						t.Fatal("option without id")
					}
				}
				return
			}
			if !errs.HasCode(err, c.code) {
				t.Fatalf("got %v, want %s", err, c.code)
			}
		})
	}
}

func TestCheckConditions(t *testing.T) {
	qs := testQuestions()
	if err := checkConditions(qs); err != nil {
		t.Fatal(err)
	}
	moved := append([]Question{qs[7]}, qs[:7]...) // question 8 before its source
	if err := checkConditions(moved); !errs.HasCode(err, "condition_not_earlier") {
		t.Fatalf("got %v", err)
	}
	onScale := testQuestions()
	onScale[7].Condition = &Condition{QuestionID: 3, OptionIDs: []string{"1"}}
	if err := checkConditions(onScale); !errs.HasCode(err, "condition_not_choice") {
		t.Fatalf("got %v", err)
	}
	unknown := testQuestions()
	unknown[7].Condition = &Condition{QuestionID: 1, OptionIDs: []string{"zz"}}
	if err := checkConditions(unknown); !errs.HasCode(err, "condition_option_unknown") {
		t.Fatalf("got %v", err)
	}
}

func TestSummarizeMedian(t *testing.T) {
	cases := []struct {
		hist         map[float64]int64
		mean, median float64
	}{
		{map[float64]int64{1: 1, 2: 1, 3: 1}, 2, 2},
		{map[float64]int64{1: 1, 2: 1, 3: 1, 4: 1}, 2.5, 2.5},
		{map[float64]int64{1: 3, 5: 1}, 2, 1},
		{map[float64]int64{1: 2, 5: 2}, 3, 3},
		{map[float64]int64{0: 0, 10: 7}, 10, 10},
	}
	for _, c := range cases {
		var n int64
		for _, v := range c.hist {
			n += v
		}
		s := summarize(c.hist, n)
		if s.Mean == nil || *s.Mean != c.mean || *s.Median != c.median {
			t.Errorf("%v: mean %v median %v, want %v %v", c.hist, *s.Mean, *s.Median, c.mean, c.median)
		}
	}
	if s := summarize(map[float64]int64{1: 0}, 0); s.Mean != nil || s.Median != nil {
		t.Error("mean of nothing")
	}
}

// TestSensitiveQuestionNeverBlocksSubmission: a resident who declines the
// separate consent skips the sensitive questions and submits the rest
// (PIPL Art. 16: a service may not be refused because a person does not
// consent to processing it does not need), even where a survey of the
// past marked a sensitive question required; an answer to it still needs
// the consent (Art. 29).
func TestSensitiveQuestionNeverBlocksSubmission(t *testing.T) {
	qs := []Question{
		{ID: 1, Kind: KindSingleChoice, Title: "您是否赞成", Required: true, Config: Config{Options: opts("a", "b")}},
		{ID: 2, Kind: KindText, Title: "孩子的健康状况", Required: true, Sensitive: true, Config: Config{MaxLength: 100}},
	}
	yes := Answer{QuestionID: 1, Choices: []string{"a"}}
	for _, consent := range []bool{false, true} {
		got, err := ValidateResponse(qs, []Answer{yes}, consent)
		if err != nil {
			t.Fatalf("consent %v, sensitive question skipped: refused: %v", consent, err)
		}
		if _, ok := got[2]; ok || len(got) != 1 {
			t.Fatalf("consent %v: stored %+v", consent, got)
		}
	}
	if _, err := ValidateResponse(qs, []Answer{yes, {QuestionID: 2, Text: "哮喘"}}, false); !errs.HasCode(err, "sensitive_consent_required") {
		t.Fatalf("a sensitive answer without the consent: %v", err)
	}
	if _, err := ValidateResponse(qs, nil, false); !errs.HasCode(err, "answer_required") {
		t.Fatalf("the required question that is not sensitive skipped: %v", err)
	}
}

// TestSensitiveQuestionCannotBeRequired: the builder refuses a question
// both sensitive and required, naming PIPL Art. 16, at the field.
func TestSensitiveQuestionCannotBeRequired(t *testing.T) {
	_, err := normalizeQuestion(QuestionInput{Kind: KindText, Title: "孩子的健康状况", Required: true, Sensitive: true})
	e, ok := errs.As(err)
	if !ok || e.Code != "question_sensitive_must_be_optional" || e.Kind != errs.KindInvalid || e.Basis != "PIPL Art. 16" ||
		len(e.Fields) != 1 || e.Fields[0].Field != "required" {
		t.Fatalf("got %#v", err)
	}
	for _, in := range []QuestionInput{{Kind: KindText, Title: "t", Sensitive: true}, {Kind: KindText, Title: "t", Required: true}} {
		if _, err := normalizeQuestion(in); err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
	}
}
