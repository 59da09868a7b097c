package render

import (
	"fmt"
	"math"
	"strings"
)

// Text draws a heart made of the BPM glyph, taller for a higher love level
// (love level 1 is a single glyph), followed by a status line.
func Text(v View) string {
	var b strings.Builder
	glyph := Glyph(v.BPM)
	level := clampLevel(v.LoveLevel)
	if level == 1 {
		b.WriteString(glyph + "\n")
	} else {
		b.WriteString(heartShape(glyph, level+2))
	}
	fmt.Fprintf(&b, "%s/%s love=%d bpm=%d beats_local=%d beats_cluster=%s breaker=%s\n",
		v.Namespace, v.Pod, v.LoveLevel, v.BPM, v.BeatsLocal, clusterText(v.BeatsCluster), v.Breaker)
	if v.Degraded {
		b.WriteString("degraded: beating on local state only (cluster count unavailable)\n")
	}
	return b.String()
}

// heartShape samples the classic implicit heart curve
// (x²+y²−1)³ − x²y³ ≤ 0 on a grid of the given number of rows.
func heartShape(glyph string, rows int) string {
	// Terminal cells are about twice as tall as wide; a wide emoji fills two.
	cellWidth := 1
	if glyph == "💓" {
		cellWidth = 2
	}
	cols := int(math.Round(float64(rows) * 2.4 / float64(cellWidth)))
	blank := strings.Repeat(" ", cellWidth)
	var b strings.Builder
	for r := 0; r < rows; r++ {
		y := 1.25 - 2.3*(float64(r)+0.5)/float64(rows)
		var line strings.Builder
		for c := 0; c < cols; c++ {
			x := -1.2 + 2.4*(float64(c)+0.5)/float64(cols)
			if insideHeart(x, y) {
				line.WriteString(glyph)
			} else {
				line.WriteString(blank)
			}
		}
		if trimmed := strings.TrimRight(line.String(), " "); trimmed != "" {
			b.WriteString(trimmed + "\n")
		}
	}
	return b.String()
}

func insideHeart(x, y float64) bool {
	a := x*x + y*y - 1
	return a*a*a-x*x*y*y*y <= 0
}
