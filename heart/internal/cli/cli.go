// Package cli is heart-display's command line: argument and environment
// parsing happen here, at the edge, and nowhere else.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/chaosgate/heart"
	"github.com/chaosgate/heart/internal/app"
	"github.com/chaosgate/heart/internal/config"
)

// Version overrides the embedded VERSION file when set at build time with
// -ldflags "-X github.com/chaosgate/heart/internal/cli.Version=v1.2.3".
var Version = ""

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // invalid config, runtime error
	exitUsage   = 2 // bad arguments
)

const usage = `heart-display: a heart that beats per request, counted per pod and cluster-wide.

Usage:
  heart-display serve [--listen ADDR] [--config-dir DIR] [--redis-addr HOST:PORT]
  heart-display validate-config DIR
  heart-display version
  heart-display --help

serve environment (flags win over environment):
  HEART_LISTEN            listen address                    (default ":8080")
  HEART_CONFIG_DIR        mounted ConfigMap directory       (default "/etc/heart")
  HEART_REDIS_ADDR        Redis address                     (default "127.0.0.1:6379")
  HEART_DRAIN_DELAY       readiness-off time before stop    (default "2s", Go duration)
  HEART_CHAOS_ENDPOINTS   "1" enables POST /chaos/allocate and /chaos/release
  POD_NAME, POD_NAMESPACE identity                          (default hostname, "default")
  GOGC                    Go's GC target                    (default 400 here, not Go's 100)

validate-config exits 0 if DIR is valid, 1 with one stderr line per problem
if not, 2 on usage errors.
`

// Env looks up an environment variable (os.Getenv in production).
type Env func(string) string

// Main runs one command and returns the process exit code. ctx ends on
// SIGTERM/SIGINT.
func Main(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], env, stdout, stderr)
	case "validate-config":
		return validateConfig(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "heart-display %s (%s %s/%s)\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return exitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "heart-display: unknown command %q; run 'heart-display --help'\n", args[0])
		return exitUsage
	}
}

func version() string {
	if Version != "" {
		return Version
	}
	if v := heart.Version(); v != "" {
		return v
	}
	return "dev"
}

func validateConfig(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprintln(stderr, "usage: heart-display validate-config DIR")
		return exitUsage
	}
	cfg, problems := config.Load(args[0])
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p.Error())
		}
		return exitFailure
	}
	fmt.Fprintf(stdout, "%s: valid (love-level %d)\n", args[0], cfg.LoveLevel)
	return exitOK
}

func serve(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) int {
	opts, err := serveOptions(args, env)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "heart-display serve: %v; run 'heart-display --help'\n", err)
		return exitUsage
	}
	opts.Logger = slog.New(slog.NewJSONHandler(stderr, nil))
	if percent, ok := defaultGCPercent(env); ok {
		debug.SetGCPercent(percent)
	}
	if err := app.Run(ctx, opts); err != nil {
		logFailure(opts.Logger, err)
		return exitFailure
	}
	return exitOK
}

// serveGCPercent is heart-display's garbage-collection target. Its live
// heap is a few MiB, so at Go's default of 100 a loaded pod collects many
// times a second, and on a one-core pod each cycle shows in the tail
// latency (measured with bench/bench_heart_http.py: about 0.6 ms of p99).
// 400 trades some MiB of heap for a quarter of the cycles.
const serveGCPercent = 400

// defaultGCPercent returns the GC target to set, unless the user chose one
// with GOGC (which the Go runtime has then already applied).
func defaultGCPercent(env Env) (int, bool) {
	if env("GOGC") != "" {
		return 0, false
	}
	return serveGCPercent, true
}

func logFailure(log *slog.Logger, err error) {
	var ce *app.ConfigError
	if errors.As(err, &ce) {
		lines := make([]string, len(ce.Problems))
		for i, p := range ce.Problems {
			lines[i] = p.Error()
		}
		log.Error("invalid config; not starting", "problems", lines)
		return
	}
	log.Error("heart-display stopped with an error", "err", err.Error())
}

// serveOptions resolves flags over environment over defaults. The flag
// package's own printing is silenced: serve reports one clear line.
func serveOptions(args []string, env Env) (app.Options, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	listen := fs.String("listen", envOr(env, "HEART_LISTEN", ":8080"), "listen address")
	dir := fs.String("config-dir", envOr(env, "HEART_CONFIG_DIR", "/etc/heart"), "config directory")
	redis := fs.String("redis-addr", envOr(env, "HEART_REDIS_ADDR", "127.0.0.1:6379"), "Redis HOST:PORT")
	if err := fs.Parse(args); err != nil {
		return app.Options{}, err
	}
	if fs.NArg() > 0 {
		return app.Options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	drain, err := drainDelay(env)
	if err != nil {
		return app.Options{}, err
	}
	return app.Options{
		Listen: *listen, ConfigDir: *dir, RedisAddr: *redis,
		Pod: podName(env), Namespace: envOr(env, "POD_NAMESPACE", "default"),
		DrainDelay: drain, Chaos: env("HEART_CHAOS_ENDPOINTS") == "1",
	}, nil
}

func drainDelay(env Env) (time.Duration, error) {
	raw := envOr(env, "HEART_DRAIN_DELAY", "2s")
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 || d > 5*time.Minute {
		return 0, fmt.Errorf("HEART_DRAIN_DELAY=%q: want a Go duration from 0s to 5m, e.g. 2s", raw)
	}
	return d, nil
}

func podName(env Env) string {
	if name := env("POD_NAME"); name != "" {
		return name
	}
	if host, err := os.Hostname(); err == nil && host != "" {
		return host
	}
	return "unknown"
}

func envOr(env Env, key, fallback string) string {
	if v := env(key); v != "" {
		return v
	}
	return fallback
}
