// Package server holds heart-display's HTTP handlers.
package server

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

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

// New returns the service's HTTP handler.
func New(d Deps) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", d.serveHeart)
	mux.HandleFunc("GET /healthz", serveHealthz)
	mux.Handle("GET /readyz", d.Readiness)
	mux.Handle("GET /metrics", d.Metrics.Handler())
	if d.Chaos {
		registerChaos(mux, d.Logger)
	}
	return mux
}

// notAcceptableBody lists what / can produce, for clients that asked for
// something else.
var notAcceptableBody = "406 Not Acceptable: supported media types are " +
	strings.Join(render.Supported, ", ") + "\n"

// Response header values, built once: handing net/http ready-made slices
// under canonical keys skips a key canonicalisation and an allocation per
// header per request.
var (
	varyAccept   = []string{"Accept"}
	noStore      = []string{"no-store"}
	degradedText = map[bool][]string{true: {"true"}, false: {"false"}}
	contentTypes = map[string][]string{
		render.TypeText: {"text/plain; charset=utf-8"},
		render.TypeSVG:  {render.TypeSVG},
		render.TypeJSON: {render.TypeJSON},
	}
)

// bodyBuffers recycles render buffers between requests.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// serveHeart records a beat and renders the heart. Requests answered 406
// are not beats: no heart was shown.
func (d Deps) serveHeart(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Vary"] = varyAccept
	mediaType, ok := render.Negotiate(acceptHeader(r))
	if !ok {
		h["Content-Type"] = contentTypes[render.TypeText]
		w.WriteHeader(http.StatusNotAcceptable)
		_, _ = w.Write([]byte(notAcceptableBody))
		return
	}
	beat := d.recordBeat()
	buf := bodyBuffers.Get().(*[]byte)
	defer bodyBuffers.Put(buf)
	body, err := render.Append((*buf)[:0], mediaType, d.view(beat))
	*buf = body
	if err != nil {
		http.Error(w, "render failed", http.StatusInternalServerError)
		return
	}
	h["Content-Type"] = contentTypes[mediaType]
	h["Cache-Control"] = noStore
	h["X-Heart-Degraded"] = degradedText[beat.Degraded]
	_, _ = w.Write(body)
}

// acceptHeader is the Accept header, its values joined when a client sent
// several lines (the common single line is returned without copying).
func acceptHeader(r *http.Request) string {
	values := r.Header["Accept"]
	if len(values) == 1 {
		return values[0]
	}
	return strings.Join(values, ",")
}

func (d Deps) recordBeat() beats.Beat {
	start := time.Now()
	beat := d.Heart.Beat()
	outcome := metrics.OutcomeRecorded
	if beat.Degraded {
		outcome = metrics.OutcomeDegraded
	} else {
		d.Metrics.HeartRate.Inc()
	}
	d.Metrics.BeatLatency.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
	d.Metrics.Beats.Inc()
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

// serveHealthz is liveness: if this handler runs, the process is fine.
// It deliberately checks nothing else, so a dependency problem can never
// make the kubelet restart healthy pods.
func serveHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}
