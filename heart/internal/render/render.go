// Package render draws the heart as plain text, SVG or JSON. Renderers are
// pure functions of a View, so they can be tested and fuzzed without a
// server.
package render

import (
	"encoding/json"
	"fmt"
	"strconv"
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

// Append appends the body for mediaType, which must be one of Supported,
// to dst. The server renders into reused buffers: text and JSON are built
// without intermediate strings, because per-request garbage is what
// collections, and so a single-core pod's tail latency, are made of.
func Append(dst []byte, mediaType string, v View) ([]byte, error) {
	switch mediaType {
	case TypeText:
		return AppendText(dst, v), nil
	case TypeSVG:
		return append(dst, SVG(v)...), nil
	case TypeJSON:
		return AppendJSON(dst, v), nil
	default:
		return dst, fmt.Errorf("render: unsupported media type %q", mediaType)
	}
}

// JSON renders the machine-readable state: pod, namespace, love_level,
// bpm, beats_local, beats_cluster (null when unknown), degraded, breaker.
func JSON(v View) []byte {
	return AppendJSON(nil, v)
}

// AppendJSON appends JSON's rendering to dst.
func AppendJSON(dst []byte, v View) []byte {
	dst = append(dst, `{"pod":`...)
	dst = appendJSONString(dst, v.Pod)
	dst = append(dst, `,"namespace":`...)
	dst = appendJSONString(dst, v.Namespace)
	dst = append(dst, `,"love_level":`...)
	dst = strconv.AppendInt(dst, int64(v.LoveLevel), 10)
	dst = append(dst, `,"bpm":`...)
	dst = strconv.AppendInt(dst, v.BPM, 10)
	dst = append(dst, `,"beats_local":`...)
	dst = strconv.AppendInt(dst, v.BeatsLocal, 10)
	dst = append(dst, `,"beats_cluster":`...)
	if v.BeatsCluster == nil {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendInt(dst, *v.BeatsCluster, 10)
	}
	dst = append(dst, `,"degraded":`...)
	dst = strconv.AppendBool(dst, v.Degraded)
	dst = append(dst, `,"breaker":`...)
	dst = appendJSONString(dst, v.Breaker)
	return append(dst, "}\n"...)
}

// appendJSONString quotes s as a JSON string. Pod and namespace names are
// plain ASCII in practice and are copied as they are; anything else goes
// through encoding/json, which escapes it correctly.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			quoted, _ := json.Marshal(s) // a string always marshals
			return append(dst, quoted...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// clampLevel keeps drawing code safe for any input; config validation is
// what enforces 1..10 for real.
func clampLevel(level int) int {
	return min(max(level, 1), 10)
}

func clusterText(c *int64) string {
	return string(appendCluster(nil, c))
}

func appendCluster(dst []byte, c *int64) []byte {
	if c == nil {
		return append(dst, "unknown"...)
	}
	return strconv.AppendInt(dst, *c, 10)
}
