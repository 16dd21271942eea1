package consultation

import (
	"context"
	"time"

	"github.com/canyu-gov/canyu/internal/errs"
)

// SourceAddressRetention is how long the client address of a comment or of
// implementation feedback is kept. The address only serves the
// per-address limit (30 comments a minute) and, for a few days, the
// investigation of a mass campaign or abuse report; after that it is
// personal data with no purpose (PIPL Art. 19: kept no longer than the
// purpose needs). Seven days covers a weekend's report plus the working
// days to look into it.
const SourceAddressRetention = 7 * 24 * time.Hour

// purgeBatch bounds one statement, so a purge over a large backlog holds
// its row locks briefly and does not stall comment inserts.
const purgeBatch = 5000

// PurgeSourceAddresses clears the client addresses of comments and
// implementation feedback older than SourceAddressRetention and returns
// how many it cleared; it also deletes expired comment drafts. The scheduled job (internal/jobs) runs it hourly;
// nobody else needs to.
func (s *Service) PurgeSourceAddresses(ctx context.Context) (int, error) {
	before := s.now().Add(-SourceAddressRetention)
	total := 0
	for _, table := range []string{"comments", "implementation_feedback"} {
		for {
			tag, err := s.DB.Exec(ctx, `UPDATE `+table+` SET client_addr = '' WHERE id IN (
				SELECT id FROM `+table+` WHERE client_addr <> '' AND created_at < $1 LIMIT $2)`, before, purgeBatch)
			if err != nil {
				return total, errs.Internal(err)
			}
			total += int(tag.RowsAffected())
			if tag.RowsAffected() < purgeBatch {
				break
			}
		}
	}
	// Comment drafts past their two hours (CommentDraftTTL) go too:
	// saving a draft deletes the expired ones, but none may be saved again.
	if _, err := s.DB.Exec(ctx, `DELETE FROM comment_drafts WHERE expires_at < $1`, s.now()); err != nil {
		return total, errs.Internal(err)
	}
	return total, nil
}
