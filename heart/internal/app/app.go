// Package app wires heart-display together and runs it until its context
// ends. Signals are the caller's business: Run only sees a context, which
// keeps shutdown behaviour testable without signalling the test process.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/chaosgate/heart/internal/beats"
	"github.com/chaosgate/heart/internal/breaker"
	"github.com/chaosgate/heart/internal/config"
	"github.com/chaosgate/heart/internal/metrics"
	"github.com/chaosgate/heart/internal/redisclient"
	"github.com/chaosgate/heart/internal/reload"
	"github.com/chaosgate/heart/internal/server"
)

// Options configure one service instance.
type Options struct {
	Listen    string       // address to listen on, e.g. ":8080"
	Listener  net.Listener // if set, used instead of Listen (tests)
	ConfigDir string
	RedisAddr string
	Pod       string
	Namespace string
	// DrainDelay is how long /readyz reports 503 before the server stops
	// accepting connections, so endpoint controllers can take the pod out
	// of rotation first.
	DrainDelay time.Duration
	// ShutdownTimeout bounds the wait for in-flight requests.
	ShutdownTimeout time.Duration
	PollInterval    time.Duration // config polling fallback; 0 means 2s
	Chaos           bool          // register /chaos/ endpoints
	Logger          *slog.Logger
}

// redisPoolSize caps concurrent Redis commands per pod.
const redisPoolSize = 64

// ConfigError reports an invalid configuration at startup.
type ConfigError struct{ Problems []config.Problem }

func (e *ConfigError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return "invalid config: " + strings.Join(lines, "; ")
}

// service is one wired-up instance.
type service struct {
	opts      Options
	log       *slog.Logger
	metrics   *metrics.Metrics
	breaker   *breaker.Breaker
	redis     *redisclient.Client
	watcher   *reload.Watcher
	heart     *beats.Heart
	readiness *server.Readiness
	http      *fasthttp.Server
}

// Run loads the config (failing fast if it is invalid: the InitContainer
// should have caught it, and a crash loop is louder than a silent pod),
// serves until ctx is done, then drains and shuts down gracefully.
func Run(ctx context.Context, o Options) error {
	o = withDefaults(o)
	snap := config.ReadDir(o.ConfigDir)
	cfg, problems := snap.Parse()
	if len(problems) > 0 {
		return &ConfigError{Problems: problems}
	}
	s := newService(o, snap, cfg)
	defer s.redis.Close()
	ln, err := s.listen()
	if err != nil {
		return err
	}
	bgCtx, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	watchDone := s.watcher.Start(bgCtx)
	go s.heartbeat(bgCtx)
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.http.Serve(ln) }()
	s.readiness.SetReady()
	s.log.Info("serving", "addr", ln.Addr().String(), "pod", o.Pod, "namespace", o.Namespace,
		"redis", o.RedisAddr, "config_dir", o.ConfigDir, "love_level", cfg.LoveLevel, "chaos_endpoints", o.Chaos)

	select {
	case err := <-serveErr:
		stopBackground()
		<-watchDone
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	err = s.drainAndShutdown()
	stopBackground()
	<-watchDone
	return err
}

func withDefaults(o Options) Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 20 * time.Second
	}
	return o
}

func newService(o Options, snap config.Snapshot, cfg config.Config) *service {
	s := &service{opts: o, log: o.Logger, readiness: &server.Readiness{}}
	s.metrics = metrics.New(o.Pod, o.Namespace)
	s.metrics.LoveLevel.Set(float64(cfg.LoveLevel))
	s.breaker = breaker.New(breakerSettings(cfg), nil, s.onBreakerTransition)
	s.redis = redisclient.New(o.RedisAddr, redisPoolSize)
	s.watcher = reload.New(reload.Options{
		Dir: o.ConfigDir, PollInterval: o.PollInterval, Logger: s.log,
		OnAccepted: s.onConfigAccepted, OnRejected: s.onConfigRejected,
	}, snap, cfg)
	s.heart = beats.NewHeart(s.redis, s.breaker, beats.NewWindow(nil),
		func() time.Duration { return s.watcher.Current().RedisTimeout })
	// Request contexts deliberately do not derive from Run's ctx: SIGTERM
	// must not cancel in-flight beats; Shutdown lets them finish instead.
	s.http = &fasthttp.Server{
		Handler: server.New(server.Deps{
			Heart: s.heart, Metrics: s.metrics, Config: s.watcher.Current,
			Readiness: s.readiness, Pod: o.Pod, Namespace: o.Namespace,
			Chaos: o.Chaos, Logger: s.log,
		}),
		ReadTimeout: 5 * time.Second,
		IdleTimeout: 60 * time.Second,
		// Keep-alive clients are told to reconnect (elsewhere) once we drain.
		CloseOnShutdown:       true,
		NoDefaultServerHeader: true,
		Logger:                warnLogger{s.log},
	}
	return s
}

func breakerSettings(c config.Config) breaker.Settings {
	return breaker.Settings{
		FailureThreshold: c.Breaker.FailureThreshold,
		OpenDuration:     c.Breaker.OpenDuration,
		HalfOpenProbes:   c.Breaker.HalfOpenProbes,
	}
}

func (s *service) listen() (net.Listener, error) {
	if s.opts.Listener != nil {
		return s.opts.Listener, nil
	}
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", s.opts.Listen, err)
	}
	return ln, nil
}

func (s *service) onBreakerTransition(from, to breaker.State) {
	s.metrics.ObserveTransition(from, to)
	s.log.Warn("circuit breaker transition", "from", from.String(), "to", to.String())
}

func (s *service) onConfigAccepted(c config.Config) {
	s.metrics.ConfigReloads.WithLabelValues(metrics.ReloadAccepted).Inc()
	s.metrics.LoveLevel.Set(float64(c.LoveLevel))
	s.breaker.Update(breakerSettings(c))
}

func (s *service) onConfigRejected([]config.Problem) {
	s.metrics.ConfigReloads.WithLabelValues(metrics.ReloadRejected).Inc()
}

// heartbeat logs a summary every heartbeat-interval (re-read each time, so
// reloads apply). Reading the breaker state here also moves an idle open
// breaker to half-open on time, keeping the state gauge honest.
func (s *service) heartbeat(ctx context.Context) {
	timer := time.NewTimer(s.watcher.Current().HeartbeatInterval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		s.log.Info("heartbeat", "beats_local", s.heart.Local(), "bpm", s.heart.BPM(),
			"breaker", s.heart.BreakerState().String(), "love_level", s.watcher.Current().LoveLevel)
		timer.Reset(s.watcher.Current().HeartbeatInterval)
	}
}

// drainAndShutdown turns readiness off first, waits DrainDelay while still
// serving, then lets in-flight requests finish.
func (s *service) drainAndShutdown() error {
	s.readiness.SetDraining()
	s.log.Info("draining: readiness off", "drain_delay", s.opts.DrainDelay.String())
	time.Sleep(s.opts.DrainDelay)
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	s.log.Info("shutting down: waiting for in-flight requests", "timeout", s.opts.ShutdownTimeout.String())
	if err := s.http.ShutdownWithContext(ctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shutdown: in-flight requests still running after %s", s.opts.ShutdownTimeout)
		}
		return fmt.Errorf("shutdown: %w", err)
	}
	s.log.Info("stopped")
	return nil
}

// warnLogger passes fasthttp's own messages (bad requests, connection
// errors) to the service log as warnings.
type warnLogger struct{ log *slog.Logger }

func (l warnLogger) Printf(format string, args ...any) {
	l.log.Warn(fmt.Sprintf(format, args...), "source", "fasthttp")
}
