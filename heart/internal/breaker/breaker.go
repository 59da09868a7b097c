// Package breaker is a small, concurrency-safe circuit breaker.
//
// Closed: calls pass; FailureThreshold consecutive failures open it.
// Open: calls are rejected with ErrOpen until OpenDuration has passed.
// Half-open: at most HalfOpenProbes calls pass at once; one failure reopens
// the breaker, HalfOpenProbes successes close it.
//
// Time comes from an injectable Clock so tests drive it without sleeping.
package breaker

import (
	"errors"
	"sync"
	"time"
)

// State is the breaker's position. Its numeric value is what the
// heart_display_breaker_state gauge reports.
type State int

const (
	Closed   State = 0
	Open     State = 1
	HalfOpen State = 2
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	default:
		return "unknown"
	}
}

// ErrOpen is returned, without calling the protected function, while the
// breaker sheds load (open, or half-open with every probe slot taken).
var ErrOpen = errors.New("circuit breaker is open")

// Clock is the time seam.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}

// Settings are the tunables; they can change at runtime via Update.
type Settings struct {
	FailureThreshold int
	OpenDuration     time.Duration
	HalfOpenProbes   int
}

// TransitionFunc observes state changes. It runs while the breaker's lock
// is held (so observers see transitions in order) and must not call back
// into the breaker.
type TransitionFunc func(from, to State)

// Breaker protects one dependency. The zero value is not usable; use New.
type Breaker struct {
	mu           sync.Mutex
	clock        Clock
	settings     Settings
	onTransition TransitionFunc

	state     State
	failures  int       // consecutive failures while closed
	openedAt  time.Time // when the breaker last opened
	probes    int       // probes in flight while half-open
	successes int       // successful probes in this half-open period
	// generation changes on every transition, so a result that arrives
	// after the state moved on (a slow call started while closed that
	// finishes after the breaker opened) is ignored instead of miscounted.
	generation uint64
}

// New returns a closed breaker. A nil clock means the system clock; a nil
// onTransition is allowed.
func New(s Settings, clock Clock, onTransition TransitionFunc) *Breaker {
	if clock == nil {
		clock = SystemClock
	}
	return &Breaker{clock: clock, settings: sanitize(s), onTransition: onTransition}
}

func sanitize(s Settings) Settings {
	s.FailureThreshold = max(s.FailureThreshold, 1)
	s.HalfOpenProbes = max(s.HalfOpenProbes, 1)
	s.OpenDuration = max(s.OpenDuration, 0)
	return s
}

// Update replaces the settings (hot reload). The current state is kept.
func (b *Breaker) Update(s Settings) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.settings = sanitize(s)
}

// State reports the current state, moving open to half-open when the open
// period is over so the reported state matches what the next call sees.
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(b.clock.Now())
	return b.state
}

// Do runs fn if the breaker allows it and records the outcome. It returns
// ErrOpen without running fn when the breaker sheds load.
func (b *Breaker) Do(fn func() error) error {
	gen, err := b.admit()
	if err != nil {
		return err
	}
	err = fn()
	b.record(gen, err == nil)
	return err
}

func (b *Breaker) admit() (uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(b.clock.Now())
	switch b.state {
	case Open:
		return 0, ErrOpen
	case HalfOpen:
		if b.probes+b.successes >= b.settings.HalfOpenProbes {
			return 0, ErrOpen
		}
		b.probes++
	}
	return b.generation, nil
}

func (b *Breaker) record(gen uint64, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if gen != b.generation {
		return
	}
	switch b.state {
	case Closed:
		b.recordClosed(ok)
	case HalfOpen:
		b.recordProbe(ok)
	}
}

func (b *Breaker) recordClosed(ok bool) {
	if ok {
		b.failures = 0
		return
	}
	b.failures++
	if b.failures >= b.settings.FailureThreshold {
		b.transition(Open)
	}
}

func (b *Breaker) recordProbe(ok bool) {
	b.probes--
	if !ok {
		b.transition(Open)
		return
	}
	b.successes++
	if b.successes >= b.settings.HalfOpenProbes {
		b.transition(Closed)
	}
}

// advance applies the only time-driven transition: open → half-open.
func (b *Breaker) advance(now time.Time) {
	if b.state == Open && !now.Before(b.openedAt.Add(b.settings.OpenDuration)) {
		b.transition(HalfOpen)
	}
}

func (b *Breaker) transition(to State) {
	from := b.state
	b.state = to
	b.generation++
	b.failures, b.probes, b.successes = 0, 0, 0
	if to == Open {
		b.openedAt = b.clock.Now()
	}
	if b.onTransition != nil {
		b.onTransition(from, to)
	}
}
