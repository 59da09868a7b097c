package breaker

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// transitionLog records transitions as "from->to" strings.
type transitionLog struct {
	mu  sync.Mutex
	got []string
}

func (l *transitionLog) record(from, to State) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, from.String()+"->"+to.String())
}

func (l *transitionLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprint(l.got)
}

var errBoom = errors.New("boom")

func fail() error    { return errBoom }
func succeed() error { return nil }

func newTestBreaker(threshold, probes int) (*Breaker, *fakeClock, *transitionLog) {
	clock := newFakeClock()
	log := &transitionLog{}
	b := New(Settings{FailureThreshold: threshold, OpenDuration: 10 * time.Second, HalfOpenProbes: probes}, clock, log.record)
	return b, clock, log
}

func TestStateMachine(t *testing.T) {
	type step struct {
		name    string
		advance time.Duration
		call    func() error // nil: only check state
		wantErr error
		want    State
	}
	tests := []struct {
		name      string
		threshold int
		steps     []step
		wantLog   string
	}{
		{
			name: "closed opens after N consecutive failures", threshold: 3,
			steps: []step{
				{name: "fail 1", call: fail, wantErr: errBoom, want: Closed},
				{name: "fail 2", call: fail, wantErr: errBoom, want: Closed},
				{name: "fail 3", call: fail, wantErr: errBoom, want: Open},
				{name: "rejected while open", call: succeed, wantErr: ErrOpen, want: Open},
			},
			wantLog: "[closed->open]",
		},
		{
			name: "success resets the consecutive count", threshold: 2,
			steps: []step{
				{name: "fail", call: fail, wantErr: errBoom, want: Closed},
				{name: "ok", call: succeed, want: Closed},
				{name: "fail again", call: fail, wantErr: errBoom, want: Closed},
			},
			wantLog: "[]",
		},
		{
			name: "open to half-open after the open duration, then closed on success", threshold: 1,
			steps: []step{
				{name: "fail", call: fail, wantErr: errBoom, want: Open},
				{name: "still open just before", advance: 10*time.Second - time.Nanosecond, want: Open},
				{name: "half-open at the deadline", advance: time.Nanosecond, want: HalfOpen},
				{name: "probe succeeds", call: succeed, want: Closed},
			},
			wantLog: "[closed->open open->half-open half-open->closed]",
		},
		{
			name: "half-open reopens on probe failure", threshold: 1,
			steps: []step{
				{name: "fail", call: fail, wantErr: errBoom, want: Open},
				{name: "wait", advance: 10 * time.Second, want: HalfOpen},
				{name: "probe fails", call: fail, wantErr: errBoom, want: Open},
				{name: "open period restarts", advance: 9 * time.Second, want: Open},
				{name: "half-open again", advance: time.Second, want: HalfOpen},
			},
			wantLog: "[closed->open open->half-open half-open->open open->half-open]",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, clock, log := newTestBreaker(tc.threshold, 1)
			for _, s := range tc.steps {
				clock.Advance(s.advance)
				if s.call != nil {
					if err := b.Do(s.call); !errors.Is(err, s.wantErr) {
						t.Fatalf("%s: err = %v, want %v", s.name, err, s.wantErr)
					}
				}
				if got := b.State(); got != s.want {
					t.Fatalf("%s: state = %v, want %v", s.name, got, s.want)
				}
			}
			if got := log.String(); got != tc.wantLog {
				t.Fatalf("transitions = %s, want %s", got, tc.wantLog)
			}
		})
	}
}

func TestRejectedCallDoesNotRun(t *testing.T) {
	b, _, _ := newTestBreaker(1, 1)
	_ = b.Do(fail)
	ran := false
	if err := b.Do(func() error { ran = true; return nil }); !errors.Is(err, ErrOpen) || ran {
		t.Fatalf("err=%v ran=%v; want ErrOpen and not run", err, ran)
	}
}

func TestHalfOpenNeedsAllProbesToSucceed(t *testing.T) {
	b, clock, _ := newTestBreaker(1, 2)
	_ = b.Do(fail)
	clock.Advance(10 * time.Second)
	if err := b.Do(succeed); err != nil || b.State() != HalfOpen {
		t.Fatalf("after 1 of 2 probes: err=%v state=%v, want half-open", err, b.State())
	}
	if err := b.Do(succeed); err != nil || b.State() != Closed {
		t.Fatalf("after 2 of 2 probes: err=%v state=%v, want closed", err, b.State())
	}
}

// A call admitted while closed that fails after the breaker opened must
// not count against the new state.
func TestStaleResultIgnored(t *testing.T) {
	b, clock, _ := newTestBreaker(1, 1)
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() { done <- b.Do(func() error { close(started); <-release; return errBoom }) }()
	<-started
	_ = b.Do(fail) // opens, generation moves on
	clock.Advance(10 * time.Second)
	if b.State() != HalfOpen {
		t.Fatalf("want half-open, got %v", b.State())
	}
	close(release)
	<-done
	if b.State() != HalfOpen {
		t.Fatalf("stale failure changed state to %v", b.State())
	}
}

// TestHalfOpenProbeLimitUnderConcurrency lets many goroutines hit a
// half-open breaker at once: exactly HalfOpenProbes may run.
func TestHalfOpenProbeLimitUnderConcurrency(t *testing.T) {
	const probes, callers = 3, 50
	b, clock, _ := newTestBreaker(1, probes)
	_ = b.Do(fail)
	clock.Advance(10 * time.Second)

	var running atomic.Int32
	release := make(chan struct{})
	var rejected atomic.Int32
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := b.Do(func() error { running.Add(1); <-release; return nil })
			if errors.Is(err, ErrOpen) {
				rejected.Add(1)
			}
		}()
	}
	waitUntil(t, func() bool { return int(running.Load())+int(rejected.Load()) == callers })
	if running.Load() != probes {
		t.Fatalf("%d probes ran, want %d", running.Load(), probes)
	}
	close(release)
	wg.Wait()
	if b.State() != Closed {
		t.Fatalf("state %v after all probes succeeded, want closed", b.State())
	}
}

// TestConcurrentStress exists for the race detector: mixed outcomes, clock
// moves and settings updates from many goroutines.
func TestConcurrentStress(t *testing.T) {
	b, clock, _ := newTestBreaker(3, 2)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				if (i+g)%3 == 0 {
					_ = b.Do(fail)
				} else {
					_ = b.Do(succeed)
				}
				if i%50 == 0 {
					clock.Advance(5 * time.Second)
					b.Update(Settings{FailureThreshold: 2 + i%3, OpenDuration: 10 * time.Second, HalfOpenProbes: 2})
				}
				_ = b.State()
			}
		}()
	}
	wg.Wait()
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{Closed: "closed", Open: "open", HalfOpen: "half-open", State(9): "unknown"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), want)
		}
	}
}

// waitUntil polls a condition that other goroutines make true; the
// deadline only guards against a hang, it is not a timing assertion.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met before deadline")
		}
		time.Sleep(time.Millisecond)
	}
}
