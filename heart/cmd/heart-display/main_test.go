package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// runAsMain makes the test binary act as heart-display itself, so the real
// signal path can be exercised in a child process (never by signalling the
// test process).
const runAsMain = "HEART_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsMain) == "1" {
		os.Args = append([]string{"heart-display"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

// TestSIGTERMExitsZero starts the real binary entry point, waits for it to
// serve, sends SIGTERM and expects a graceful exit with status 0.
func TestSIGTERMExitsZero(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "love-level"), []byte("7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "serve", "--listen", "127.0.0.1:0", "--config-dir", dir)
	cmd.Env = append(os.Environ(), runAsMain+"=1", "HEART_DRAIN_DELAY=100ms", "HEART_REDIS_ADDR=127.0.0.1:1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	logs := bufio.NewScanner(stderr)
	addr := waitForServing(t, logs)
	if resp, err := http.Get("http://" + addr + "/readyz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz before SIGTERM: %v %v", resp, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest bytes.Buffer
	for logs.Scan() {
		rest.WriteString(logs.Text() + "\n")
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\nlogs:\n%s", err, rest.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("process did not exit after SIGTERM")
	}
	if !bytes.Contains(rest.Bytes(), []byte(`"msg":"draining: readiness off"`)) {
		t.Fatalf("no drain log line:\n%s", rest.String())
	}
}

// waitForServing reads JSON log lines until the "serving" line and returns
// its address.
func waitForServing(t *testing.T, logs *bufio.Scanner) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		for logs.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(logs.Bytes(), &line) == nil && line.Msg == "serving" {
				found <- line.Addr
				return
			}
		}
		close(found)
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			t.Fatal("process exited before serving")
		}
		return addr
	case <-time.After(20 * time.Second):
		t.Fatal("no serving log line")
		return ""
	}
}
