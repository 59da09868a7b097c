package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseLoveLevel(t *testing.T) {
	tests := []struct {
		raw  string
		want int
		ok   bool
	}{
		{"1", 1, true},
		{"7", 7, true},
		{"10", 10, true},
		{"7\n", 7, true},
		{"10\n", 10, true},
		{"", 0, false},
		{"\n", 0, false},
		{"0", 0, false},
		{"11", 0, false},
		{"7abc", 0, false},
		{"1abc", 0, false}, // the old `^[1-9]|10$` regex accepted this
		{"abc10", 0, false},
		{"1e1", 0, false},
		{"3.5", 0, false},
		{"7.0", 0, false},
		{"+5", 0, false},
		{"-5", 0, false},
		{"07", 0, false},
		{"010", 0, false},
		{"00", 0, false},
		{" 7", 0, false},
		{"7 ", 0, false},
		{"7\n\n", 0, false},
		{"7\r\n", 0, false},
		{"\t7", 0, false},
		{"0x7", 0, false},
		{"٧", 0, false}, // Arabic-Indic seven: a digit, but not ASCII
		{"99999999999999999999999", 0, false},
	}
	for _, tc := range tests {
		t.Run(strconv.Quote(tc.raw), func(t *testing.T) {
			got, err := ParseLoveLevel(tc.raw)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("ParseLoveLevel(%q) = %d, %v; want %d, ok=%v", tc.raw, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	cfg, problems := Parse("/etc/heart", map[string][]byte{KeyLoveLevel: []byte("7\n")})
	if len(problems) != 0 {
		t.Fatalf("unexpected problems: %v", problems)
	}
	want := Defaults()
	want.LoveLevel = 7
	if cfg != want {
		t.Fatalf("got %+v, want %+v", cfg, want)
	}
}

func TestParseOptionalKeys(t *testing.T) {
	tests := []struct {
		key, raw string
		check    func(Config) bool
	}{
		{KeyHeartbeatInterval, "5", func(c Config) bool { return c.HeartbeatInterval == 5*time.Second }},
		{KeyHeartbeatInterval, "300\n", func(c Config) bool { return c.HeartbeatInterval == 300*time.Second }},
		{KeyThemeColor, "#e0115f", func(c Config) bool { return c.Theme.Color == "#e0115f" }},
		{KeyThemeColor, "#FFF", func(c Config) bool { return c.Theme.Color == "#FFF" }},
		{KeyThemeSize, "large", func(c Config) bool { return c.Theme.Size == "large" }},
		{KeyThemeFrequency, "fast", func(c Config) bool { return c.Theme.Frequency == "fast" }},
		{KeyBreakerThreshold, "1", func(c Config) bool { return c.Breaker.FailureThreshold == 1 }},
		{KeyBreakerOpen, "2", func(c Config) bool { return c.Breaker.OpenDuration == 2*time.Second }},
		{KeyBreakerOpen, "0.5", func(c Config) bool { return c.Breaker.OpenDuration == 500*time.Millisecond }},
		{KeyBreakerOpen, "0.1", func(c Config) bool { return c.Breaker.OpenDuration == 100*time.Millisecond }},
		{KeyBreakerOpen, "600", func(c Config) bool { return c.Breaker.OpenDuration == 600*time.Second }},
		{KeyBreakerProbes, "3", func(c Config) bool { return c.Breaker.HalfOpenProbes == 3 }},
		{KeyRedisTimeout, "50ms", func(c Config) bool { return c.RedisTimeout == 50*time.Millisecond }},
		{KeyRedisTimeout, "5s", func(c Config) bool { return c.RedisTimeout == 5*time.Second }},
	}
	for _, tc := range tests {
		t.Run(tc.key+"="+strconv.Quote(tc.raw), func(t *testing.T) {
			cfg, problems := Parse("", map[string][]byte{KeyLoveLevel: []byte("5"), tc.key: []byte(tc.raw)})
			if len(problems) != 0 || !tc.check(cfg) {
				t.Fatalf("got %+v, problems %v", cfg, problems)
			}
		})
	}
}

func TestParseRejectsOptionalKeys(t *testing.T) {
	tests := []struct{ key, raw string }{
		{KeyHeartbeatInterval, "4"},
		{KeyHeartbeatInterval, "301"},
		{KeyHeartbeatInterval, "30s"},
		{KeyHeartbeatInterval, "030"},
		{KeyThemeColor, "red"},
		{KeyThemeColor, "#e0115"},
		{KeyThemeColor, "#gggggg"},
		{KeyThemeColor, "e0115f"},
		{KeyThemeSize, "huge"},
		{KeyThemeSize, "Large"},
		{KeyThemeFrequency, "2"},
		{KeyBreakerThreshold, "0"},
		{KeyBreakerThreshold, "1001"},
		{KeyBreakerOpen, "0"},
		{KeyBreakerOpen, "0.05"},
		{KeyBreakerOpen, "601"},
		{KeyBreakerOpen, "2s"},
		{KeyBreakerOpen, ".5"},
		{KeyBreakerOpen, "1.2345"},
		{KeyBreakerOpen, "1e1"},
		{KeyBreakerProbes, "0"},
		{KeyRedisTimeout, "200"},
		{KeyRedisTimeout, "9ms"},
		{KeyRedisTimeout, "6s"},
		{KeyRedisTimeout, "1m"},
		{KeyRedisTimeout, "-1s"},
		{KeyRedisTimeout, "0.5s"},
	}
	for _, tc := range tests {
		t.Run(tc.key+"="+strconv.Quote(tc.raw), func(t *testing.T) {
			_, problems := Parse("/cfg", map[string][]byte{KeyLoveLevel: []byte("5"), tc.key: []byte(tc.raw)})
			if len(problems) != 1 {
				t.Fatalf("want exactly one problem, got %v", problems)
			}
			msg := problems[0].Error()
			if !strings.Contains(msg, "/cfg/"+tc.key) || !strings.Contains(msg, strconv.Quote(tc.raw)) {
				t.Fatalf("problem %q should name the file and the value", msg)
			}
		})
	}
}

func TestParseReportsAllProblems(t *testing.T) {
	_, problems := Parse("/cfg", map[string][]byte{
		KeyThemeSize:         []byte("huge"),
		KeyHeartbeatInterval: []byte("1"),
	})
	if len(problems) != 3 {
		t.Fatalf("want 3 problems (missing love-level, size, interval), got %d: %v", len(problems), problems)
	}
	if !strings.Contains(problems[0].Error(), "/cfg/love-level: missing") {
		t.Fatalf("first problem should be the missing love-level, got %q", problems[0])
	}
}

func TestProblemIsOneLine(t *testing.T) {
	huge := strings.Repeat("x\n", 1000)
	_, problems := Parse("/cfg", map[string][]byte{KeyLoveLevel: []byte(huge)})
	if len(problems) != 1 || strings.Contains(problems[0].Error(), "\n") {
		t.Fatalf("want one single-line problem, got %q", problems)
	}
	if len(problems[0].Error()) > 400 {
		t.Fatalf("problem line too long: %d bytes", len(problems[0].Error()))
	}
}

func TestReadDirIgnoresUnknownAndKubernetesEntries(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "..2026_01_01_00_00_00.000000001", "love-level"), "8\n")
	mustSymlink(t, "..2026_01_01_00_00_00.000000001", filepath.Join(dir, "..data"))
	mustSymlink(t, "..data/love-level", filepath.Join(dir, "love-level"))
	writeFile(t, filepath.Join(dir, "unrelated-key"), "garbage")

	cfg, problems := Load(dir)
	if len(problems) != 0 || cfg.LoveLevel != 8 {
		t.Fatalf("got %+v, problems %v", cfg, problems)
	}
}

// TestReadDirNeverMixesVersions swaps "..data" between two versions as
// fast as it can while reading: every snapshot must be one version or the
// other, never love-level from one and theme-size from the other.
func TestReadDirNeverMixesVersions(t *testing.T) {
	dir := t.TempDir()
	versions := []map[string]string{
		{KeyLoveLevel: "3", KeyThemeSize: "small"},
		{KeyLoveLevel: "9", KeyThemeSize: "large"},
	}
	publish := func(n int) {
		ts := fmt.Sprintf("..v%d", n)
		for k, v := range versions[n%2] {
			writeFile(t, filepath.Join(dir, ts, k), v)
		}
		old, _ := os.Readlink(filepath.Join(dir, "..data"))
		mustSymlink(t, ts, filepath.Join(dir, "..data_tmp"))
		if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
			t.Error(err)
		}
		if old != "" {
			_ = os.RemoveAll(filepath.Join(dir, old))
		}
	}
	publish(0)
	for _, k := range []string{KeyLoveLevel, KeyThemeSize} {
		mustSymlink(t, filepath.Join("..data", k), filepath.Join(dir, k))
	}
	stop := make(chan struct{})
	swapped := make(chan struct{})
	go func() {
		defer close(swapped)
		for n := 1; ; n++ {
			select {
			case <-stop:
				return
			default:
				publish(n)
			}
		}
	}()
	defer func() { close(stop); <-swapped }()
	for range 300 {
		cfg, problems := Load(dir)
		if len(problems) > 0 {
			continue // the swapper outran the retries; never a mixed config
		}
		if (cfg.LoveLevel == 3) != (cfg.Theme.Size == "small") {
			t.Fatalf("mixed snapshot: love-level %d with theme-size %s", cfg.LoveLevel, cfg.Theme.Size)
		}
	}
}

func TestReadDirProblems(t *testing.T) {
	t.Run("missing directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nope")
		_, problems := Load(dir)
		if len(problems) != 1 || !strings.Contains(problems[0].Error(), "cannot read config directory") {
			t.Fatalf("got %v", problems)
		}
	})
	t.Run("key is a directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, KeyLoveLevel), 0o755); err != nil {
			t.Fatal(err)
		}
		_, problems := Load(dir)
		if len(problems) != 1 || !strings.Contains(problems[0].Error(), "is a directory") {
			t.Fatalf("got %v", problems)
		}
	})
	t.Run("oversized file", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, KeyLoveLevel), strings.Repeat("7", maxFileSize+1))
		_, problems := Load(dir)
		if len(problems) != 1 || !strings.Contains(problems[0].Error(), "larger than") {
			t.Fatalf("got %v", problems)
		}
	})
}

func TestDigestChangesWithContent(t *testing.T) {
	a := Snapshot{Files: map[string][]byte{KeyLoveLevel: []byte("7")}}
	b := Snapshot{Files: map[string][]byte{KeyLoveLevel: []byte("8")}}
	c := Snapshot{Files: map[string][]byte{KeyLoveLevel: []byte("7")}}
	if a.Digest() == b.Digest() || a.Digest() != c.Digest() {
		t.Fatal("digest must follow content")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
