package server

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
)

// maxAllocateMiB caps one /chaos/allocate call. Repeated calls add up, which
// is how a test walks the pod up to its memory limit.
const maxAllocateMiB = 1024

const mib = 1 << 20

// memoryHog holds memory on purpose so the kernel sees real RSS growth and
// a cgroup memory limit produces a real OOM kill.
type memoryHog struct {
	mu     sync.Mutex
	blocks [][]byte // kept referenced so the GC cannot free them
	logger *slog.Logger
}

func registerChaos(mux *http.ServeMux, logger *slog.Logger) {
	h := &memoryHog{logger: logger}
	mux.HandleFunc("POST /chaos/allocate", h.serveAllocate)
	mux.HandleFunc("POST /chaos/release", h.serveRelease)
}

func (h *memoryHog) serveAllocate(w http.ResponseWriter, r *http.Request) {
	n, err := parseMiB(r.URL.Query().Get("mib"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	held := h.allocate(n)
	h.logger.Warn("chaos: allocated memory", "mib", n, "held_mib", held)
	writeJSON(w, map[string]int{"allocated_mib": n, "held_mib": held})
}

func (h *memoryHog) serveRelease(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	h.blocks = nil
	h.mu.Unlock()
	debug.FreeOSMemory()
	h.logger.Warn("chaos: released memory")
	writeJSON(w, map[string]int{"held_mib": 0})
}

// parseMiB accepts a canonical integer 1..maxAllocateMiB.
func parseMiB(raw string) (int, error) {
	n, err := strconv.Atoi(raw)
	if err != nil || strconv.Itoa(n) != raw || n < 1 || n > maxAllocateMiB {
		return 0, fmt.Errorf("mib must be an integer from 1 to %d, got %q", maxAllocateMiB, raw)
	}
	return n, nil
}

// allocate grabs n MiB in 1 MiB blocks and writes to every page: Go's
// fresh memory is untouched mmap, which would not count towards RSS until
// written. Returns the total MiB now held.
func (h *memoryHog) allocate(n int) int {
	page := os.Getpagesize()
	h.mu.Lock()
	defer h.mu.Unlock()
	for range n {
		block := make([]byte, mib)
		for i := 0; i < len(block); i += page {
			block[i] = 1
		}
		h.blocks = append(h.blocks, block)
	}
	return len(h.blocks)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
