// Package server holds heart-display's HTTP handlers.
//
// The server is fasthttp rather than net/http: on one core, net/http's
// per-request work (a goroutine per connection read, request and header
// maps, a background read per request) held heart-display to about half of
// nginx's throughput on the same core, and the tail latency followed. The
// hot paths (/, /healthz, /readyz) are native fasthttp handlers; /metrics
// and the chaos endpoints are net/http handlers behind fasthttp's adaptor,
// where convenience matters more than speed.
package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/chaosgate/heart/internal/beats"
	"github.com/chaosgate/heart/internal/config"
	"github.com/chaosgate/heart/internal/metrics"
	"github.com/chaosgate/heart/internal/render"
)

// Beater records one beat; *beats.Heart implements it.
type Beater interface {
	Beat() beats.Beat
}

// Deps is what the handlers need.
type Deps struct {
	Heart     Beater
	Metrics   *metrics.Metrics
	Config    func() config.Config // the live (hot-reloaded) config
	Readiness *Readiness
	Pod       string
	Namespace string
	// Chaos enables the fault-injection endpoints under /chaos/. They are
	// not registered at all otherwise, so they answer 404.
	Chaos  bool
	Logger *slog.Logger
}

// New returns the service's request handler.
func New(d Deps) fasthttp.RequestHandler {
	slow := fasthttpadaptor.NewFastHTTPHandler(d.stdlibMux())
	return func(ctx *fasthttp.RequestCtx) {
		switch string(ctx.Path()) { // converting in a switch does not allocate
		case "/":
			if allowGet(ctx) {
				d.serveHeart(ctx)
			}
		case "/healthz":
			if allowGet(ctx) {
				serveHealthz(ctx)
			}
		case "/readyz":
			if allowGet(ctx) {
				d.Readiness.Serve(ctx)
			}
		default:
			slow(ctx)
		}
	}
}

// stdlibMux serves the cold paths: /metrics and, when enabled, /chaos/.
func (d Deps) stdlibMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", d.Metrics.Handler())
	if d.Chaos {
		registerChaos(mux, d.Logger)
	}
	return mux
}

// allowGet answers 405 for anything but GET and HEAD, and says whether the
// request may go on.
func allowGet(ctx *fasthttp.RequestCtx) bool {
	if ctx.IsGet() || ctx.IsHead() {
		return true
	}
	ctx.Response.Header.Set("Allow", "GET, HEAD")
	ctx.Error("405 method not allowed\n", fasthttp.StatusMethodNotAllowed)
	return false
}

// notAcceptableBody lists what / can produce, for clients that asked for
// something else.
var notAcceptableBody = "406 Not Acceptable: supported media types are " +
	strings.Join(render.Supported, ", ") + "\n"

// textPlain is the Content-Type of every plain-text answer.
const textPlain = "text/plain; charset=utf-8"

// contentTypes maps a negotiated media type to its Content-Type.
var contentTypes = map[string]string{
	render.TypeText: textPlain,
	render.TypeSVG:  render.TypeSVG,
	render.TypeJSON: render.TypeJSON,
}

// bodyBuffers recycles render buffers between requests: per-request
// garbage is what collections, and so a single-core pod's tail latency,
// are made of.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// serveHeart records a beat and renders the heart. Requests answered 406
// are not beats: no heart was shown.
func (d Deps) serveHeart(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Vary", "Accept")
	mediaType, ok := render.Negotiate(acceptHeader(ctx))
	if !ok {
		ctx.SetContentType(textPlain)
		ctx.SetStatusCode(fasthttp.StatusNotAcceptable)
		ctx.SetBodyString(notAcceptableBody)
		return
	}
	beat := d.recordBeat()
	buf := bodyBuffers.Get().(*[]byte)
	defer bodyBuffers.Put(buf)
	body, err := render.Append((*buf)[:0], mediaType, d.view(beat))
	*buf = body
	if err != nil {
		ctx.Error("render failed\n", fasthttp.StatusInternalServerError)
		return
	}
	ctx.SetContentType(contentTypes[mediaType])
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.Response.Header.Set("X-Heart-Degraded", boolText(beat.Degraded))
	ctx.SetBody(body) // copies, so the buffer can go back to the pool
}

// acceptHeader is the Accept header, its lines joined when a client sent
// several.
func acceptHeader(ctx *fasthttp.RequestCtx) string {
	lines := ctx.Request.Header.PeekAll(fasthttp.HeaderAccept)
	if len(lines) == 1 {
		return string(lines[0])
	}
	return string(bytes.Join(lines, []byte(",")))
}

func (d Deps) recordBeat() beats.Beat {
	start := time.Now()
	beat := d.Heart.Beat()
	d.Metrics.ObserveBeat(beat.Degraded, time.Since(start))
	return beat
}

func (d Deps) view(b beats.Beat) render.View {
	cfg := d.Config()
	return render.View{
		Pod: d.Pod, Namespace: d.Namespace, LoveLevel: cfg.LoveLevel,
		BPM: b.BPM, BeatsLocal: b.Local, BeatsCluster: b.Cluster,
		Degraded: b.Degraded, Breaker: b.Breaker.String(),
		Color: cfg.Theme.Color, Size: cfg.Theme.Size, Frequency: cfg.Theme.Frequency,
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// serveHealthz is liveness: if this handler runs, the process is fine.
// It deliberately checks nothing else, so a dependency problem can never
// make the kubelet restart healthy pods.
func serveHealthz(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType(textPlain)
	ctx.SetBodyString("ok\n")
}
