package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chaosgate/heart"
)

func envMap(m map[string]string) Env { return func(k string) string { return m[k] } }

func run(t *testing.T, ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(ctx, args, envMap(env), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func configDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for k, v := range files {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCommands(t *testing.T) {
	valid := configDir(t, map[string]string{"love-level": "7\n"})
	invalid := configDir(t, map[string]string{"love-level": "1abc", "theme-size": "huge", "heartbeat-interval": "4"})
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    string
		wantErr    string
		errorLines int // exact number of stderr lines, when > 0
	}{
		{name: "no args", args: nil, wantCode: 2, wantErr: "Usage:"},
		{name: "unknown command", args: []string{"dance"}, wantCode: 2, wantErr: `unknown command "dance"`},
		{name: "help", args: []string{"--help"}, wantCode: 0, wantOut: "validate-config DIR"},
		{name: "version", args: []string{"version"}, wantCode: 0, wantOut: "heart-display " + heart.Version() + " ("},
		{name: "validate valid", args: []string{"validate-config", valid}, wantCode: 0, wantOut: "valid (love-level 7)"},
		{name: "validate invalid", args: []string{"validate-config", invalid}, wantCode: 1,
			wantErr: "love-level: invalid value \"1abc\"", errorLines: 3},
		{name: "validate missing dir", args: []string{"validate-config", filepath.Join(valid, "nope")}, wantCode: 1,
			wantErr: "cannot read config directory", errorLines: 1},
		{name: "validate no dir", args: []string{"validate-config"}, wantCode: 2, wantErr: "usage:"},
		{name: "validate two dirs", args: []string{"validate-config", valid, valid}, wantCode: 2, wantErr: "usage:"},
		{name: "validate flag", args: []string{"validate-config", "--strict"}, wantCode: 2, wantErr: "usage:"},
		{name: "serve bad flag", args: []string{"serve", "--nope"}, wantCode: 2,
			wantErr: "flag provided but not defined: -nope", errorLines: 1},
		{name: "serve missing flag value", args: []string{"serve", "--listen"}, wantCode: 2,
			wantErr: "flag needs an argument", errorLines: 1},
		{name: "serve extra arg", args: []string{"serve", "extra"}, wantCode: 2, wantErr: `unexpected argument "extra"`},
		{name: "serve help", args: []string{"serve", "--help"}, wantCode: 0, wantOut: "HEART_LISTEN"},
		{name: "serve invalid config", args: []string{"serve", "--config-dir", invalid, "--listen", "127.0.0.1:0"},
			wantCode: 1, wantErr: "invalid config; not starting"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, context.Background(), map[string]string{"HEART_DRAIN_DELAY": "0s"}, tc.args...)
			if code != tc.wantCode || !strings.Contains(out, tc.wantOut) || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tc.wantCode, out, errOut)
			}
			if n := strings.Count(errOut, "\n"); tc.errorLines > 0 && n != tc.errorLines {
				t.Fatalf("stderr has %d lines, want %d:\n%s", n, tc.errorLines, errOut)
			}
		})
	}
}

func TestBadDrainDelay(t *testing.T) {
	for _, raw := range []string{"soon", "-1s", "10m"} {
		code, _, errOut := run(t, context.Background(), map[string]string{"HEART_DRAIN_DELAY": raw}, "serve")
		if code != 2 || !strings.Contains(errOut, "HEART_DRAIN_DELAY") {
			t.Errorf("HEART_DRAIN_DELAY=%q: exit %d, stderr %q", raw, code, errOut)
		}
	}
}

func TestServeOptionsPrecedence(t *testing.T) {
	env := envMap(map[string]string{
		"HEART_LISTEN": ":1111", "HEART_CONFIG_DIR": "/env/dir", "HEART_REDIS_ADDR": "env:6379",
		"POD_NAME": "heart-display-2", "POD_NAMESPACE": "love", "HEART_CHAOS_ENDPOINTS": "1",
		"HEART_DRAIN_DELAY": "500ms",
	})
	o, err := serveOptions([]string{"--listen", ":2222", "-redis-addr", "flag:6379"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if o.Listen != ":2222" || o.RedisAddr != "flag:6379" || o.ConfigDir != "/env/dir" ||
		o.Pod != "heart-display-2" || o.Namespace != "love" || !o.Chaos || o.DrainDelay != 500*time.Millisecond {
		t.Fatalf("got %+v", o)
	}

	o, err = serveOptions(nil, envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if o.Listen != ":8080" || o.ConfigDir != "/etc/heart" || o.Namespace != "default" || o.Pod != host ||
		o.Chaos || o.DrainDelay != 2*time.Second {
		t.Fatalf("defaults: got %+v", o)
	}
	if o, _ := serveOptions(nil, envMap(map[string]string{"HEART_CHAOS_ENDPOINTS": "true"})); o.Chaos {
		t.Fatal(`only HEART_CHAOS_ENDPOINTS=1 enables chaos endpoints`)
	}
}

func TestServeStopsCleanlyWhenContextEnds(t *testing.T) {
	dir := configDir(t, map[string]string{"love-level": "7"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, _, errOut := run(t, ctx, map[string]string{"HEART_DRAIN_DELAY": "0s", "HEART_REDIS_ADDR": "127.0.0.1:1"},
		"serve", "--config-dir", dir, "--listen", "127.0.0.1:0")
	if code != 0 || !strings.Contains(errOut, `"msg":"stopped"`) {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
}

func TestGCTargetDefaultsOnlyWhenTheUserSetNone(t *testing.T) {
	tests := []struct {
		gogc        string
		wantPercent int
		wantSet     bool
	}{
		{"", serveGCPercent, true},
		{"100", 0, false},
		{"off", 0, false},
	}
	for _, tc := range tests {
		env := func(key string) string {
			if key == "GOGC" {
				return tc.gogc
			}
			return ""
		}
		if percent, set := defaultGCPercent(env); percent != tc.wantPercent || set != tc.wantSet {
			t.Errorf("GOGC=%q: got %d, %v; want %d, %v", tc.gogc, percent, set, tc.wantPercent, tc.wantSet)
		}
	}
}
