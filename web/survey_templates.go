package web

import "github.com/canyu-gov/canyu/survey"

// The template functions of the survey pages, added to funcs before Mount
// parses the pages.
func init() {
	funcs["surveyStatusName"] = func(s survey.Status) string { return survey.StatusNames[s] }
	funcs["kindName"] = func(k survey.Kind) string { return survey.KindNames[k] }
}
