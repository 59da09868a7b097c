package config

import (
	"errors"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// field describes one key: what is allowed (for messages) and how a value
// that already lost its optional trailing newline is applied to a Config.
type field struct {
	key      string
	required bool
	allowed  string
	apply    func(value string, c *Config) bool
}

const loveLevelAllowed = "an integer from 1 to 10 written with digits only (no sign, spaces, decimals or leading zeros); one trailing newline is tolerated"

var fields = []field{
	{
		key: KeyLoveLevel, required: true,
		allowed: loveLevelAllowed,
		apply: func(v string, c *Config) bool {
			n, ok := strictInt(v, 1, 10)
			c.LoveLevel = n
			return ok
		},
	},
	{
		key:     KeyHeartbeatInterval,
		allowed: "whole seconds from 5 to 300 (digits only), default 30",
		apply: func(v string, c *Config) bool {
			n, ok := strictInt(v, 5, 300)
			c.HeartbeatInterval = time.Duration(n) * time.Second
			return ok
		},
	},
	{
		key:     KeyThemeColor,
		allowed: `a CSS hex colour "#rgb" or "#rrggbb", default #e0115f`,
		apply: func(v string, c *Config) bool {
			c.Theme.Color = v
			return hexColor.MatchString(v)
		},
	},
	{
		key:     KeyThemeSize,
		allowed: "one of small, medium, large; default medium",
		apply: func(v string, c *Config) bool {
			c.Theme.Size = v
			return oneOf(v, "small", "medium", "large")
		},
	},
	{
		key:     KeyThemeFrequency,
		allowed: "one of slow, normal, fast; default normal",
		apply: func(v string, c *Config) bool {
			c.Theme.Frequency = v
			return oneOf(v, "slow", "normal", "fast")
		},
	},
	{
		key:     KeyBreakerThreshold,
		allowed: "an integer from 1 to 1000 (consecutive failures), default 5",
		apply: func(v string, c *Config) bool {
			n, ok := strictInt(v, 1, 1000)
			c.Breaker.FailureThreshold = n
			return ok
		},
	},
	{
		key:     KeyBreakerOpen,
		allowed: "seconds from 0.1 to 600 with at most 3 decimals, e.g. 10 or 0.5; default 10",
		apply: func(v string, c *Config) bool {
			d, ok := decimalSeconds(v, 100*time.Millisecond, 600*time.Second)
			c.Breaker.OpenDuration = d
			return ok
		},
	},
	{
		key:     KeyBreakerProbes,
		allowed: "an integer from 1 to 100, default 1",
		apply: func(v string, c *Config) bool {
			n, ok := strictInt(v, 1, 100)
			c.Breaker.HalfOpenProbes = n
			return ok
		},
	},
	{
		key:     KeyRedisTimeout,
		allowed: "a whole number with unit ms or s from 10ms to 5s, e.g. 200ms; default 200ms",
		apply: func(v string, c *Config) bool {
			d, ok := strictDuration(v, 10*time.Millisecond, 5*time.Second)
			c.RedisTimeout = d
			return ok
		},
	},
}

var (
	hexColor     = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
	decimalRe    = regexp.MustCompile(`^(0|[1-9][0-9]{0,2})(?:\.([0-9]{1,3}))?$`)
	durationRe   = regexp.MustCompile(`^(0|[1-9][0-9]{0,5})(ms|s)$`)
	errLoveLevel = errors.New("love-level must be " + loveLevelAllowed)
)

// ParseLoveLevel parses a raw love-level file content.
func ParseLoveLevel(raw string) (int, error) {
	v, ok := trimOneNewline(raw)
	if !ok {
		return 0, errLoveLevel
	}
	n, ok := strictInt(v, 1, 10)
	if !ok {
		return 0, errLoveLevel
	}
	return n, nil
}

// Parse validates raw file contents keyed by config key. Absent optional
// keys take their defaults. Every problem is reported, not only the first;
// dir is only used to name files in problems.
func Parse(dir string, files map[string][]byte) (Config, []Problem) {
	cfg := Defaults()
	var problems []Problem
	for _, f := range fields {
		if p, bad := applyField(f, dir, files, &cfg); bad {
			problems = append(problems, p)
		}
	}
	return cfg, problems
}

func applyField(f field, dir string, files map[string][]byte, cfg *Config) (Problem, bool) {
	file := filepath.Join(dir, f.key)
	raw, present := files[f.key]
	if !present {
		if f.required {
			return Problem{File: file, Detail: "missing; required: " + f.allowed}, true
		}
		return Problem{}, false
	}
	v, ok := trimOneNewline(string(raw))
	if ok {
		ok = f.apply(v, cfg)
	}
	if !ok {
		return Problem{File: file, Detail: invalidValue(string(raw), f.allowed)}, true
	}
	return Problem{}, false
}

// trimOneNewline drops a single trailing "\n". Anything else that looks
// like whitespace makes the value invalid: a value that is "almost" right
// usually means the file was produced by the wrong tool.
func trimOneNewline(raw string) (string, bool) {
	v := strings.TrimSuffix(raw, "\n")
	return v, !strings.ContainsAny(v, "\n\r\t\v\f ")
}

// strictInt accepts only canonical decimal integers ("7", not "07" or "+7").
func strictInt(v string, lo, hi int) (int, bool) {
	if !canonicalDigits(v) {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

func canonicalDigits(v string) bool {
	if v == "" || (len(v) > 1 && v[0] == '0') {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// decimalSeconds parses "10", "2", "0.5" into a duration without going
// through floating point, so "0.1" is exactly 100ms.
func decimalSeconds(v string, lo, hi time.Duration) (time.Duration, bool) {
	m := decimalRe.FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	whole, _ := strconv.Atoi(m[1])
	millis, _ := strconv.Atoi((m[2] + "000")[:3])
	d := time.Duration(whole)*time.Second + time.Duration(millis)*time.Millisecond
	return d, d >= lo && d <= hi
}

func strictDuration(v string, lo, hi time.Duration) (time.Duration, bool) {
	m := durationRe.FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	unit := time.Millisecond
	if m[2] == "s" {
		unit = time.Second
	}
	d := time.Duration(n) * unit
	return d, d >= lo && d <= hi
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}
