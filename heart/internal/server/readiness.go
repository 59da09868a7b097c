package server

import (
	"sync/atomic"

	"github.com/valyala/fasthttp"
)

// Readiness is the /readyz state: not ready until a valid config is live,
// ready while serving, draining after SIGTERM.
//
// Readiness is deliberately NOT tied to Redis. If it were, a Redis outage
// would mark every pod unready at once, the Service would have no
// endpoints, and the whole heart would go dark — exactly the outage the
// circuit breaker's degraded path exists to avoid. Pods keep serving from
// local state and say so (X-Heart-Degraded) instead.
type Readiness struct {
	state atomic.Int32
}

const (
	notReady int32 = iota
	ready
	draining
)

// SetReady marks the pod ready (a valid config is loaded and serving).
func (r *Readiness) SetReady() { r.state.CompareAndSwap(notReady, ready) }

// SetDraining marks the pod as shutting down; it never becomes ready again.
func (r *Readiness) SetDraining() { r.state.Store(draining) }

// Ready reports whether /readyz answers 200.
func (r *Readiness) Ready() bool { return r.state.Load() == ready }

// Serve answers /readyz: 200 when ready, 503 with the reason otherwise.
func (r *Readiness) Serve(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType(textPlain)
	switch r.state.Load() {
	case ready:
		ctx.SetBodyString("ready\n")
	case draining:
		ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
		ctx.SetBodyString("draining\n")
	default:
		ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
		ctx.SetBodyString("not ready: no valid config loaded\n")
	}
}
