package app

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/chaosgate/heart/internal/config"
)

// heldRedis is a fake Redis that holds every command until released, so a
// beat stays in flight for as long as the test wants.
type heldRedis struct {
	addr     string
	received chan struct{} // one value per command read
	release  chan struct{} // close to answer everything
}

func newHeldRedis(t *testing.T) *heldRedis {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &heldRedis{addr: l.Addr().String(), received: make(chan struct{}, 16), release: make(chan struct{})}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); h.serve(c) }()
		}
	}()
	return h
}

func (h *heldRedis) serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
		select {
		case h.received <- struct{}{}:
		default: // nobody is counting; never block the fake on it
		}
		<-h.release
		if _, err := c.Write([]byte(":1\r\n")); err != nil {
			return
		}
	}
}

// TestShutdownDrainsThenFinishesInFlight checks the SIGTERM sequence:
// readiness turns 503 while the server still runs, the listener then
// closes, an in-flight request still completes with 200, and Run returns
// nil only after that.
func TestShutdownDrainsThenFinishesInFlight(t *testing.T) {
	redis := newHeldRedis(t)
	dir := writeConfigDir(t, map[string]string{
		config.KeyLoveLevel: "7\n", config.KeyRedisTimeout: "5s",
	})
	in := start(t, Options{ConfigDir: dir, RedisAddr: redis.addr, Pod: "p-0", Namespace: "ns",
		DrainDelay: 300 * time.Millisecond})

	type result struct {
		resp beatResponse
		err  error
	}
	slow := make(chan result, 1)
	go func() {
		r, err := fetchHeart(in.url)
		slow <- result{r, err}
	}()
	<-redis.received // the beat is now in flight, waiting on "Redis"

	in.cancel() // what SIGTERM does in main
	eventually(t, "readyz 503 while draining", func() bool {
		return statusOf(in.url+"/readyz") == http.StatusServiceUnavailable
	})
	assertRunning(t, in, "during the drain delay")

	eventually(t, "listener closed by Shutdown", func() bool {
		c, err := net.DialTimeout("tcp", in.url[len("http://"):], 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	assertRunning(t, in, "while a request is in flight")

	close(redis.release)
	if r := <-slow; r.err != nil || r.resp.status != http.StatusOK || r.resp.body.Degraded {
		t.Fatalf("in-flight request: %+v, want 200 and not degraded", r)
	}
	select {
	case err := <-in.done:
		if err != nil {
			t.Fatalf("Run returned %v, want nil", err)
		}
		in.done <- err // let cleanup see it too
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after the in-flight request finished")
	}
}

func assertRunning(t *testing.T, in *instance, when string) {
	t.Helper()
	select {
	case err := <-in.done:
		t.Fatalf("Run returned %v %s; it must wait", err, when)
	default:
	}
}

func TestRunRejectsInvalidConfig(t *testing.T) {
	dir := writeConfigDir(t, map[string]string{config.KeyLoveLevel: "1abc"})
	err := Run(t.Context(), Options{ConfigDir: dir, Listen: "127.0.0.1:0"})
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 1 {
		t.Fatalf("Run = %v, want a ConfigError with one problem", err)
	}
}

func TestRunReportsListenFailure(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dir := writeConfigDir(t, map[string]string{config.KeyLoveLevel: "7"})
	if err := Run(t.Context(), Options{ConfigDir: dir, Listen: l.Addr().String()}); err == nil {
		t.Fatal("Run on a busy port succeeded")
	}
}
