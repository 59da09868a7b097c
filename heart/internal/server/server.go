// Package server holds heart-display's HTTP handlers.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/chaosgate/heart/internal/beats"
	"github.com/chaosgate/heart/internal/config"
	"github.com/chaosgate/heart/internal/metrics"
	"github.com/chaosgate/heart/internal/render"
)

// Beater records one beat; *beats.Heart implements it.
type Beater interface {
	Beat(ctx context.Context) beats.Beat
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

// serveHeart records a beat and renders the heart. Requests answered 406
// are not beats: no heart was shown.
func (d Deps) serveHeart(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Vary", "Accept")
	mediaType, ok := render.Negotiate(strings.Join(r.Header.Values("Accept"), ","))
	if !ok {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotAcceptable)
		_, _ = w.Write([]byte(notAcceptableBody))
		return
	}
	beat := d.recordBeat(r.Context())
	body, err := render.Render(mediaType, d.view(beat))
	if err != nil {
		http.Error(w, "render failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType(mediaType))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Heart-Degraded", boolText(beat.Degraded))
	_, _ = w.Write(body)
}

func (d Deps) recordBeat(ctx context.Context) beats.Beat {
	start := time.Now()
	beat := d.Heart.Beat(ctx)
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

func contentType(mediaType string) string {
	if mediaType == render.TypeText {
		return "text/plain; charset=utf-8"
	}
	return mediaType
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
func serveHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}
