package beats

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

type fakeStore struct {
	total atomic.Int64
	fail  atomic.Bool
}

func (s *fakeStore) Incr(context.Context, string) (int64, error) {
	if s.fail.Load() {
		return 0, errors.New("redis down")
	}
	return s.total.Add(1), nil
}

func newTestHeart(store Store) *Heart {
	b := breaker.New(breaker.Settings{FailureThreshold: 2, OpenDuration: time.Hour, HalfOpenProbes: 1}, nil, nil)
	return NewHeart(store, b, NewWindow(nil), func() time.Duration { return time.Second })
}

func TestBeatRecordsClusterWide(t *testing.T) {
	store := &fakeStore{}
	store.total.Store(41)
	h := newTestHeart(store)
	b := h.Beat(context.Background())
	if b.Local != 1 || b.BPM != 1 || b.Cluster == nil || *b.Cluster != 42 || b.Degraded {
		t.Fatalf("got %+v", b)
	}
}

func TestBeatDegradesAndOpensBreaker(t *testing.T) {
	store := &fakeStore{}
	store.fail.Store(true)
	h := newTestHeart(store)
	for i := 1; i <= 3; i++ {
		b := h.Beat(context.Background())
		if !b.Degraded || b.Cluster != nil || b.Local != int64(i) {
			t.Fatalf("beat %d: got %+v, want degraded local-only", i, b)
		}
	}
	if got := h.BreakerState(); got != breaker.Open {
		t.Fatalf("breaker %v after failures, want open", got)
	}
}

func TestCancelledRequestStillRecords(t *testing.T) {
	store := &fakeStore{}
	h := newTestHeart(store)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if b := h.Beat(ctx); b.Degraded {
		t.Fatalf("a client that went away must not count as a Redis failure: %+v", b)
	}
}
