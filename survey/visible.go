package survey

// Shown reports, question by question, whether a question is shown to a
// respondent who gave these answers: a question with a display condition is
// shown when its source question is shown and answered with one of the
// condition's options. Pages use it to hide and skip conditional questions;
// ValidateResponse, which applies the same rule, stays the authority.
func Shown(qs []Question, answers []Answer) map[int64]bool {
	given := Answers{}
	for _, a := range answers {
		if !a.empty() {
			given[a.QuestionID] = a
		}
	}
	shown := Answers{}
	out := make(map[int64]bool, len(qs))
	for i := range qs {
		q := &qs[i]
		out[q.ID] = visible(q, shown)
		if a, ok := given[q.ID]; ok && out[q.ID] {
			shown[q.ID] = a
		}
	}
	return out
}
