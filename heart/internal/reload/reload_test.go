package reload

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chaosgate/heart/internal/config"
)

// kubeletDir mimics how the kubelet's AtomicWriter lays out and updates a
// mounted ConfigMap.
type kubeletDir struct {
	t       *testing.T
	root    string
	version atomic.Int32
}

// write publishes a new set of keys: new timestamped dir, "..data_tmp"
// symlink to it, rename over "..data", key symlinks through "..data",
// then removal of the previous timestamped dir.
func (k *kubeletDir) write(files map[string]string) {
	k.t.Helper()
	n := k.version.Add(1)
	tsDir := fmt.Sprintf("..2026_01_01_00_00_%02d.%09d", n, n)
	must(k.t, os.Mkdir(filepath.Join(k.root, tsDir), 0o755))
	for key, content := range files {
		must(k.t, os.WriteFile(filepath.Join(k.root, tsDir, key), []byte(content), 0o644))
	}
	old, _ := os.Readlink(filepath.Join(k.root, "..data"))
	must(k.t, os.Symlink(tsDir, filepath.Join(k.root, "..data_tmp")))
	must(k.t, os.Rename(filepath.Join(k.root, "..data_tmp"), filepath.Join(k.root, "..data")))
	for key := range files {
		link := filepath.Join(k.root, key)
		if _, err := os.Lstat(link); os.IsNotExist(err) {
			must(k.t, os.Symlink(filepath.Join("..data", key), link))
		}
	}
	if old != "" {
		must(k.t, os.RemoveAll(filepath.Join(k.root, old)))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type events struct {
	accepted chan config.Config
	rejected chan []config.Problem
}

func startWatcher(t *testing.T, dir string, opts Options) (*Watcher, events) {
	t.Helper()
	snap := config.ReadDir(dir)
	cfg, problems := snap.Parse()
	if len(problems) > 0 {
		t.Fatalf("initial config invalid: %v", problems)
	}
	ev := events{accepted: make(chan config.Config, 10), rejected: make(chan []config.Problem, 10)}
	opts.Dir = dir
	opts.Debounce = 20 * time.Millisecond
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	opts.OnAccepted = func(c config.Config) { ev.accepted <- c }
	opts.OnRejected = func(p []config.Problem) { ev.rejected <- p }
	w := New(opts, snap, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := w.Start(ctx)
	t.Cleanup(func() { cancel(); <-done })
	return w, ev
}

func next[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s before the deadline", what)
		panic("unreachable")
	}
}

// TestKubeletSwapViaFSNotify disables polling (one hour) so only inotify
// can notice the "..data" swap.
func TestKubeletSwapViaFSNotify(t *testing.T) {
	k := &kubeletDir{t: t, root: t.TempDir()}
	k.write(map[string]string{"love-level": "7\n", "theme-size": "small\n"})
	w, ev := startWatcher(t, k.root, Options{PollInterval: time.Hour})

	k.write(map[string]string{"love-level": "9\n", "theme-size": "large\n"})
	got := next(t, ev.accepted, "accepted reload")
	if got.LoveLevel != 9 || got.Theme.Size != "large" || w.Current().LoveLevel != 9 {
		t.Fatalf("accepted %+v, current %+v", got, w.Current())
	}

	k.write(map[string]string{"love-level": "1abc\n", "theme-size": "large\n"})
	problems := next(t, ev.rejected, "rejected reload")
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), "love-level") {
		t.Fatalf("problems = %v", problems)
	}
	if w.Current().LoveLevel != 9 {
		t.Fatalf("invalid config replaced the live one: %+v", w.Current())
	}
	select {
	case c := <-ev.accepted:
		t.Fatalf("unexpected accepted reload %+v", c)
	default:
	}
}

func TestUnrelatedEventsDoNotReload(t *testing.T) {
	k := &kubeletDir{t: t, root: t.TempDir()}
	k.write(map[string]string{"love-level": "7"})
	_, ev := startWatcher(t, k.root, Options{PollInterval: time.Hour})

	must(t, os.WriteFile(filepath.Join(k.root, "unrelated"), []byte("x"), 0o644))
	k.write(map[string]string{"love-level": "7"}) // same content, new swap
	k.write(map[string]string{"love-level": "3"})
	if got := next(t, ev.accepted, "accepted reload"); got.LoveLevel != 3 {
		t.Fatalf("first reload was %+v; no-op events must not reload", got)
	}
	if len(ev.rejected) != 0 {
		t.Fatalf("unexpected rejection: %v", <-ev.rejected)
	}
}

func TestPollingFallback(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "love-level"), []byte("4"), 0o644))
	w, ev := startWatcher(t, dir, Options{PollInterval: 20 * time.Millisecond, DisableFSNotify: true})

	must(t, os.WriteFile(filepath.Join(dir, "love-level"), []byte("0"), 0o644))
	next(t, ev.rejected, "rejected reload")
	must(t, os.WriteFile(filepath.Join(dir, "love-level"), []byte("5"), 0o644))
	if got := next(t, ev.accepted, "accepted reload"); got.LoveLevel != 5 || w.Current().LoveLevel != 5 {
		t.Fatalf("got %+v", got)
	}
}

func TestRejectedOncePerContent(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "love-level"), []byte("4"), 0o644))
	snap := config.ReadDir(dir)
	cfg, _ := snap.Parse()
	rejected := 0
	w := New(Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnRejected: func([]config.Problem) { rejected++ }}, snap, cfg)

	must(t, os.WriteFile(filepath.Join(dir, "love-level"), []byte("11"), 0o644))
	w.Check()
	w.Check()
	if rejected != 1 || w.Current().LoveLevel != 4 {
		t.Fatalf("rejected %d times, current %+v; want once and 4 kept", rejected, w.Current())
	}
}
