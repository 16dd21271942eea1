package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/width"

	"github.com/canyu-gov/canyu/survey"
)

// The resident's form names its fields after the question id: q12 is the
// answer to question 12 (radio or checkboxes or the text), q12_other the
// "other" text, q12_r1 the value of matrix row r1 and q12_o3 the place
// given to ranking option o3.

func answerName(q *survey.Question) string { return "q" + strconv.FormatInt(q.ID, 10) }

// answerField is the error key the service uses for a question's answer.
func answerField(id int64) string { return "answers." + strconv.FormatInt(id, 10) }

// answerValues are the posted answers, kept to show the form again.
type answerValues url.Values

// Has reports whether value was posted under name (a ticked option).
func (v answerValues) Has(name, value string) bool { return slices.Contains(v[name], value) }

// Get is the first value posted under name.
func (v answerValues) Get(name string) string { return url.Values(v).Get(name) }

// readAnswers turns the posted form into answers. Values the form cannot
// produce (a number that is not one, two options given the same place)
// are reported by question, as the service reports its refusals; anything
// else is left to the service to judge.
func readAnswers(form url.Values, qs []survey.Question) ([]survey.Answer, map[string]string) {
	var out []survey.Answer
	bad := map[string]string{}
	for i := range qs {
		q := &qs[i]
		name := answerName(q)
		a := survey.Answer{QuestionID: q.ID}
		prefix := fmt.Sprintf("第%d题：", i+1)
		switch q.Kind {
		case survey.KindSingleChoice, survey.KindMultipleChoice:
			for _, v := range form[name] {
				if v = strings.TrimSpace(v); v != "" {
					a.Choices = append(a.Choices, v)
				}
			}
			// The "other" text counts only with its option ticked: a text
			// typed and then un-ticked is not an answer.
			if slices.Contains(a.Choices, survey.OtherOptionID) {
				a.OtherText = strings.TrimSpace(form.Get(name + "_other"))
			}
		case survey.KindScale:
			if v := strings.TrimSpace(form.Get(name)); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil {
					bad[answerField(q.ID)] = prefix + "请选择一个分值"
					continue
				}
				a.Value = &n
			}
		case survey.KindMatrix:
			for _, row := range q.Config.Rows {
				v := strings.TrimSpace(form.Get(name + "_" + row.ID))
				if v == "" {
					continue
				}
				n, err := strconv.Atoi(v)
				if err != nil {
					bad[answerField(q.ID)] = prefix + "请为每一行选择分值"
					break
				}
				if a.Rows == nil {
					a.Rows = map[string]int{}
				}
				a.Rows[row.ID] = n
			}
		case survey.KindText:
			a.Text = strings.TrimSpace(form.Get(name))
		case survey.KindNumber:
			// Full-width digits, point and comma (an input method in
			// full-width mode) are folded to ASCII first.
			v := strings.TrimSpace(width.Fold.String(form.Get(name)))
			v = strings.ReplaceAll(v, ",", "")
			if v != "" {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					bad[answerField(q.ID)] = prefix + "请填写数字，例如 12 或 3.5"
					continue
				}
				a.Number = &f
			}
		case survey.KindRanking:
			ranking, msg := readRanking(form, name, q.Config.Options)
			if msg != "" {
				bad[answerField(q.ID)] = prefix + msg
				continue
			}
			a.Ranking = ranking
		}
		out = append(out, a)
	}
	return out, bad
}

// readRanking reads the place chosen for each option: all left empty is no
// answer; otherwise every option needs a different place.
func readRanking(form url.Values, name string, opts []survey.Option) ([]string, string) {
	byPlace := make([]string, len(opts))
	given := 0
	for _, o := range opts {
		v := strings.TrimSpace(form.Get(name + "_" + o.ID))
		if v == "" {
			continue
		}
		given++
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > len(opts) {
			return nil, "请为每个选项选择名次"
		}
		if byPlace[n-1] != "" {
			return nil, fmt.Sprintf("“%s”和“%s”选了同一个名次，请为每个选项选择不同的名次", labelOf(opts, byPlace[n-1]), o.Label)
		}
		byPlace[n-1] = o.ID
	}
	switch {
	case given == 0:
		return nil, ""
	case given < len(opts):
		return nil, "请为每个选项都选择名次"
	}
	return byPlace, ""
}

func labelOf(opts []survey.Option, id string) string {
	for _, o := range opts {
		if o.ID == id {
			return o.Label
		}
	}
	return id
}

// shownAnswers drops the answers to questions a display condition hides,
// as the page's script does by disabling them: without the script every
// question is on the page, marked with when to answer it.
func shownAnswers(qs []survey.Question, answers []survey.Answer) []survey.Answer {
	shown := survey.Shown(qs, answers)
	out := answers[:0:0]
	for _, a := range answers {
		if shown[a.QuestionID] {
			out = append(out, a)
		}
	}
	return out
}

// newIdempotencyKey names one filling-in of the form, so a submission sent
// twice (a double tap, a retry after a dropped connection) is stored once.
func newIdempotencyKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "web-" + hex.EncodeToString(b)
}
