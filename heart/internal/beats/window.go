// Package beats counts heartbeats: locally on this pod (always) and
// cluster-wide in Redis (through a circuit breaker, when it can).
package beats

import (
	"sync"
	"time"
)

// windowSeconds is the BPM window: one minute, so the count of beats in
// the window is beats per minute without any scaling or extrapolation.
const windowSeconds = 60

// Window counts beats in the trailing 60 seconds, in one-second buckets.
// BPM is defined as the number of beats (requests to /) this pod received
// in the last 60 seconds, the current partial second included.
type Window struct {
	mu      sync.Mutex
	now     func() time.Time
	counts  [windowSeconds]int64
	seconds [windowSeconds]int64 // unix second each bucket currently holds
}

// NewWindow returns an empty window; now is the time seam (nil = time.Now).
func NewWindow(now func() time.Time) *Window {
	if now == nil {
		now = time.Now
	}
	return &Window{now: now}
}

// Add records one beat now.
func (w *Window) Add() {
	sec := w.now().Unix()
	i := bucket(sec)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seconds[i] != sec {
		w.seconds[i], w.counts[i] = sec, 0
	}
	w.counts[i]++
}

// BPM returns the number of beats in the last 60 seconds.
func (w *Window) BPM() int64 {
	sec := w.now().Unix()
	w.mu.Lock()
	defer w.mu.Unlock()
	var total int64
	for i := range w.counts {
		if sec-w.seconds[i] < windowSeconds && w.seconds[i] <= sec {
			total += w.counts[i]
		}
	}
	return total
}

func bucket(sec int64) int {
	i := sec % windowSeconds
	if i < 0 {
		i += windowSeconds
	}
	return int(i)
}
