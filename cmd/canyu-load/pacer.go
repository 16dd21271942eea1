package main

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// pacer hands out residents so that each stays under the per-account
// limits: a resident comes back interval after its last answer, and retires
// after perDay comments.
type pacer struct {
	mu       sync.Mutex
	q        readyQueue
	interval time.Duration
	perDay   int
	count    []int
	wake     chan struct{}
}

type readyItem struct {
	idx int
	at  time.Time
}

type readyQueue []readyItem

func (q readyQueue) Len() int           { return len(q) }
func (q readyQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q readyQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *readyQueue) Push(x any)        { *q = append(*q, x.(readyItem)) }
func (q *readyQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

func newPacer(n int, interval time.Duration, perDay int) *pacer {
	p := &pacer{interval: interval, perDay: perDay, count: make([]int, n), wake: make(chan struct{}, 1)}
	now := time.Now()
	for i := range n {
		p.q = append(p.q, readyItem{idx: i, at: now})
	}
	heap.Init(&p.q)
	return p
}

// take returns a resident ready to comment and how many it has sent,
// waiting for one if needed; false when none will be ready before deadline.
func (p *pacer) take(ctx context.Context, deadline time.Time) (int, int, bool) {
	for {
		p.mu.Lock()
		var wait time.Duration
		if len(p.q) > 0 {
			it := p.q[0]
			if wait = time.Until(it.at); wait <= 0 {
				heap.Pop(&p.q)
				n := p.count[it.idx]
				p.mu.Unlock()
				return it.idx, n, true
			}
			if it.at.After(deadline) {
				p.mu.Unlock()
				return 0, 0, false
			}
		} else {
			wait = time.Second // all taken: wait for one to come back
		}
		p.mu.Unlock()
		if time.Now().After(deadline) {
			return 0, 0, false
		}
		select {
		case <-ctx.Done():
			return 0, 0, false
		case <-time.After(min(wait, 50*time.Millisecond)):
		case <-p.wake:
		}
	}
}

// put gives a resident back after an answer at t.
func (p *pacer) put(idx int, t time.Time, counted bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if counted {
		p.count[idx]++
	}
	if p.count[idx] >= p.perDay {
		return
	}
	heap.Push(&p.q, readyItem{idx: idx, at: t.Add(p.interval)})
	select {
	case p.wake <- struct{}{}:
	default:
	}
}
