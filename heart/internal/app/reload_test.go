package app

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chaosgate/heart/internal/config"
)

// TestHotReloadThroughService checks the wiring: an accepted reload changes
// what / shows and the metrics; a rejected one is counted and changes
// nothing.
func TestHotReloadThroughService(t *testing.T) {
	redis := newHeldRedis(t)
	close(redis.release) // answer at once
	dir := writeConfigDir(t, map[string]string{config.KeyLoveLevel: "7"})
	in := start(t, Options{ConfigDir: dir, RedisAddr: redis.addr, Pod: "p", Namespace: "ns",
		PollInterval: 50 * time.Millisecond})

	writeKey(t, dir, config.KeyLoveLevel, "9\n")
	eventually(t, "love level 9 live", func() bool { return getHeart(t, in.url).body.LoveLevel == 9 })
	assertMetric(t, in.url, `heart_display_config_reloads_total{result="accepted"}`, 1)
	assertMetric(t, in.url, "heart_display_love_level", 9)

	writeKey(t, dir, config.KeyLoveLevel, "07\n")
	eventually(t, "rejection counted", func() bool {
		return metricValue(t, in.url, `heart_display_config_reloads_total{result="rejected"}`) == 1
	})
	if got := getHeart(t, in.url).body.LoveLevel; got != 9 {
		t.Fatalf("love level %d after a rejected reload, want 9 kept", got)
	}
	assertMetric(t, in.url, "heart_display_love_level", 9)
}

// writeKey replaces a key file atomically (write aside, then rename), as a
// ConfigMap update does. A plain os.WriteFile truncates first, and a poll
// that lands between the truncate and the write sees an empty key: one more
// rejection than the test made, which once made this test flaky under -race.
func writeKey(t *testing.T, dir, key, value string) {
	t.Helper()
	aside := filepath.Join(t.TempDir(), key)
	if err := os.WriteFile(aside, []byte(value), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(aside, filepath.Join(dir, key)); err != nil {
		t.Fatal(err)
	}
}

func assertMetric(t *testing.T, url, series string, want float64) {
	t.Helper()
	if got := metricValue(t, url, series); got != want {
		t.Fatalf("%s = %v, want %v", series, got, want)
	}
}
