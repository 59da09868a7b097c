// Package config reads and validates the heart-display configuration
// directory: a mounted ConfigMap where every key is one file.
//
// Parsing is deliberately strict. A value may carry exactly one trailing
// "\n" (what `kubectl create configmap --from-file` and YAML block scalars
// produce) and nothing else: no surrounding spaces, no sign, no leading
// zeros. The original chart validated love-level with `^[1-9]|10$`, which
// accepts "1abc"; strictness here is the point.
package config

import (
	"fmt"
	"time"
)

// Key names, one file each in the config directory.
const (
	KeyLoveLevel         = "love-level"
	KeyHeartbeatInterval = "heartbeat-interval"
	KeyThemeColor        = "theme-color"
	KeyThemeSize         = "theme-size"
	KeyThemeFrequency    = "theme-frequency"
	KeyBreakerThreshold  = "breaker-failure-threshold"
	KeyBreakerOpen       = "breaker-open-seconds"
	KeyBreakerProbes     = "breaker-half-open-probes"
	KeyRedisTimeout      = "redis-timeout"
)

// Keys lists every key the service reads, in a stable order. Files not
// listed here (including Kubernetes' "..data" and "..2024_…" entries) are
// ignored.
var Keys = []string{
	KeyLoveLevel, KeyHeartbeatInterval, KeyThemeColor, KeyThemeSize,
	KeyThemeFrequency, KeyBreakerThreshold, KeyBreakerOpen, KeyBreakerProbes,
	KeyRedisTimeout,
}

// Theme controls how the heart is drawn.
type Theme struct {
	Color     string // CSS hex colour, "#rgb" or "#rrggbb"
	Size      string // small | medium | large
	Frequency string // slow | normal | fast: speed of the SVG pulse
}

// Breaker holds the circuit-breaker settings for the Redis dependency.
type Breaker struct {
	FailureThreshold int           // consecutive failures that open the breaker
	OpenDuration     time.Duration // time spent open before half-open
	HalfOpenProbes   int           // probes allowed (and successes needed) in half-open
}

// Config is one complete, validated configuration.
type Config struct {
	LoveLevel         int
	HeartbeatInterval time.Duration
	Theme             Theme
	Breaker           Breaker
	RedisTimeout      time.Duration
}

// Defaults returns the configuration used for every optional key that is
// absent. LoveLevel has no default: it is required.
func Defaults() Config {
	return Config{
		HeartbeatInterval: 30 * time.Second,
		Theme:             Theme{Color: "#e0115f", Size: "medium", Frequency: "normal"},
		Breaker: Breaker{
			FailureThreshold: 5,
			OpenDuration:     10 * time.Second,
			HalfOpenProbes:   1,
		},
		RedisTimeout: 200 * time.Millisecond,
	}
}

// Problem is one reason a configuration is invalid. Its Error text is a
// single line naming the file, the offending value and what is allowed.
type Problem struct {
	File   string // path of the file (or directory) at fault
	Detail string // what is wrong and what is allowed
}

func (p Problem) Error() string { return p.File + ": " + p.Detail }

// maxShownValue bounds how much of a bad value is echoed back, so a huge or
// binary file still produces one readable line.
const maxShownValue = 40

func invalidValue(value, allowed string) string {
	return fmt.Sprintf("invalid value %s; allowed: %s", quoteShort(value), allowed)
}

func quoteShort(v string) string {
	if len(v) <= maxShownValue {
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprintf("%q… (%d bytes)", v[:maxShownValue], len(v))
}
