package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// maxFileSize bounds how much of one key is read: every valid value is a
// few bytes, so anything larger is a mistake and must not cost memory.
const maxFileSize = 4096

// Snapshot is the raw content of the known keys in a config directory at
// one moment, plus any problems met while reading it.
type Snapshot struct {
	Dir      string
	Files    map[string][]byte
	Problems []Problem
	// unreadable is set when the directory itself could not be read; then
	// per-key "missing" problems would only be noise.
	unreadable bool
}

// ReadDir reads every known key from dir as one consistent snapshot.
//
// In the kubelet's layout the keys are symlinks through "..data", which is
// swapped atomically to a new timestamped directory on update. Reading key
// by key through the symlinks could mix old and new keys when a swap lands
// mid-read, so ReadDir resolves "..data" once, reads every key from that
// (immutable) directory, and retries if "..data" moved meanwhile.
func ReadDir(dir string) Snapshot {
	s := Snapshot{Dir: dir, Files: map[string][]byte{}}
	info, err := os.Stat(dir)
	if err != nil {
		s.Problems = append(s.Problems, Problem{File: dir, Detail: "cannot read config directory: " + rootCause(err)})
		s.unreadable = true
		return s
	}
	if !info.IsDir() {
		s.Problems = append(s.Problems, Problem{File: dir, Detail: "is not a directory"})
		s.unreadable = true
		return s
	}
	for attempt := 0; ; attempt++ {
		data := dataDir(dir)
		s = readKeys(dir, data)
		if data == "" || dataDir(dir) == data || attempt == maxSwapRetries {
			return s
		}
	}
}

// maxSwapRetries bounds re-reads when "..data" keeps moving; swaps are
// rare, so one retry is nearly always enough.
const maxSwapRetries = 3

// dataDir returns the target of dir/..data, or "" when dir does not use
// the kubelet's layout.
func dataDir(dir string) string {
	target, err := os.Readlink(filepath.Join(dir, "..data"))
	if err != nil {
		return ""
	}
	return target
}

// readKeys reads the keys from dir/data (or dir itself when data is "");
// problems always name the user-visible path dir/key.
func readKeys(dir, data string) Snapshot {
	s := Snapshot{Dir: dir, Files: map[string][]byte{}}
	for _, key := range Keys {
		s.readKey(key, filepath.Join(dir, data, key))
	}
	return s
}

func (s *Snapshot) readKey(key, path string) {
	data, err := readSmallFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Absent: Parse decides whether that is a problem.
	case err != nil:
		s.Problems = append(s.Problems, Problem{File: filepath.Join(s.Dir, key), Detail: "cannot read: " + err.Error()})
	default:
		s.Files[key] = data
	}
}

func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return nil, errors.New("is a directory, want a file")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, errors.New(rootCause(err))
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("file is larger than %d bytes", maxFileSize)
	}
	return data, nil
}

// rootCause drops the path that *fs.PathError repeats, since every
// Problem already names its file.
func rootCause(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse validates the snapshot; read problems come first.
func (s Snapshot) Parse() (Config, []Problem) {
	cfg, problems := Parse(s.Dir, s.Files)
	if s.unreadable {
		return cfg, append([]Problem(nil), s.Problems...)
	}
	if len(s.Problems) == 0 {
		return cfg, problems
	}
	return cfg, append(append([]Problem(nil), s.Problems...), dropMissingFor(problems, s.Problems)...)
}

// dropMissingFor avoids reporting a key twice: once as unreadable and once
// as missing.
func dropMissingFor(problems, readProblems []Problem) []Problem {
	seen := map[string]bool{}
	for _, p := range readProblems {
		seen[p.File] = true
	}
	var kept []Problem
	for _, p := range problems {
		if !seen[p.File] {
			kept = append(kept, p)
		}
	}
	return kept
}

// Digest identifies the snapshot's content, so a watcher can tell a real
// change from a no-op event.
func (s Snapshot) Digest() string {
	keys := make([]string, 0, len(s.Files))
	for k := range s.Files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%d\x00", k, len(s.Files[k]))
		h.Write(s.Files[k])
	}
	for _, p := range s.Problems {
		fmt.Fprintf(h, "problem\x00%s\x00", p.Error())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Load reads and validates dir in one step.
func Load(dir string) (Config, []Problem) {
	return ReadDir(dir).Parse()
}
