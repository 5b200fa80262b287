package manifest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The emitter must write exactly what yaml.v3 (kyaml's encoder) writes for the same
// nodes, plus the YAML 1.1-safe quoting: these tests compare the two on random objects.

// referenceYAML writes nodes with one yaml.v3 encoder per document, after double-quoting
// the plain strings YAML 1.1 reads as bools or base-60 numbers (yaml.v3's stringv test).
func referenceYAML(t testing.TB, nodes ...*yaml.Node) string {
	t.Helper()
	var buf bytes.Buffer
	for i, n := range nodes {
		if i > 0 {
			buf.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&buf)
		if err := enc.Encode(refQuote(n)); err != nil {
			t.Fatal(err)
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

// refQuote copies n, double-quoting plain strings YAML 1.1 would not read as strings;
// written independently of the package's quoteYAML11, from yaml.v3's rules.
func refQuote(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, child := range n.Content {
		c.Content[i] = refQuote(child)
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Style == 0 {
		switch n.Value {
		case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF":
			c.Style = yaml.DoubleQuotedStyle
		}
		if refBase60.MatchString(n.Value) {
			c.Style = yaml.DoubleQuotedStyle
		}
	}
	return &c
}

var refBase60 = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)

// checkWrite: Write writes nodes as yaml.v3 does (with YAML 1.1 quoting).
func checkWrite(t testing.TB, name string, nodes ...*yaml.Node) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, nodes...); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if got, want := buf.String(), referenceYAML(t, nodes...); got != want {
		t.Fatalf("%s: Write differs from yaml.v3:\n%s", name, udiff.Unified("yaml.v3", "Write", want, got))
	}
}

// pieces are the characters and words YAML treats specially: quoting, block scalars,
// tags, indicators, YAML 1.1 and 1.2 scalars, non-ASCII and control characters.
var pieces = []string{"a", "Z", "x", "e", "o", "y", "0", "1", "9", "12", "-", "+", ".", ":", ": ", "#", " #", " ", "  ",
	"'", "\"", "\\", "\n", "\n\n", "{", "}", "[", "]", ",", "&", "*", "!", "|", ">", "%", "@", "`", "?", "~", "_",
	"/", "=", "<<", "---", "...", "true", "null", "No", "0x1F", "0o17", "0b101", "1e3", ".5", ".inf", "-.inf",
	"2024-01-02", "2024-1-2 10:11:12", "on", "OFF", "1:20", "-1:30.5", "é:1", "\t", "\r", "é", "\u00a0", "\u2028", "\x7f", "<", ">", "&amp;"}

// randomObject builds a random object (maps, lists, strings made of pieces, numbers,
// bools, nulls, empty maps and lists) from next, a source of random numbers below n.
func randomObject(next func(n int) int) map[string]any {
	randString := func() string {
		var b strings.Builder
		for range next(7) {
			b.WriteString(pieces[next(len(pieces))])
		}
		return b.String()
	}
	var randValue func(depth int) any
	randValue = func(depth int) any {
		switch k := next(13); {
		case k < 4:
			return randString()
		case k == 4:
			return next(2000) - 1000
		case k == 5:
			return []float64{0.5, 1e21, 1e-7, -2.25, 3}[next(5)]
		case k == 6:
			return next(2) == 0
		case k == 7:
			return nil
		case k < 10 && depth < 4:
			m := map[string]any{}
			for range next(4) {
				m[randString()] = randValue(depth + 1)
			}
			return m
		case k < 12 && depth < 4:
			s := make([]any, next(4))
			for i := range s {
				s[i] = randValue(depth + 1)
			}
			return s
		}
		return randString()
	}
	m := map[string]any{"kind": "Thing"}
	for range 1 + next(5) {
		m[randString()] = randValue(0)
	}
	return m
}

// setStyles asks for single or double quotes on some scalars, as kyaml does when it
// sets an annotation.
func setStyles(n *yaml.Node, next func(int) int) {
	if n.Kind == yaml.ScalarNode {
		switch next(4) {
		case 0:
			n.Style = yaml.SingleQuotedStyle
		case 1:
			n.Style = yaml.DoubleQuotedStyle
		}
		return
	}
	for _, c := range n.Content {
		setStyles(c, next)
	}
}

func TestWriteMatchesYAMLv3(t *testing.T) {
	for _, s := range []string{"a \"b\"\n", "x\\y \nz", "12 \"q\"", "a\nb ", " a\nb", "\na", "a\n\n", "\n", "- a", "-a",
		"? x", "a: b", "a:b", "#a", "a #b", "'q'", "---x", "...", "", " ", "x ", "2024-01-02", "0x1F", "1_000", "-.5",
		"1.", "0o17", "-0b11", "~", "<<", "NULL", "nULL", strings.Repeat("k", 129)} {
		obj := map[string]any{"kind": "K", "v": s, s: []any{s, map[string]any{s: s, "z": []any{s}}, []any{s, []any{s}}},
			"l": map[string]any{"m": []any{map[string]any{"x": s}}}, "e": map[string]any{}, "es": []any{}}
		n, err := Encode(obj)
		if err != nil {
			t.Fatal(err)
		}
		checkWrite(t, fmt.Sprintf("%q", s), n)
	}
	rng := rand.New(rand.NewPCG(8, 2026))
	for i := range 3000 {
		nodes := make([]*yaml.Node, 1+rng.IntN(3))
		for j := range nodes {
			n, err := Encode(randomObject(rng.IntN))
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 1 {
				setStyles(n, rng.IntN)
			}
			nodes[j] = n
		}
		checkWrite(t, fmt.Sprintf("random case %d", i), nodes...)
	}
}

// FuzzWrite: for objects built from the fuzzer's bytes, Write and yaml.v3 agree.
func FuzzWrite(f *testing.F) {
	f.Add([]byte("seed"))
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 200, 201, 13, 14, 77, 99})
	f.Add(bytes.Repeat([]byte{7, 9, 3, 11, 0}, 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		i := 0
		next := func(n int) int { // the fuzzer's bytes as the random source; zeros once used up
			if i >= len(data) {
				return 0
			}
			i++
			return int(data[i-1]) % n
		}
		n, err := Encode(randomObject(next))
		if err != nil {
			t.Fatal(err)
		}
		if next(2) == 1 {
			setStyles(n, next)
		}
		checkWrite(t, "fuzz", n)
	})
}

// TestQuietScalars: wherever the one-pass test finds a scalar quiet, the analysis
// character by character finds the same (every string of one and two printable
// characters, and random longer ones biased towards indicators).
func TestQuietScalars(t *testing.T) {
	var cases []string
	for a := byte(' '); a <= '~'; a++ {
		cases = append(cases, string(a))
		for b := byte(' '); b <= '~'; b++ {
			cases = append(cases, string([]byte{a, b}), string([]byte{a, b, '\n'}))
		}
	}
	rng := rand.New(rand.NewPCG(19, 2026))
	const alphabet = "ab-._/:#?' \n.-"
	for range 20000 {
		b := make([]byte, 1+rng.IntN(8))
		for i := range b {
			if rng.IntN(3) == 0 {
				b[i] = byte(' ' + rng.IntN('~'-' '+1))
			} else {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		cases = append(cases, string(b))
	}
	quietSeen := 0
	for _, v := range cases {
		if !quiet(v) {
			continue
		}
		quietSeen++
		want := scalarAnalysis{blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true}
		if got := analyzeEach(v); got != want {
			t.Errorf("%q: quiet, but analyzed one by one it is %+v", v, got)
		}
	}
	if quietSeen < 1000 {
		t.Fatalf("only %d quiet cases: the test no longer covers the fast path", quietSeen)
	}
}
