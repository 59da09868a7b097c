package config

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParseLoveLevel checks the strictness contract: whatever is accepted
// is exactly the canonical decimal form of a value in 1..10, optionally
// followed by one newline.
func FuzzParseLoveLevel(f *testing.F) {
	for _, seed := range []string{
		"1", "7", "10", "7\n", "", "0", "11", "7abc", "1abc", "1e1", "3.5",
		"+5", "-5", "07", " 7", "7 ", "7\n\n", "7\r\n", "0x7", "١", "10\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := ParseLoveLevel(raw)
		if err != nil {
			if n != 0 {
				t.Fatalf("rejected %q but returned %d", raw, n)
			}
			return
		}
		if n < 1 || n > 10 {
			t.Fatalf("accepted %q as out-of-range %d", raw, n)
		}
		if canonical := strconv.Itoa(n); raw != canonical && raw != canonical+"\n" {
			t.Fatalf("accepted non-canonical %q as %d", raw, n)
		}
	})
}

// FuzzParse feeds arbitrary values to every key: the parser must never
// panic, and each problem must be a single line naming its file.
func FuzzParse(f *testing.F) {
	f.Add("7", "30", "#e0115f", "medium", "0.5", "200ms")
	f.Add("7abc", "4", "red", "huge", "1e1", "-1s")
	f.Add("", "\n", "#fff\n", "small\n", "600", "5s")
	f.Fuzz(func(t *testing.T, love, interval, color, size, open, timeout string) {
		files := map[string][]byte{
			KeyLoveLevel: []byte(love), KeyHeartbeatInterval: []byte(interval),
			KeyThemeColor: []byte(color), KeyThemeSize: []byte(size),
			KeyBreakerOpen: []byte(open), KeyRedisTimeout: []byte(timeout),
		}
		cfg, problems := Parse("/cfg", files)
		for _, p := range problems {
			if strings.Contains(p.Error(), "\n") || !strings.HasPrefix(p.Error(), "/cfg/") {
				t.Fatalf("bad problem line %q", p.Error())
			}
		}
		if len(problems) == 0 && (cfg.LoveLevel < 1 || cfg.LoveLevel > 10) {
			t.Fatalf("valid config with love level %d", cfg.LoveLevel)
		}
	})
}
