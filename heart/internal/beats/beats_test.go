package beats

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chaosgate/heart/internal/beats/beatstest"
	"github.com/chaosgate/heart/internal/breaker"
)

type manualTime struct {
	mu sync.Mutex
	t  time.Time
}

func (m *manualTime) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

func (m *manualTime) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = m.t.Add(d)
}

func TestWindowCountsTrailingMinute(t *testing.T) {
	clock := &manualTime{t: time.Unix(1_700_000_000, 0)}
	w := NewWindow(clock.Now)
	tests := []struct {
		name    string
		advance time.Duration
		adds    int
		want    int64
	}{
		{"empty", 0, 0, 0},
		{"three now", 0, 3, 3},
		{"two more a bit later", 30 * time.Second, 2, 5},
		{"59 s after the first three: still inside", 29 * time.Second, 0, 5},
		{"60 s after the first three: they expire", time.Second, 0, 2},
		{"bucket reuse after wrap-around", 30 * time.Second, 1, 1},
		{"long idle forgets everything", time.Hour, 0, 0},
	}
	for _, tc := range tests {
		clock.Advance(tc.advance)
		for range tc.adds {
			w.Add()
		}
		if got := w.BPM(); got != tc.want {
			t.Fatalf("%s: BPM = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func newTestHeart(store Store) *Heart {
	b := breaker.New(breaker.Settings{FailureThreshold: 2, OpenDuration: time.Hour, HalfOpenProbes: 1}, nil, nil)
	return NewHeart(store, b, NewWindow(nil), func() time.Duration { return time.Second })
}

func TestBeatRecordsClusterWide(t *testing.T) {
	store := &beatstest.Store{}
	store.Total.Store(41)
	h := newTestHeart(store)
	b := h.Beat()
	if b.Local != 1 || b.BPM != 1 || b.Cluster == nil || *b.Cluster != 42 || b.Degraded {
		t.Fatalf("got %+v", b)
	}
}

func TestBeatDegradesAndOpensBreaker(t *testing.T) {
	store := &beatstest.Store{}
	store.Fail.Store(true)
	h := newTestHeart(store)
	for i := 1; i <= 3; i++ {
		b := h.Beat()
		if !b.Degraded || b.Cluster != nil || b.Local != int64(i) {
			t.Fatalf("beat %d: got %+v, want degraded local-only", i, b)
		}
	}
	if got := h.BreakerState(); got != breaker.Open {
		t.Fatalf("breaker %v after failures, want open", got)
	}
}

// gatedStore blocks each IncrBy until the test releases it, so the test
// decides which beats arrive while a batch is in flight.
type gatedStore struct {
	beatstest.Store
	entered chan int64    // the n of each call, as it starts
	release chan struct{} // one receive per call lets it finish
}

func (s *gatedStore) IncrBy(ctx context.Context, key string, n int64) (int64, error) {
	s.entered <- n
	<-s.release
	return s.Store.IncrBy(ctx, key, n)
}

// waitForWaiters spins until want beats are queued behind the batch in flight.
func waitForWaiters(t *testing.T, c *committer, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		queued := int64(0)
		if c.open != nil {
			queued = c.open.size
		}
		c.mu.Unlock()
		if queued == want {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("never saw %d beats queued", want)
}

func TestBeatsArrivingDuringAFlushShareOneRedisCall(t *testing.T) {
	store := &gatedStore{entered: make(chan int64, 8), release: make(chan struct{})}
	store.Total.Store(100)
	h := newTestHeart(store)
	results := make(chan Beat, 5)
	go func() { results <- h.Beat() }()
	if n := <-store.entered; n != 1 {
		t.Fatalf("first batch has %d beats, want 1", n)
	}
	for range 4 {
		go func() { results <- h.Beat() }()
	}
	waitForWaiters(t, &h.commits, 4)
	store.release <- struct{}{} // the first batch returns; the four go next
	if n := <-store.entered; n != 4 {
		t.Fatalf("second batch has %d beats, want 4", n)
	}
	store.release <- struct{}{}
	var totals []int64
	for range 5 {
		b := <-results
		if b.Degraded || b.Cluster == nil {
			t.Fatalf("beat not recorded: %+v", b)
		}
		totals = append(totals, *b.Cluster)
	}
	slices.Sort(totals)
	if want := []int64{101, 102, 103, 104, 105}; !slices.Equal(totals, want) {
		t.Fatalf("cluster totals %v, want each beat its own total %v", totals, want)
	}
	if got := store.Total.Load(); got != 105 {
		t.Fatalf("Redis holds %d, want 105", got)
	}
}

func TestAFailedBatchDegradesEveryBeatInItAndCountsOnceForTheBreaker(t *testing.T) {
	store := &gatedStore{entered: make(chan int64, 8), release: make(chan struct{})}
	store.Fail.Store(true)
	b := breaker.New(breaker.Settings{FailureThreshold: 3, OpenDuration: time.Hour, HalfOpenProbes: 1}, nil, nil)
	h := NewHeart(store, b, NewWindow(nil), func() time.Duration { return time.Second })
	results := make(chan Beat, 4)
	go func() { results <- h.Beat() }()
	<-store.entered
	for range 3 {
		go func() { results <- h.Beat() }()
	}
	waitForWaiters(t, &h.commits, 3)
	store.release <- struct{}{}
	<-store.entered
	store.release <- struct{}{}
	for range 4 {
		if beat := <-results; !beat.Degraded || beat.Cluster != nil || beat.Err == nil {
			t.Fatalf("beat in a failed batch: %+v, want degraded with the error", beat)
		}
	}
	// Two Redis calls failed, below the threshold of three: four failed
	// beats did not open the breaker on their own.
	if got := h.BreakerState(); got != breaker.Closed {
		t.Fatalf("breaker %v, want closed after two failed calls", got)
	}
}
