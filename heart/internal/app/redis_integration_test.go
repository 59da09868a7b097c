package app

import (
	"testing"

	"github.com/chaosgate/heart/internal/config"
	"github.com/chaosgate/heart/internal/redistest"
)

// TestRedisOutageAndRecovery runs two instances against one real
// redis-server: cluster counts are shared; when Redis dies every beat still
// answers 200 but degraded and the breaker opens; when Redis returns the
// breaker goes half-open, then closed, and degradation ends.
func TestRedisOutageAndRecovery(t *testing.T) {
	redis := redistest.Start(t)
	dir := writeConfigDir(t, map[string]string{
		config.KeyLoveLevel:        "7\n",
		config.KeyBreakerThreshold: "2\n",
		config.KeyBreakerOpen:      "0.5\n",
		config.KeyRedisTimeout:     "200ms\n",
	})
	a := start(t, Options{ConfigDir: dir, RedisAddr: redis.Addr(), Pod: "heart-display-0", Namespace: "love"})
	b := start(t, Options{ConfigDir: dir, RedisAddr: redis.Addr(), Pod: "heart-display-1", Namespace: "love"})

	t.Run("cluster-wide count across instances", func(t *testing.T) {
		var last beatResponse
		for _, url := range []string{a.url, a.url, a.url, b.url, b.url} {
			last = getHeart(t, url)
			if last.status != 200 || last.degradedHeader != "false" || last.body.Degraded {
				t.Fatalf("healthy beat: %+v", last)
			}
		}
		if last.body.BeatsCluster == nil || *last.body.BeatsCluster != 5 || last.body.BeatsLocal != 2 {
			t.Fatalf("after 3 beats on A and 2 on B: %+v, want cluster 5, local 2", last.body)
		}
		if got := metricValue(t, a.url, "heart_rate_total"); got != 3 {
			t.Fatalf("A heart_rate_total = %v, want 3", got)
		}
	})

	t.Run("redis down: degraded 200s and the breaker opens", func(t *testing.T) {
		redis.Stop()
		eventually(t, "breaker open on A", func() bool {
			r := getHeart(t, a.url)
			if r.status != 200 || r.degradedHeader != "true" || !r.body.Degraded || r.body.BeatsCluster != nil {
				t.Fatalf("beat during outage: %+v; want 200, degraded, no cluster count", r)
			}
			return r.body.Breaker == "open"
		})
		if got := metricValue(t, a.url, `heart_display_breaker_transitions_total{from="closed",to="open"}`); got != 1 {
			t.Fatalf("closed->open transitions = %v, want 1", got)
		}
		if got := metricValue(t, a.url, "heart_display_breaker_state"); got != 1 {
			t.Fatalf("breaker state gauge = %v, want 1 (open)", got)
		}
	})

	t.Run("redis back: half-open then closed, not degraded", func(t *testing.T) {
		redis.Restart()
		eventually(t, "breaker closed and not degraded on A", func() bool {
			r := getHeart(t, a.url)
			if r.status != 200 {
				t.Fatalf("status %d during recovery", r.status)
			}
			return r.body.Breaker == "closed" && !r.body.Degraded && r.degradedHeader == "false"
		})
		for _, series := range []string{
			`heart_display_breaker_transitions_total{from="open",to="half-open"}`,
			`heart_display_breaker_transitions_total{from="half-open",to="closed"}`,
		} {
			if got := metricValue(t, a.url, series); got < 1 {
				t.Fatalf("%s = %v, want >= 1", series, got)
			}
		}
		if got := metricValue(t, a.url, "heart_display_breaker_state"); got != 0 {
			t.Fatalf("breaker state gauge = %v, want 0 (closed)", got)
		}
	})
}
