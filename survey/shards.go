package survey

import (
	"context"
	"math/rand/v2"
	"sync"
)

// tallyShards is how many rows each counter is spread over
// (migrations/00016_survey_tally_shards.sql). A response increments the
// counters of one shard only, in its own transaction, so two responses to
// one survey wait on each other's counter row locks (held until commit,
// that is through the WAL flush) only when they use the same shard; results
// add the shards up, at most tallyShards rows per answer key.
//
// With one shard per counter, 64 clients reached ~450 responses/s with p99
// ~370 ms on the 2-core machine, every response queued behind the previous
// commit. 16 is the service's pool size (cmd/canyu serve), so submissions
// are not limited below what the pool runs anyway, while the results read
// stays small (BenchmarkSurvey/Results).
const tallyShards = 16

// shardPool hands each in-flight submission of this instance a shard no
// other in-flight submission of this instance holds, so they never wait on
// each other's counters: with a shard drawn from the respondent key
// instead, 16 concurrent submissions in 32 shards still collided about a
// third of the time (sampled as transactionid lock waits in
// pg_stat_activity). Other instances may use the same shard at the same
// time; that only costs a wait, the counts stay exact.
type shardPool struct {
	once sync.Once
	free chan int16
}

// take waits for a free shard; give it back once the submission's
// statement has returned (committed or not).
func (p *shardPool) take(ctx context.Context) (int16, error) {
	p.once.Do(func() {
		p.free = make(chan int16, tallyShards)
		// Instances start at different shards, so one submission at a
		// time on each does not meet.
		off := rand.IntN(tallyShards)
		for i := range tallyShards {
			p.free <- int16((off + i) % tallyShards)
		}
	})
	select {
	case s := <-p.free:
		return s, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// give returns a shard taken with take.
func (p *shardPool) give(s int16) { p.free <- s }
