// Package heart carries the release version of heart-display, embedded
// from the VERSION file so every build (Makefile, Dockerfile, go build)
// reports it without extra -ldflags.
package heart

import (
	_ "embed"
	"strings"
)

//go:embed VERSION
var version string

// Version is the content of VERSION, trimmed.
func Version() string { return strings.TrimSpace(version) }
