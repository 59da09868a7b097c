package render

import (
	"math"
	"strconv"
	"strings"
)

// glyphs are the three hearts Glyph can pick.
var glyphs = [...]string{"♡", "❤", "💓"}

// shapes holds every heart drawing, keyed by glyph and love level. There
// are only 3×10 of them, so they are drawn once at start-up instead of on
// every request: sampling the curve per request was the text renderer's
// main cost under load.
var shapes = drawAllShapes()

func drawAllShapes() map[string]*[11]string {
	all := make(map[string]*[11]string, len(glyphs))
	for _, glyph := range glyphs {
		var byLevel [11]string
		byLevel[1] = glyph + "\n"
		for level := 2; level <= 10; level++ {
			byLevel[level] = heartShape(glyph, level+2)
		}
		all[glyph] = &byLevel
	}
	return all
}

// Text draws a heart made of the BPM glyph, taller for a higher love level
// (love level 1 is a single glyph), followed by a status line.
func Text(v View) string {
	return string(AppendText(nil, v))
}

// AppendText appends Text's rendering to dst without intermediate strings.
func AppendText(dst []byte, v View) []byte {
	dst = append(dst, shapes[Glyph(v.BPM)][clampLevel(v.LoveLevel)]...)
	dst = append(dst, v.Namespace...)
	dst = append(dst, '/')
	dst = append(dst, v.Pod...)
	dst = append(dst, " love="...)
	dst = strconv.AppendInt(dst, int64(v.LoveLevel), 10)
	dst = append(dst, " bpm="...)
	dst = strconv.AppendInt(dst, v.BPM, 10)
	dst = append(dst, " beats_local="...)
	dst = strconv.AppendInt(dst, v.BeatsLocal, 10)
	dst = append(dst, " beats_cluster="...)
	dst = appendCluster(dst, v.BeatsCluster)
	dst = append(dst, " breaker="...)
	dst = append(dst, v.Breaker...)
	dst = append(dst, '\n')
	if v.Degraded {
		dst = append(dst, "degraded: beating on local state only (cluster count unavailable)\n"...)
	}
	return dst
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
