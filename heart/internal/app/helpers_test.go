package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// instance is one running service under test.
type instance struct {
	url    string
	cancel context.CancelFunc
	done   chan error // receives Run's result
}

func writeConfigDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for k, v := range files {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// start runs the service on a free 127.0.0.1 port and waits until /readyz
// answers 200. It is stopped (and its result checked) at test end unless
// the test stopped it itself.
func start(t *testing.T, o Options) *instance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.Listener = ln
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{url: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { in.done <- Run(ctx, o) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-in.done:
		case <-time.After(30 * time.Second):
			t.Error("service did not stop")
		}
	})
	eventually(t, "service ready", func() bool { return statusOf(in.url+"/readyz") == http.StatusOK })
	return in
}

var client = &http.Client{Timeout: 10 * time.Second}

func statusOf(url string) int {
	resp, err := client.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

type heartJSON struct {
	Pod          string `json:"pod"`
	LoveLevel    int    `json:"love_level"`
	BeatsLocal   int64  `json:"beats_local"`
	BeatsCluster *int64 `json:"beats_cluster"`
	Degraded     bool   `json:"degraded"`
	Breaker      string `json:"breaker"`
}

type beatResponse struct {
	status         int
	degradedHeader string
	body           heartJSON
}

func getHeart(t *testing.T, url string) beatResponse {
	t.Helper()
	r, err := fetchHeart(url)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fetchHeart is getHeart for goroutines other than the test's own.
func fetchHeart(url string) (beatResponse, error) {
	req, _ := http.NewRequest("GET", url+"/", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return beatResponse{}, fmt.Errorf("GET %s/: %w", url, err)
	}
	defer resp.Body.Close()
	r := beatResponse{status: resp.StatusCode, degradedHeader: resp.Header.Get("X-Heart-Degraded")}
	if err := json.NewDecoder(resp.Body).Decode(&r.body); err != nil {
		return r, fmt.Errorf("decode JSON from %s: %w", url, err)
	}
	return r, nil
}

// metricValue reads one sample from /metrics; series is the exact text
// before the value, e.g. `heart_rate_total` or `x_total{a="b"}`.
func metricValue(t *testing.T, url, series string) float64 {
	t.Helper()
	resp, err := client.Get(url + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", series, err)
			}
			return v
		}
	}
	t.Fatalf("metric %s not found", series)
	return 0
}

// eventually polls cond until it holds; the deadline only guards against
// hangs on a loaded machine, it is not a timing assertion.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
