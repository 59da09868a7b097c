package redisclient

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chaosgate/heart/internal/redistest"
)

func TestAgainstRealRedis(t *testing.T) {
	srv := redistest.Start(t)
	c := New(srv.Addr(), 4)
	defer c.Close()
	ctx := context.Background()

	if err := c.Ping(ctx); err != nil {
		t.Fatalf("PING: %v", err)
	}
	if _, found, err := c.Get(ctx, "heart:test"); err != nil || found {
		t.Fatalf("GET missing key: found=%v err=%v", found, err)
	}
	for i, tc := range []struct{ by, want int64 }{{1, 1}, {1, 2}, {5, 7}} {
		if got, err := c.IncrBy(ctx, "heart:test", tc.by); err != nil || got != tc.want {
			t.Fatalf("INCRBY #%d = %d, %v; want %d", i, got, err, tc.want)
		}
	}
	if v, found, err := c.Get(ctx, "heart:test"); err != nil || !found || v != "7" {
		t.Fatalf("GET = %q, %v, %v; want \"7\"", v, found, err)
	}
}

func TestServerErrorKeepsConnectionUsable(t *testing.T) {
	srv := redistest.Start(t)
	c := New(srv.Addr(), 1)
	defer c.Close()
	ctx := context.Background()
	if _, err := c.do(ctx, "SET", "s", "not a number"); err != nil {
		t.Fatal(err)
	}
	// INCRBY on a non-integer string is an error reply, not a broken stream.
	_, err := c.IncrBy(ctx, "s", 1)
	var se ServerError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "not an integer") {
		t.Fatalf("want a server error, got %v", err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("connection unusable after error reply: %v", err)
	}
}

func TestConcurrentIncr(t *testing.T) {
	srv := redistest.Start(t)
	c := New(srv.Addr(), 4)
	defer c.Close()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if _, err := c.IncrBy(context.Background(), "n", 1); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if v, _, err := c.Get(context.Background(), "n"); err != nil || v != "200" {
		t.Fatalf("GET n = %q, %v; want 200", v, err)
	}
}

func TestDialFailure(t *testing.T) {
	srv := redistest.Start(t)
	srv.Stop()
	c := New(srv.Addr(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := c.Ping(ctx); err == nil {
		t.Fatal("PING to a stopped server succeeded")
	}
}

// TestTimeoutAndPoolExhaustion uses a server that accepts but never replies.
func TestTimeoutAndPoolExhaustion(t *testing.T) {
	addr := silentServer(t)
	c := New(addr, 1)
	defer c.Close()

	hold := make(chan error)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := c.IncrBy(ctx, "k", 1)
		hold <- err
	}()
	// Wait until the only slot is taken, then a second command cannot get one.
	waitFor(t, func() bool { return len(c.slots) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.IncrBy(ctx, "k", 1); !errors.Is(err, ErrPoolExhausted) {
		t.Fatalf("second command: %v, want ErrPoolExhausted", err)
	}
	var ne net.Error
	if err := <-hold; !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("first command: %v, want a timeout", err)
	}
}

func TestReadReplyRejectsMalformed(t *testing.T) {
	for _, in := range []string{"", "\r\n", "+OK\n", ":abc\r\n", "$5\r\nab\r\n", "$-2\r\n", "$2\r\nabcd", "*1\r\n:1\r\n", "$99999999999\r\n"} {
		if _, err := readReply(bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Errorf("readReply(%q) accepted malformed input", in)
		}
	}
}

func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met before deadline")
		}
		time.Sleep(time.Millisecond)
	}
}
