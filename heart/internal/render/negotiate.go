package render

import (
	"strconv"
	"strings"
)

// Media types the heart can be rendered as, in server preference order:
// when the client likes several equally, the earlier one wins.
const (
	TypeText = "text/plain"
	TypeSVG  = "image/svg+xml"
	TypeJSON = "application/json"
)

// Supported lists the media types in preference order.
var Supported = []string{TypeText, TypeSVG, TypeJSON}

// mediaRange is one element of an Accept header.
type mediaRange struct {
	typ, sub string
	q        int // quality in thousandths, 0..1000
}

// Negotiate picks a media type for an Accept header (RFC 9110 §12.5.1).
// Each supported type takes the q of the most specific range matching it
// (type/subtype beats type/* beats */*); the highest q wins; ties go to the
// type matched more specifically, then to server preference. An empty
// header means "anything" (text/plain). ok is false when nothing
// acceptable remains (the caller answers 406).
func Negotiate(accept string) (mediaType string, ok bool) {
	if offer, ok := bareOffer(accept); ok {
		return offer, true
	}
	return negotiateParsed(accept)
}

// negotiateParsed is Negotiate's general path: parse every range and rank.
func negotiateParsed(accept string) (mediaType string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return TypeText, true
	}
	ranges := parseAccept(accept)
	best, bestQ, bestSpec := "", 0, -1
	for _, offer := range Supported {
		q, spec := quality(offer, ranges)
		if q > bestQ || (q == bestQ && q > 0 && spec > bestSpec) {
			best, bestQ, bestSpec = offer, q, spec
		}
	}
	return best, bestQ > 0
}

// bareOffer answers the common case without parsing: the header is exactly
// one of the supported types, or */*, with no parameters.
func bareOffer(accept string) (string, bool) {
	if accept == "*/*" {
		return Supported[0], true
	}
	for _, offer := range Supported {
		if strings.EqualFold(accept, offer) {
			return offer, true
		}
	}
	return "", false
}

// quality returns the q the client gives offer and how specific the
// matching range was (2 exact, 1 type/*, 0 */*, -1 no match).
func quality(offer string, ranges []mediaRange) (q, specificity int) {
	typ, sub, _ := strings.Cut(offer, "/")
	specificity = -1
	for _, r := range ranges {
		s := r.specificityFor(typ, sub)
		if s > specificity {
			q, specificity = r.q, s
		}
	}
	return q, specificity
}

func (r mediaRange) specificityFor(typ, sub string) int {
	switch {
	case r.typ == typ && r.sub == sub:
		return 2
	case r.typ == typ && r.sub == "*":
		return 1
	case r.typ == "*" && r.sub == "*":
		return 0
	default:
		return -1
	}
}

func parseAccept(header string) []mediaRange {
	var ranges []mediaRange
	for _, part := range strings.Split(header, ",") {
		if r, ok := parseRange(part); ok {
			ranges = append(ranges, r)
		}
	}
	return ranges
}

// parseRange parses "type/sub;param=x;q=0.5". Malformed ranges are
// dropped rather than guessed at; a malformed q counts as q=0.
func parseRange(s string) (mediaRange, bool) {
	params := strings.Split(s, ";")
	typ, sub, ok := strings.Cut(strings.ToLower(strings.TrimSpace(params[0])), "/")
	if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
		return mediaRange{}, false
	}
	r := mediaRange{typ: typ, sub: sub, q: 1000}
	for _, p := range params[1:] {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(name), "q") {
			r.q = parseQ(strings.TrimSpace(value))
		}
	}
	return r, true
}

// parseQ accepts the RFC grammar: "0", "0.x{0,3}", "1", "1.0{0,3}".
func parseQ(v string) int {
	whole, frac, _ := strings.Cut(v, ".")
	if (whole != "0" && whole != "1") || len(frac) > 3 {
		return 0
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0
		}
	}
	thousandths, _ := strconv.Atoi((frac + "000")[:3])
	q := 1000*int(whole[0]-'0') + thousandths
	if q > 1000 {
		return 0
	}
	return q
}
