package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/chaosgate/heart/internal/beats"
	"github.com/chaosgate/heart/internal/beats/beatstest"
	"github.com/chaosgate/heart/internal/breaker"
	"github.com/chaosgate/heart/internal/config"
	"github.com/chaosgate/heart/internal/metrics"
)

type fixture struct {
	handler   fasthttp.RequestHandler
	store     *beatstest.Store
	readiness *Readiness
	metrics   *metrics.Metrics
}

func newFixture(t *testing.T, chaos bool) fixture {
	t.Helper()
	store := &beatstest.Store{}
	m := metrics.New("heart-display-0", "love")
	b := breaker.New(breaker.Settings{FailureThreshold: 2, OpenDuration: time.Hour, HalfOpenProbes: 1}, nil, m.ObserveTransition)
	heart := beats.NewHeart(store, b, beats.NewWindow(nil), func() time.Duration { return time.Second })
	cfg := config.Defaults()
	cfg.LoveLevel = 7
	readiness := &Readiness{}
	readiness.SetReady()
	h := New(Deps{
		Heart: heart, Metrics: m, Config: func() config.Config { return cfg },
		Readiness: readiness, Pod: "heart-display-0", Namespace: "love",
		Chaos: chaos, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return fixture{handler: h, store: store, readiness: readiness, metrics: m}
}

// recorded is a response as a test reads it.
type recorded struct {
	Code   int
	header http.Header
	Body   *bytes.Buffer
}

func (r recorded) Header() http.Header { return r.header }

func (f fixture) do(method, path, accept string) recorded {
	return serve(f.handler, method, path, accept)
}

// serve runs one request through handler in memory, as fasthttp's server
// would, and records the response.
func serve(handler fasthttp.RequestHandler, method, path, accept string) recorded {
	var req fasthttp.Request
	req.Header.SetMethod(method)
	req.SetRequestURI(path)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, nil, nil)
	handler(&ctx)
	header := http.Header{}
	for k, v := range ctx.Response.Header.All() {
		header.Add(string(k), string(v))
	}
	header.Set("Content-Type", string(ctx.Response.Header.ContentType()))
	return recorded{ctx.Response.StatusCode(), header, bytes.NewBuffer(ctx.Response.Body())}
}

func TestHeartContentNegotiation(t *testing.T) {
	tests := []struct {
		accept, wantType string
		wantStatus       int
		wantBody         string
	}{
		{"", "text/plain; charset=utf-8", 200, "love=7"},
		{"*/*", "text/plain; charset=utf-8", 200, "love=7"},
		{"image/svg+xml", "image/svg+xml", 200, "<svg"},
		{"application/json", "application/json", 200, `"pod":"heart-display-0"`},
		{"text/plain;q=0.1, application/json;q=0.9", "application/json", 200, `"love_level":7`},
		{"application/xml", "text/plain; charset=utf-8", 406, "text/plain, image/svg+xml, application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.accept, func(t *testing.T) {
			f := newFixture(t, false)
			rec := f.do("GET", "/", tc.accept)
			if rec.Code != tc.wantStatus || rec.Header().Get("Content-Type") != tc.wantType {
				t.Fatalf("status %d type %q, want %d %q", rec.Code, rec.Header().Get("Content-Type"), tc.wantStatus, tc.wantType)
			}
			if !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Fatalf("body lacks %q:\n%s", tc.wantBody, rec.Body.String())
			}
			if rec.Header().Get("Vary") != "Accept" {
				t.Fatal("responses must carry Vary: Accept")
			}
		})
	}
}

func TestNotAcceptableIsNotABeat(t *testing.T) {
	f := newFixture(t, false)
	f.do("GET", "/", "application/xml")
	rec := f.do("GET", "/", "application/json")
	var got struct {
		BeatsLocal int64 `json:"beats_local"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.BeatsLocal != 1 {
		t.Fatalf("beats_local = %d (%v), want 1", got.BeatsLocal, err)
	}
}

func TestDegradedWhenRedisFails(t *testing.T) {
	f := newFixture(t, false)
	if rec := f.do("GET", "/", "application/json"); rec.Header().Get("X-Heart-Degraded") != "false" {
		t.Fatalf("healthy beat should say X-Heart-Degraded: false, got %q", rec.Header().Get("X-Heart-Degraded"))
	}
	f.store.Fail.Store(true)
	for i := 0; i < 3; i++ {
		rec := f.do("GET", "/", "application/json")
		var got struct {
			Degraded     bool   `json:"degraded"`
			BeatsCluster *int64 `json:"beats_cluster"`
			Breaker      string `json:"breaker"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if rec.Code != 200 || rec.Header().Get("X-Heart-Degraded") != "true" || !got.Degraded || got.BeatsCluster != nil {
			t.Fatalf("beat %d: status %d header %q body %s", i, rec.Code, rec.Header().Get("X-Heart-Degraded"), rec.Body)
		}
	}
	metricsText := f.do("GET", "/metrics", "").Body.String()
	for _, want := range []string{
		`heart_display_beats_total{namespace="love",pod_name="heart-display-0"} 4`,
		"heart_rate_total 1",
		`heart_display_breaker_transitions_total{from="closed",to="open"} 1`,
		"heart_display_breaker_state 1",
		`beat_latency_seconds_bucket{outcome="degraded",le="5e-05"}`,
		`heart_display_config_reloads_total{result="rejected"} 0`,
		"go_goroutines",
	} {
		if !strings.Contains(metricsText, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestMethodsAndPaths(t *testing.T) {
	f := newFixture(t, false)
	tests := []struct {
		method, path string
		want         int
	}{
		{"POST", "/", http.StatusMethodNotAllowed},
		{"GET", "/nope", http.StatusNotFound},
		{"HEAD", "/", http.StatusOK},
		{"GET", "/healthz", http.StatusOK},
		{"GET", "/readyz", http.StatusOK},
		{"POST", "/chaos/allocate?mib=1", http.StatusNotFound},
	}
	for _, tc := range tests {
		if rec := f.do(tc.method, tc.path, ""); rec.Code != tc.want {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, rec.Code, tc.want)
		}
	}
}

func TestReadiness(t *testing.T) {
	r := &Readiness{}
	for _, step := range []struct {
		action func()
		want   int
	}{
		{func() {}, 503},
		{r.SetReady, 200},
		{r.SetDraining, 503},
		{r.SetReady, 503}, // draining is final
	} {
		step.action()
		if rec := serve(r.Serve, "GET", "/readyz", ""); rec.Code != step.want {
			t.Fatalf("readyz = %d, want %d", rec.Code, step.want)
		}
	}
}

func TestChaosAllocate(t *testing.T) {
	f := newFixture(t, true)
	for _, bad := range []string{"", "0", "-1", "01", "abc", "1.5", "1025", "99999999999999999999"} {
		if rec := f.do("POST", "/chaos/allocate?mib="+bad, ""); rec.Code != http.StatusBadRequest {
			t.Errorf("mib=%q: status %d, want 400", bad, rec.Code)
		}
	}
	if rec := f.do("GET", "/chaos/allocate?mib=1", ""); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET allocate: %d, want 405", rec.Code)
	}
	for want := 2; want <= 4; want += 2 {
		rec := f.do("POST", "/chaos/allocate?mib=2", "")
		var got map[string]int
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 || got["held_mib"] != want {
			t.Fatalf("allocate: %d %s, want held_mib %d", rec.Code, rec.Body, want)
		}
	}
	if rec := f.do("POST", "/chaos/release", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"held_mib":0`) {
		t.Fatalf("release: %d %s", rec.Code, rec.Body)
	}
}

// BenchmarkServeHeart measures the handler alone (no network), with the
// allocations per request: garbage collection is what drives a
// single-core pod's tail latency.
func BenchmarkServeHeart(b *testing.B) {
	f := newFixture(&testing.T{}, false)
	for _, accept := range []string{"text/plain", "application/json"} {
		b.Run(accept, func(b *testing.B) {
			var req fasthttp.Request
			req.SetRequestURI("/")
			req.Header.Set("Accept", accept)
			var ctx fasthttp.RequestCtx
			b.ReportAllocs()
			for b.Loop() {
				ctx.Init(&req, nil, nil)
				f.handler(&ctx)
			}
		})
	}
}
