package survey

import (
	"context"
	"sync"
)

// maxCachedSurveys bounds the cache of published surveys; past it the cache
// starts over (a handful of surveys are open at a time).
const maxCachedSurveys = 256

// surveyCache holds published surveys with their questions for
// SubmitResponse. Only what is fixed once a survey leaves draft is read
// from it (the questions, anonymity, that it is not a draft): a survey
// never returns to draft, and the builder only edits drafts. Whether it
// accepts answers (status, window) is checked inside the write statement,
// never here.
type surveyCache struct {
	mu sync.RWMutex
	m  map[int64]*Survey
}

// publishedSurvey returns the survey with its questions, from the cache when
// it has been read once since it was opened; drafts are read every time
// (their questions may still change) and answered survey_not_found.
func (s *Service) publishedSurvey(ctx context.Context, id int64) (*Survey, error) {
	c := &s.surveys
	c.mu.RLock()
	sv := c.m[id]
	c.mu.RUnlock()
	if sv != nil {
		return sv, nil
	}
	fresh, err := getSurveyWithQuestions(ctx, s.DB, id, false)
	if err != nil {
		return nil, err
	}
	if fresh.Status == StatusDraft {
		return nil, errSurveyNotFound
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedSurveys {
		c.m = map[int64]*Survey{}
	}
	c.m[id] = &fresh
	c.mu.Unlock()
	return &fresh, nil
}
