package beats

import "sync"

// batch is a group of beats recorded in Redis by one INCRBY.
//
// Recording every beat with its own INCR made each request wait for a
// Redis round trip of its own, which capped a pod at a fraction of what
// its HTTP server can serve. Beats are therefore group-committed: while
// one INCRBY is in flight, the beats that arrive join the next batch, and
// the next batch is sent as soon as the previous one returns. Every beat
// is still in Redis before its response is written, and a response still
// says truthfully whether its own beat was recorded.
type batch struct {
	size  int64         // beats in the batch
	done  chan struct{} // closed once total and err are set
	total int64         // the cluster total after the batch
	err   error
}

// committer coalesces concurrent beats into batches, with at most one
// batch in flight at a time.
type committer struct {
	mu       sync.Mutex
	open     *batch // collecting beats while another batch is in flight
	inFlight bool
	send     func(n int64) (int64, error) // records n beats, returns the new total
}

// commit records one beat and returns the cluster total that includes it.
// Beats in one batch get distinct totals, in the order they joined.
func (c *committer) commit() (int64, error) {
	c.mu.Lock()
	if c.open == nil {
		c.open = &batch{done: make(chan struct{})}
	}
	b := c.open
	b.size++
	position := b.size
	lead := !c.inFlight
	if lead {
		c.inFlight, c.open = true, nil
	}
	c.mu.Unlock()

	if lead {
		c.flush(b)
	} else {
		<-b.done // bounded: every send is bounded by the Redis timeout
	}
	if b.err != nil {
		return 0, b.err
	}
	return b.total - (b.size - position), nil
}

// flush sends b, then hands the batch that filled up meanwhile to a new
// goroutine, so the beat that led b is not kept waiting for later ones.
func (c *committer) flush(b *batch) {
	b.total, b.err = c.send(b.size)
	close(b.done)

	c.mu.Lock()
	next := c.open
	c.open = nil
	c.inFlight = next != nil
	c.mu.Unlock()
	if next != nil {
		go c.flush(next)
	}
}
