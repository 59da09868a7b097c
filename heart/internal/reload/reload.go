// Package reload keeps the live configuration in step with the mounted
// config directory, without restarts.
//
// Kubernetes updates a mounted ConfigMap by writing a new hidden directory
// and atomically renaming a "..data" symlink over the old one; the visible
// key files are symlinks through "..data". Watching the directory itself
// with fsnotify sees that rename (watching the key files would not: their
// own inodes never change). Polling the content digest every few seconds
// is the fallback for filesystems or environments where inotify events are
// missing or lost.
package reload

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/chaosgate/heart/internal/config"
)

// Options configure a Watcher.
type Options struct {
	Dir          string
	PollInterval time.Duration // 0 means 2s
	// Debounce waits for a burst of filesystem events to settle, so a
	// half-written file (outside Kubernetes) is not rejected needlessly.
	Debounce        time.Duration // 0 means 100ms
	DisableFSNotify bool          // polling only (tests, exotic filesystems)
	Logger          *slog.Logger
	OnAccepted      func(config.Config)
	OnRejected      func([]config.Problem)
}

// Watcher owns the live configuration.
type Watcher struct {
	opts    Options
	current atomic.Pointer[config.Config]

	mu         sync.Mutex // serialises checks
	lastDigest string
}

// New starts from an already validated snapshot (the one loaded at
// startup), so the first poll does not count as a reload.
func New(opts Options, initial config.Snapshot, cfg config.Config) *Watcher {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 2 * time.Second
	}
	if opts.Debounce <= 0 {
		opts.Debounce = 100 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	w := &Watcher{opts: opts, lastDigest: initial.Digest()}
	w.current.Store(&cfg)
	return w
}

// Current returns the live configuration.
func (w *Watcher) Current() config.Config { return *w.current.Load() }

// Start establishes the directory watch before returning (so no change
// made after Start is missed), then watches in the background until ctx is
// done; the returned channel closes when it has stopped. It never fails:
// without fsnotify it still polls.
func (w *Watcher) Start(ctx context.Context) <-chan struct{} {
	events, errs, closeWatch := w.startFSNotify()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer closeWatch()
		// Catch a change made between the initial load and the watch.
		w.Check()
		w.loop(ctx, events, errs)
	}()
	return done
}

func (w *Watcher) loop(ctx context.Context, events <-chan fsnotify.Event, errs <-chan error) {
	ticker := time.NewTicker(w.opts.PollInterval)
	defer ticker.Stop()
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-events:
			if !ok {
				events = nil // watcher gone; polling continues
				continue
			}
			settle.Reset(w.opts.Debounce)
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			w.opts.Logger.Warn("config watch error; polling continues", "err", err)
		case <-settle.C:
			w.Check()
		case <-ticker.C:
			w.Check()
		}
	}
}

func (w *Watcher) startFSNotify() (<-chan fsnotify.Event, <-chan error, func()) {
	noop := func() {}
	if w.opts.DisableFSNotify {
		return nil, nil, noop
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		w.opts.Logger.Warn("fsnotify unavailable; polling only", "err", err)
		return nil, nil, noop
	}
	if err := fw.Add(w.opts.Dir); err != nil {
		w.opts.Logger.Warn("cannot watch config dir; polling only", "dir", w.opts.Dir, "err", err)
		fw.Close()
		return nil, nil, noop
	}
	return fw.Events, fw.Errors, func() { fw.Close() }
}

// Check re-reads the directory and applies a changed configuration if it
// is valid. An invalid one is rejected once per distinct content; the
// previous configuration stays live.
func (w *Watcher) Check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	snap := config.ReadDir(w.opts.Dir)
	digest := snap.Digest()
	if digest == w.lastDigest {
		return
	}
	w.lastDigest = digest
	cfg, problems := snap.Parse()
	if len(problems) > 0 {
		w.reject(problems)
		return
	}
	w.current.Store(&cfg)
	w.opts.Logger.Info("config reloaded", "love_level", cfg.LoveLevel)
	if w.opts.OnAccepted != nil {
		w.opts.OnAccepted(cfg)
	}
}

func (w *Watcher) reject(problems []config.Problem) {
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.Error()
	}
	w.opts.Logger.Error("config reload rejected; keeping the previous config",
		"problems", lines, "love_level", w.Current().LoveLevel)
	if w.opts.OnRejected != nil {
		w.opts.OnRejected(problems)
	}
}
