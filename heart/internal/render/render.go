// Package render draws the heart as plain text, SVG or JSON. Renderers are
// pure functions of a View, so they can be tested and fuzzed without a
// server.
package render

import (
	"encoding/json"
	"fmt"
)

// View is everything a rendering shows.
type View struct {
	Pod          string
	Namespace    string
	LoveLevel    int
	BPM          int64
	BeatsLocal   int64
	BeatsCluster *int64 // nil when the cluster count is unknown
	Degraded     bool
	Breaker      string
	Color        string // CSS hex colour from the (validated) theme
	Size         string // small | medium | large
	Frequency    string // slow | normal | fast
}

// Glyph picks the heart by beats per minute: ♡ below 60, ❤ from 60 to 100,
// 💓 above 100.
func Glyph(bpm int64) string {
	switch {
	case bpm < 60:
		return "♡"
	case bpm <= 100:
		return "❤"
	default:
		return "💓"
	}
}

// Render returns the body for mediaType, which must be one of Supported.
func Render(mediaType string, v View) ([]byte, error) {
	switch mediaType {
	case TypeText:
		return []byte(Text(v)), nil
	case TypeSVG:
		return []byte(SVG(v)), nil
	case TypeJSON:
		return JSON(v)
	default:
		return nil, fmt.Errorf("render: unsupported media type %q", mediaType)
	}
}

type jsonView struct {
	Pod          string `json:"pod"`
	Namespace    string `json:"namespace"`
	LoveLevel    int    `json:"love_level"`
	BPM          int64  `json:"bpm"`
	BeatsLocal   int64  `json:"beats_local"`
	BeatsCluster *int64 `json:"beats_cluster"` // null when unknown
	Degraded     bool   `json:"degraded"`
	Breaker      string `json:"breaker"`
}

// JSON renders the machine-readable state.
func JSON(v View) ([]byte, error) {
	b, err := json.Marshal(jsonView{
		Pod: v.Pod, Namespace: v.Namespace, LoveLevel: v.LoveLevel, BPM: v.BPM,
		BeatsLocal: v.BeatsLocal, BeatsCluster: v.BeatsCluster,
		Degraded: v.Degraded, Breaker: v.Breaker,
	})
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// clampLevel keeps drawing code safe for any input; config validation is
// what enforces 1..10 for real.
func clampLevel(level int) int {
	return min(max(level, 1), 10)
}

func clusterText(c *int64) string {
	if c == nil {
		return "unknown"
	}
	return fmt.Sprint(*c)
}
