package render

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestGlyphThresholds(t *testing.T) {
	tests := []struct {
		bpm  int64
		want string
	}{
		{-1, "♡"}, {0, "♡"}, {59, "♡"},
		{60, "❤"}, {61, "❤"}, {100, "❤"},
		{101, "💓"}, {10_000, "💓"},
	}
	for _, tc := range tests {
		if got := Glyph(tc.bpm); got != tc.want {
			t.Errorf("Glyph(%d) = %q, want %q", tc.bpm, got, tc.want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		accept string
		want   string // "" means 406
	}{
		{"", TypeText},
		{"   ", TypeText},
		{"*/*", TypeText},
		{"text/plain", TypeText},
		{"image/svg+xml", TypeSVG},
		{"application/json", TypeJSON},
		{"APPLICATION/JSON", TypeJSON},
		{"application/json; charset=utf-8", TypeJSON},
		{"text/*", TypeText},
		{"image/*", TypeSVG},
		{"application/xml", ""},
		{"application/xml, text/html", ""},
		{"text/html", ""},
		// q-values
		{"text/plain;q=0.5, application/json", TypeJSON},
		{"text/plain;q=0.5, image/svg+xml;q=0.9, application/json;q=0.7", TypeSVG},
		{"application/json;q=0.001, text/plain;q=0", TypeJSON},
		{"text/plain;q=0, */*", TypeSVG},
		{"*/*;q=0", ""},
		{"application/json;q=0", ""},
		{"*/*;q=0.1, application/json", TypeJSON},
		{"application/json, */*", TypeJSON}, // the exact match beats */* at equal q
		{"*/*, application/json", TypeJSON},
		{"image/svg+xml, application/json", TypeSVG}, // tie: server preference
		{"application/json;q=1.0", TypeJSON},
		{"application/json; Q=0.9, text/plain;q=0.8", TypeJSON},
		// a specific q=0 overrides a broader acceptance
		{"*/*;q=0.8, text/plain;q=0", TypeSVG},
		{"text/*;q=0.9, text/plain;q=0.1, image/svg+xml;q=0.5", TypeSVG},
		// malformed pieces are ignored, not guessed
		{"application/json;q=abc, text/plain;q=0.2", TypeText},
		{"application/json;q=1.5", ""},
		{"application/json;q=0.1234", ""},
		{"garbage", ""},
		{"*/json", ""},
		{",,,", ""},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", TypeText},
	}
	for _, tc := range tests {
		got, ok := Negotiate(tc.accept)
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("Negotiate(%q) = %q, want %q", tc.accept, got, tc.want)
		}
	}
}

func sampleView() View {
	cluster := int64(42)
	return View{
		Pod: "heart-display-0", Namespace: "love", LoveLevel: 7, BPM: 72,
		BeatsLocal: 10, BeatsCluster: &cluster, Breaker: "closed",
		Color: "#e0115f", Size: "medium", Frequency: "normal",
	}
}

func TestTextGrowsWithLoveLevel(t *testing.T) {
	v := sampleView()
	prevGlyphs, prevLines := 0, 0
	for level := 1; level <= 10; level++ {
		v.LoveLevel = level
		out := Text(v)
		glyphs, lines := strings.Count(out, "❤"), strings.Count(out, "\n")
		if glyphs <= prevGlyphs || lines < prevLines {
			t.Fatalf("love level %d drew %d glyphs on %d lines; level %d drew %d on %d",
				level, glyphs, lines, level-1, prevGlyphs, prevLines)
		}
		prevGlyphs, prevLines = glyphs, lines
	}
}

func TestTextShowsStateAndDegradation(t *testing.T) {
	v := sampleView()
	out := Text(v)
	for _, want := range []string{"❤", "love/heart-display-0", "bpm=72", "beats_cluster=42", "breaker=closed"} {
		if !strings.Contains(out, want) {
			t.Errorf("text missing %q:\n%s", want, out)
		}
	}
	v.Degraded, v.BeatsCluster, v.Breaker = true, nil, "open"
	out = Text(v)
	if !strings.Contains(out, "degraded") || !strings.Contains(out, "beats_cluster=unknown") {
		t.Errorf("degraded text should say so:\n%s", out)
	}
}

func TestJSONFields(t *testing.T) {
	body := JSON(sampleView())
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"pod": "heart-display-0", "namespace": "love", "love_level": 7.0, "bpm": 72.0,
		"beats_local": 10.0, "beats_cluster": 42.0, "degraded": false, "breaker": "closed",
	}
	if len(got) != len(want) {
		t.Errorf("JSON has keys %v, want exactly %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	v := sampleView()
	v.BeatsCluster = nil
	body = JSON(v)
	if !strings.Contains(string(body), `"beats_cluster":null`) {
		t.Errorf("unknown cluster count should be null: %s", body)
	}
}

func TestSVGWellFormedAndEscaped(t *testing.T) {
	v := sampleView()
	v.Pod = `<script>alert("x")</script>&`
	v.Color = `red" onload="evil()`
	out := SVG(v)
	if err := wellFormedXML(out); err != nil {
		t.Fatalf("SVG not well-formed: %v\n%s", err, out)
	}
	if strings.Contains(out, "<script>") || strings.Contains(out, "evil") {
		t.Fatalf("SVG did not neutralise hostile input:\n%s", out)
	}
	if !strings.Contains(out, `fill="#e0115f"`) || !strings.Contains(out, "beats cluster: 42") {
		t.Fatalf("SVG should fall back to the default colour and show counters:\n%s", out)
	}
}

func TestAppendDispatch(t *testing.T) {
	for _, typ := range Supported {
		if body, err := Append(nil, typ, sampleView()); err != nil || len(body) == 0 {
			t.Errorf("Append(%s) = %d bytes, %v", typ, len(body), err)
		}
	}
	if _, err := Append(nil, "application/xml", sampleView()); err == nil {
		t.Error("Append accepted an unsupported type")
	}
}

func wellFormedXML(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
