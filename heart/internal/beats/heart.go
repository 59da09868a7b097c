package beats

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/chaosgate/heart/internal/breaker"
)

// ClusterKey is the Redis key holding the cluster-wide beat count.
const ClusterKey = "heart:beats"

// Store records beats cluster-wide: it adds n to key and returns the new
// cluster total.
type Store interface {
	IncrBy(ctx context.Context, key string, n int64) (int64, error)
}

// Beat is the outcome of one beat.
type Beat struct {
	Local   int64  // beats on this pod since start, this one included
	BPM     int64  // beats on this pod in the last 60 s
	Cluster *int64 // cluster-wide total after this beat; nil when not recorded
	// Degraded is true when the beat could not be recorded cluster-wide:
	// Redis failed or timed out, or the breaker shed the call.
	Degraded bool
	Breaker  breaker.State // breaker state after the beat
	Err      error         // why the cluster record failed, if it did
}

// Heart owns the counters. It is safe for concurrent use.
type Heart struct {
	local   atomic.Int64
	window  *Window
	breaker *breaker.Breaker
	store   Store
	timeout func() time.Duration // read per Redis call so hot reloads apply
	commits committer
}

// NewHeart wires the counters to a store behind a breaker. timeout returns
// the current Redis timeout.
func NewHeart(store Store, b *breaker.Breaker, window *Window, timeout func() time.Duration) *Heart {
	h := &Heart{window: window, breaker: b, store: store, timeout: timeout}
	h.commits.send = h.recordCluster
	return h
}

// Beat counts one beat locally (always succeeds) and records it in the
// store through the breaker, batched with concurrent beats. It takes no
// request context on purpose: see recordCluster.
func (h *Heart) Beat() Beat {
	b := Beat{Local: h.local.Add(1)}
	h.window.Add()
	b.BPM = h.window.BPM()
	cluster, err := h.commits.commit()
	if err != nil {
		b.Degraded, b.Err = true, err
	} else {
		b.Cluster = &cluster
	}
	b.Breaker = h.breaker.State()
	return b
}

// recordCluster adds n beats in Redis through the breaker: one Redis call,
// one success or failure for the breaker, whatever the batch size. It is
// detached from every request, so a client going away never counts as a
// Redis failure; the timeout alone bounds it.
func (h *Heart) recordCluster(n int64) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), h.timeout())
	defer cancel()
	var total int64
	err := h.breaker.Do(func() error {
		var err error
		total, err = h.store.IncrBy(ctx, ClusterKey, n)
		return err
	})
	return total, err
}

// Local returns this pod's beat count without beating.
func (h *Heart) Local() int64 { return h.local.Load() }

// BPM returns the current beats per minute without beating.
func (h *Heart) BPM() int64 { return h.window.BPM() }

// BreakerState returns the breaker's current state.
func (h *Heart) BreakerState() breaker.State { return h.breaker.State() }
