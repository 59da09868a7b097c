// Package metrics defines heart-display's Prometheus metrics on a private
// registry, so several servers can live in one process (tests) without
// clashing on the global one.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chaosgate/heart/internal/breaker"
)

// Metrics holds every series the service exports.
type Metrics struct {
	Registry *prometheus.Registry

	// Beats counts every beat (request to /) this pod served.
	Beats prometheus.Counter
	// HeartRate counts beats this pod recorded in the cluster-wide Redis
	// counter. rate(heart_rate_total) / rate(heart_display_beats_total) is
	// the share of beats that were not degraded.
	HeartRate prometheus.Counter
	// BeatLatency is the time to record one beat (local counters plus the
	// wait for its batch's Redis INCRBY through the breaker), by outcome.
	BeatLatency *prometheus.HistogramVec
	// BreakerState is 0 closed, 1 open, 2 half-open.
	BreakerState prometheus.Gauge
	// BreakerTransitions counts state changes by from/to state.
	BreakerTransitions *prometheus.CounterVec
	// ConfigReloads counts hot-reload attempts by result.
	ConfigReloads *prometheus.CounterVec
	// LoveLevel is the love level of the live configuration.
	LoveLevel prometheus.Gauge

	// BeatLatency's two series, looked up once rather than per request.
	latencyRecorded, latencyDegraded prometheus.Observer
}

// Outcome label values for BeatLatency.
const (
	OutcomeRecorded = "recorded"
	OutcomeDegraded = "degraded"
)

// Result label values for ConfigReloads.
const (
	ReloadAccepted = "accepted"
	ReloadRejected = "rejected"
)

// latencyBuckets resolve sub-millisecond beats (a local-only degraded beat
// takes microseconds) up to the longest sensible Redis timeout.
var latencyBuckets = []float64{
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
	0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
}

// New creates and registers the metrics for one pod.
func New(pod, namespace string) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Beats: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "heart_display_beats_total",
			Help: "Beats (requests to /) served by this pod, degraded or not.",
		}, []string{"pod_name", "namespace"}).WithLabelValues(pod, namespace),
		HeartRate: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "heart_rate_total",
			Help: "Beats this pod successfully recorded in the cluster-wide Redis counter.",
		}),
		BeatLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "beat_latency_seconds",
			Help:    "Time to record one beat (local counters and Redis INCR through the breaker).",
			Buckets: latencyBuckets,
		}, []string{"outcome"}),
		BreakerState: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "heart_display_breaker_state",
			Help: "Redis circuit breaker state: 0 closed, 1 open, 2 half-open.",
		}),
		BreakerTransitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "heart_display_breaker_transitions_total",
			Help: "Redis circuit breaker state transitions.",
		}, []string{"from", "to"}),
		ConfigReloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "heart_display_config_reloads_total",
			Help: "Config hot reloads by result (accepted or rejected).",
		}, []string{"result"}),
		LoveLevel: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "heart_display_love_level",
			Help: "Love level of the live configuration.",
		}),
	}
	m.register()
	m.precreate()
	return m
}

func (m *Metrics) register() {
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.Beats, m.HeartRate, m.BeatLatency, m.BreakerState,
		m.BreakerTransitions, m.ConfigReloads, m.LoveLevel,
	)
}

// ObserveBeat counts one beat served: whether Redis took it, and how long
// recording it took, by outcome.
func (m *Metrics) ObserveBeat(degraded bool, took time.Duration) {
	m.Beats.Inc()
	if degraded {
		m.latencyDegraded.Observe(took.Seconds())
		return
	}
	m.HeartRate.Inc()
	m.latencyRecorded.Observe(took.Seconds())
}

// precreate exports every label combination at zero from the start, so
// increase() over a window sees the first event instead of a new series.
func (m *Metrics) precreate() {
	m.latencyRecorded = m.BeatLatency.WithLabelValues(OutcomeRecorded)
	m.latencyDegraded = m.BeatLatency.WithLabelValues(OutcomeDegraded)
	m.ConfigReloads.WithLabelValues(ReloadAccepted)
	m.ConfigReloads.WithLabelValues(ReloadRejected)
	for _, t := range [][2]breaker.State{
		{breaker.Closed, breaker.Open}, {breaker.Open, breaker.HalfOpen},
		{breaker.HalfOpen, breaker.Open}, {breaker.HalfOpen, breaker.Closed},
	} {
		m.BreakerTransitions.WithLabelValues(t[0].String(), t[1].String())
	}
}

// ObserveTransition is a breaker.TransitionFunc.
func (m *Metrics) ObserveTransition(from, to breaker.State) {
	m.BreakerTransitions.WithLabelValues(from.String(), to.String()).Inc()
	m.BreakerState.Set(float64(to))
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
