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

// ReadDir reads every known key from dir. Keys are usually symlinks into
// Kubernetes' "..data" directory; reading through them is intended.
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
	for _, key := range Keys {
		s.readKey(key)
	}
	return s
}

func (s *Snapshot) readKey(key string) {
	path := filepath.Join(s.Dir, key)
	data, err := readSmallFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Absent: Parse decides whether that is a problem.
	case err != nil:
		s.Problems = append(s.Problems, Problem{File: path, Detail: "cannot read: " + err.Error()})
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
