package render

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRender: for any state and Accept header, negotiation and every
// renderer must not panic, SVG must be well-formed XML and JSON valid.
func FuzzRender(f *testing.F) {
	f.Add("heart-display-0", "default", 7, int64(72), int64(10), int64(42), false, "closed", "#e0115f", "medium", "normal", "application/json")
	f.Add("", "", 0, int64(-1), int64(0), int64(-1), true, "", "", "", "", "")
	f.Add("<&>\"'", "\x00\xff", 11, int64(101), int64(1<<62), int64(0), true, "open", "red\"", "huge", "2", "*/*;q=0.5, image/svg+xml")
	f.Add("x", "y", 3, int64(0), int64(0), int64(0), false, "", "", "", "", "IMAGE/SVG+XML")
	f.Add("💓", "ns", -5, int64(59), int64(1), int64(1), false, "half-open", "#FFF", "large", "fast", "text/*;q=0, */*")
	f.Fuzz(func(t *testing.T, pod, ns string, level int, bpm, local, cluster int64, degraded bool,
		breaker, color, size, freq, accept string) {
		v := View{
			Pod: pod, Namespace: ns, LoveLevel: level, BPM: bpm, BeatsLocal: local,
			Degraded: degraded, Breaker: breaker, Color: color, Size: size, Frequency: freq,
		}
		if cluster >= 0 {
			v.BeatsCluster = &cluster
		}
		typ, ok := Negotiate(accept)
		if ok && !isSupported(typ) {
			t.Fatalf("Negotiate(%q) returned unsupported %q", accept, typ)
		}
		if slowTyp, slowOK := negotiateParsed(accept); slowTyp != typ || slowOK != ok {
			t.Fatalf("Negotiate(%q) = %q, %v but the full parse says %q, %v", accept, typ, ok, slowTyp, slowOK)
		}
		if err := wellFormedXML(SVG(v)); err != nil {
			t.Fatalf("SVG not well-formed: %v", err)
		}
		var decoded struct{ Pod, Namespace, Breaker string }
		body := JSON(v)
		if err := json.Unmarshal(body, &decoded); err != nil {
			t.Fatalf("JSON invalid: %v %q", err, body)
		}
		// encoding/json turns invalid UTF-8 into U+FFFD, so only valid
		// strings must come back unchanged.
		for _, pair := range [][2]string{{pod, decoded.Pod}, {ns, decoded.Namespace}, {breaker, decoded.Breaker}} {
			if utf8.ValidString(pair[0]) && pair[0] != pair[1] {
				t.Fatalf("JSON string %q came back as %q", pair[0], pair[1])
			}
		}
		if text := Text(v); !strings.Contains(text, Glyph(bpm)) {
			t.Fatalf("text lacks its glyph: %q", text)
		}
	})
}

func isSupported(typ string) bool {
	for _, s := range Supported {
		if s == typ {
			return true
		}
	}
	return false
}
