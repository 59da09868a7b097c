package render

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"
)

const defaultColor = "#e0115f"

var safeColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// heartPath is a heart of two mirrored cubic Bézier lobes, centred on the
// origin, about 170 units wide at scale 1.
const heartPath = "M 0,62 C -82,12 -92,-40 -62,-66 C -36,-88 -6,-76 0,-46 " +
	"C 6,-76 36,-88 62,-66 C 92,-40 82,12 0,62 Z"

// widths maps theme-size to the rendered width in pixels.
var widths = map[string]int{"small": 120, "medium": 200, "large": 320}

// pulse maps theme-frequency to the duration of one SVG pulse.
var pulse = map[string]string{"slow": "1.5s", "normal": "1s", "fast": "0.5s"}

// SVG draws a pulsing Bézier heart (bigger for a higher love level) with
// the pod name and live counters underneath.
func SVG(v View) string {
	var b strings.Builder
	width := lookup(widths, v.Size, 200)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 200 260" role="img">
`, width, width*13/10)
	b.WriteString("<title>" + escape(fmt.Sprintf("heart of %s/%s", v.Namespace, v.Pod)) + "</title>\n")
	writeHeart(&b, v)
	writeLabels(&b, v)
	b.WriteString("</svg>\n")
	return b.String()
}

func writeHeart(b *strings.Builder, v View) {
	color := v.Color
	if !safeColor.MatchString(color) {
		color = defaultColor
	}
	opacity := "1"
	if v.Degraded {
		opacity = "0.45" // a faded heart: still beating, but only locally
	}
	// At level 10 and the pulse's peak (×1.08) the heart still fits the box.
	scale := 0.5 + 0.045*float64(clampLevel(v.LoveLevel))
	fmt.Fprintf(b, `<g transform="translate(100 100) scale(%.2f)">
<path d="%s" fill="%s" fill-opacity="%s" stroke="#5a0a24" stroke-width="3">
<animateTransform attributeName="transform" type="scale" values="1;1.08;1" dur="%s" repeatCount="indefinite"/>
</path>
</g>
`, scale, heartPath, color, opacity, lookup(pulse, v.Frequency, "1s"))
}

func writeLabels(b *strings.Builder, v View) {
	lines := []string{
		v.Pod,
		fmt.Sprintf("love %d/10 · %d bpm", v.LoveLevel, v.BPM),
		fmt.Sprintf("beats here: %d", v.BeatsLocal),
		"beats cluster: " + clusterText(v.BeatsCluster),
		"breaker: " + v.Breaker,
	}
	if v.Degraded {
		lines = append(lines, "DEGRADED: local state only")
	}
	b.WriteString(`<g font-family="monospace" font-size="11" text-anchor="middle" fill="#333">` + "\n")
	for i, line := range lines {
		fmt.Fprintf(b, `<text x="100" y="%d">%s</text>`+"\n", 182+i*14, escape(line))
	}
	b.WriteString("</g>\n")
}

// escape makes any string safe as XML character data; characters XML
// cannot carry become U+FFFD.
func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func lookup[V any](m map[string]V, key string, fallback V) V {
	if v, ok := m[key]; ok {
		return v
	}
	return fallback
}
