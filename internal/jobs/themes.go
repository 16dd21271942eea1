package jobs

import (
	"time"

	"github.com/riverqueue/river"

	"github.com/canyu-gov/canyu/consultation/themes"
)

// JoinThemesArgs places new comments into the themes of their decision's
// latest analysis (themes.Service.JoinNewComments), off the request path.
type JoinThemesArgs struct{}

// Kind implements river.JobArgs.
func (JoinThemesArgs) Kind() string { return "join_themes" }

// JoinThemesInterval is how often new comments join themes.
const JoinThemesInterval = 5 * time.Second

// WithThemes makes the Runner join new comments to themes every few
// seconds, once the comment checkpoint (every consultation.CheckpointInterval)
// has grouped them: about 10 s after receipt. Overlapping runs are harmless: each analysis' cursor is taken
// under a row lock and a second run finds the work done.
func WithThemes(svc *themes.Service) Option {
	return func(workers *river.Workers, cfg *river.Config) {
		addPeriodic(workers, cfg, JoinThemesInterval, JoinThemesArgs{}, discard(svc.JoinNewComments))
	}
}
