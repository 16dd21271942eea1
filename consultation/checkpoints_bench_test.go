package consultation_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// What the comment checkpoints cost per comment after the record moved to
// its own package (issue 12; BENCHMARKS.md). BenchmarkCheckpointComments
// submits a batch of comments as a flood would (CANYU_CHECKPOINT_BENCH_COMMENTS,
// default 5,000: what 5 s of 1,000 comments/s leaves for one run of the
// job), then times CheckpointComments sealing them: the Merkle root, the
// grouping of campaigns it does in the same pass (MinHash), the record
// entry and the one UPDATE per comment. It reports this process's CPU per
// comment (user + system, from getrusage: PostgreSQL's share is in its own
// processes) and the wall time per comment. BenchmarkCheckpointMerkleRoot
// times the Merkle hashing alone.
//
//	go test ./consultation -run '^$' -bench Checkpoint -benchtime 5x -cpuprofile /tmp/cp.prof
//	go tool pprof -top -focus 'checkpointDecision' /tmp/cp.prof
func BenchmarkCheckpointComments(b *testing.B) {
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("CANYU_CHECKPOINT_BENCH_COMMENTS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	e := testenv.New(b)
	e.City("pdsszf", "jyj")
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	svc := e.Consultation
	svc.CommentLimits = consultation.CommentLimits{PerAccountPerMinute: -1, PerAccountPerDay: -1, PerAddressPerMinute: -1}
	d, err := svc.CreateDecision(ctx, &staff, decisionInput())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.CreateDraftVersion(ctx, &staff, d.ID, consultation.DraftVersionInput{Text: commentDraft,
		Explanation: "起草说明", LegalBasis: []string{"《中华人民共和国义务教育法》"}}); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.OpenConsultation(ctx, &staff, d.ID, consultation.ConsultationInput{
		EndsAt: e.Clock.Now().Add(consultation.MinConsultationWindow), WaysToComment: "登录本平台提出意见"}); err != nil {
		b.Fatal(err)
	}
	residents := make([]identity.Account, 8)
	for i := range residents {
		residents[i], _ = e.Account(identity.RoleResident, "")
	}
	var serial atomic.Int64
	flood := func() {
		var wg sync.WaitGroup
		var left atomic.Int64
		left.Store(int64(n))
		for w := range residents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for left.Add(-1) >= 0 {
					k := serial.Add(1)
					// One in four is a campaign copy, as floods are.
					body := fmt.Sprintf("建议第%d条写明划片范围提前三个月公布，编号%d。", k%7+1, k)
					if k%4 == 0 {
						body = "坚决反对按新办法划片，请保留原有学区。"
					}
					if _, _, err := svc.SubmitComment(ctx, &residents[w], d.ID, consultation.CommentInput{Body: body, ClientAddr: "203.0.113.7"}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	var cpu, wall time.Duration
	sealed := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		flood()
		b.StartTimer()
		c0, t0 := processCPU(b), time.Now()
		if _, err := svc.CheckpointComments(ctx); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(t0)
		cpu += processCPU(b) - c0
		sealed += n
	}
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(sealed), "go-cpu-µs/comment")
	b.ReportMetric(float64(wall.Microseconds())/float64(sealed), "wall-µs/comment")
	if r, err := record.Verify(ctx, e.DB, d.ID); err != nil || !r.OK {
		b.Fatalf("record after the checkpoints: %+v %v", r, err)
	}
}

// BenchmarkCheckpointMerkleRoot is the Merkle part alone: the leaf hashes
// and the root of 5,000 comments (one op), per comment.
func BenchmarkCheckpointMerkleRoot(b *testing.B) {
	const n = 5000
	at := time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC)
	bodies := make([]string, n)
	for k := range bodies {
		bodies[k] = fmt.Sprintf("%x", sha256.Sum256([]byte(strconv.Itoa(k))))
	}
	b.ResetTimer()
	c0 := processCPU(b)
	for i := 0; i < b.N; i++ {
		hs := make([][32]byte, n)
		for k := range hs {
			hs[k] = consultation.CommentLeafHash(int64(k+1), "YJ-20260305-ABCDEFGH", 1, 1, nil, int64(k%500+1), nil, bodies[k], at)
		}
		_ = record.MerkleRoot(hs)
	}
	b.ReportMetric(float64((processCPU(b)-c0).Nanoseconds())/float64(b.N*n)/1000, "go-cpu-µs/comment")
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
