package pipeline_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/pkg/manifest"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
)

// The tests below guard the faster serializer in pkg/manifest (written for these
// benchmarks): its nodes and bytes must stay identical to what encoding/json tokens
// and yaml.v3 gave before.

// referenceNodes is the former manifest.Encode: encoding/json tokens to YAML nodes.
func referenceNodes(t *testing.T, obj any) *yaml.Node {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var value func() *yaml.Node
	value = func() *yaml.Node {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		switch tv := tok.(type) {
		case json.Delim:
			if tv == '{' {
				m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				for dec.More() {
					kt, _ := dec.Token()
					key := kt.(string)
					v := value()
					if v == nil || (v.Kind == yaml.MappingNode && len(v.Content) == 0 && key != "emptyDir" && key != "selfSigned") {
						continue
					}
					m.Content = append(m.Content, refStr(key), v)
				}
				dec.Token()
				return m
			}
			s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for dec.More() {
				v := value()
				if v == nil {
					v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				}
				s.Content = append(s.Content, v)
			}
			dec.Token()
			if len(s.Content) == 0 {
				return nil
			}
			return s
		case string:
			return refStr(tv)
		case json.Number:
			tag := "!!int"
			if strings.ContainsAny(tv.String(), ".eE") {
				tag = "!!float"
			}
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: tv.String()}
		case bool:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(tv)}
		}
		return nil
	}
	n := value()
	for _, key := range []string{"kind", "apiVersion"} {
		for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				k, v := n.Content[i], n.Content[i+1]
				n.Content = append([]*yaml.Node{k, v}, append(n.Content[:i:i], n.Content[i+2:]...)...)
				break
			}
		}
	}
	return n
}

func refStr(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	trailing := false
	for _, line := range strings.Split(s, "\n") {
		trailing = trailing || strings.HasSuffix(line, " ")
	}
	if strings.Contains(s, "\n") && !strings.ContainsAny(s, "\t\r") && !trailing {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// referenceYAML is the former manifest.Write, one yaml.v3 encoder per document, plus
// its YAML 1.1-safe quoting: plain strings YAML 1.1 reads as bools or base-60 numbers
// ("on", "y", "NO", "1:20") are double-quoted, as yaml.v3 does for Go strings.
func referenceYAML(t *testing.T, nodes ...*yaml.Node) string {
	t.Helper()
	var buf bytes.Buffer
	for i, n := range nodes {
		if i > 0 {
			buf.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&buf)
		if err := enc.Encode(quoteYAML11(n)); err != nil {
			t.Fatal(err)
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

// quoteYAML11 copies n, double-quoting plain strings that YAML 1.1 would not read as
// strings (the test of yaml.v3's stringv: isOldBool, isBase60Float).
func quoteYAML11(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, child := range n.Content {
		c.Content[i] = quoteYAML11(child)
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Style == 0 {
		switch n.Value {
		case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF":
			c.Style = yaml.DoubleQuotedStyle
		}
		if base60.MatchString(n.Value) {
			c.Style = yaml.DoubleQuotedStyle
		}
	}
	return &c
}

var base60 = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)

// checkSerializer compares manifest.Encode and manifest.Write with the references.
func checkSerializer(t *testing.T, name string, objs ...any) {
	t.Helper()
	nodes := make([]*yaml.Node, len(objs))
	for i, obj := range objs {
		n, err := manifest.Encode(obj)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ref := referenceNodes(t, obj); !reflect.DeepEqual(n, ref) {
			t.Fatalf("%s: manifest.Encode differs from the encoding/json token walk", name)
		}
		nodes[i] = n
	}
	checkWrite(t, name, nodes...)
}

// checkWrite: manifest.Write writes nodes as yaml.v3 does (with YAML 1.1 quoting).
func checkWrite(t *testing.T, name string, nodes ...*yaml.Node) {
	t.Helper()
	var buf bytes.Buffer
	if err := manifest.Write(&buf, nodes...); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if got, want := buf.String(), referenceYAML(t, nodes...); got != want {
		t.Fatalf("%s: manifest.Write differs from yaml.v3:\n%s", name, udiff.Unified("yaml.v3", "manifest.Write", want, got))
	}
}

// TestSerializerMatchesReference: every object of the blueprints, the golden specs
// and the generated 100-app spec, serialized both ways.
func TestSerializerMatchesReference(t *testing.T) {
	specs := map[string][]byte{"bench-100": benchSpec(100)}
	golden, _ := filepath.Glob("../../testdata/golden/*/platform.yaml")
	blueprints, _ := filepath.Glob("../../blueprints/*/platform.yaml")
	for _, f := range append(golden, blueprints...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		specs[f] = data
	}
	for name, data := range specs {
		res := pipeline.Load(data, name)
		if !res.Valid() {
			t.Fatalf("%s: %s", name, res.Diagnostics)
		}
		outputs, err := pipeline.Render(res.Trees)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outputs {
			byPath := map[string][]any{}
			for _, r := range o.Tree.Resources {
				byPath[r.Path] = append(byPath[r.Path], r.Object)
			}
			for p, objs := range byPath {
				checkSerializer(t, name+": "+p, objs...)
			}
		}
	}
}

// TestSerializerMatchesReferenceRandom: random objects with strings built from
// the characters YAML treats specially (quoting, block scalars, tags, non-ASCII).
func TestSerializerMatchesReferenceRandom(t *testing.T) {
	pieces := []string{"a", "Z", "x", "e", "o", "y", "0", "1", "9", "12", "-", "+", ".", ":", ": ", "#", " #", " ", "  ",
		"'", "\"", "\\", "\n", "\n\n", "{", "}", "[", "]", ",", "&", "*", "!", "|", ">", "%", "@", "`", "?", "~", "_",
		"/", "=", "<<", "---", "...", "true", "null", "No", "0x1F", "0o17", "0b101", "1e3", ".5", ".inf", "-.inf",
		"2024-01-02", "2024-1-2 10:11:12", "on", "OFF", "1:20", "-1:30.5", "é:1", "\t", "\r", "é", "\u00a0", "\u2028", "\x7f", "<", ">", "&amp;"}
	rng := rand.New(rand.NewPCG(8, 2026))
	randString := func() string {
		var b strings.Builder
		for range rng.IntN(7) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	var randValue func(depth int) any
	randValue = func(depth int) any {
		switch k := rng.IntN(12); {
		case k < 4:
			return randString()
		case k == 4:
			return rng.IntN(2000) - 1000
		case k == 5:
			return []float64{0.5, 1e21, 1e-7, -2.25, 3}[rng.IntN(5)]
		case k == 6:
			return rng.IntN(2) == 0
		case k == 7:
			return nil
		case k < 10 && depth < 4:
			m := map[string]any{}
			for range rng.IntN(4) {
				key := randString()
				if rng.IntN(4) == 0 {
					key = []string{"emptyDir", "selfSigned", "kind", "apiVersion"}[rng.IntN(4)]
				}
				m[key] = randValue(depth + 1)
			}
			return m
		case depth < 4:
			s := make([]any, rng.IntN(4))
			for i := range s {
				s[i] = randValue(depth + 1)
			}
			return s
		}
		return randString()
	}
	for _, s := range []string{"a \"b\"\n", "x\\y \nz", "12 \"q\"", "a\nb ", " a\nb", "\na", "a\n\n", "\n", "- a", "-a",
		"? x", "a: b", "a:b", "#a", "a #b", "'q'", "---x", "...", "", " ", "x ", "2024-01-02", "0x1F", "1_000", "-.5",
		"1.", "0o17", "-0b11", "~", "<<", "NULL", "nULL", strings.Repeat("k", 129)} {
		checkSerializer(t, fmt.Sprintf("%q", s), map[string]any{"kind": "K", "v": s, s: []any{s,
			map[string]any{s: s, "z": []any{s}}, []any{s, []any{s}}}, "l": map[string]any{"m": []any{map[string]any{"x": s}}}})
	}
	for i := range 3000 {
		objs := make([]any, 1+rng.IntN(3))
		for j := range objs {
			m := map[string]any{"kind": "Thing"}
			for range 1 + rng.IntN(5) {
				m[randString()] = randValue(0)
			}
			objs[j] = m
		}
		checkSerializer(t, fmt.Sprintf("random case %d", i), objs...)
		// The same nodes with the quoting styles kyaml and hand-built nodes ask for.
		nodes := make([]*yaml.Node, len(objs))
		for j, obj := range objs {
			n, err := manifest.Encode(obj)
			if err != nil {
				t.Fatal(err)
			}
			setStyles(n, rng)
			nodes[j] = n
		}
		checkWrite(t, fmt.Sprintf("random case %d, quoting styles", i), nodes...)
	}
}

// setStyles asks for single or double quotes on some of the scalars under n.
func setStyles(n *yaml.Node, rng *rand.Rand) {
	if n.Kind == yaml.ScalarNode {
		switch rng.IntN(4) {
		case 0:
			n.Style = yaml.SingleQuotedStyle
		case 1:
			n.Style = yaml.DoubleQuotedStyle
		}
		return
	}
	for _, c := range n.Content {
		setStyles(c, rng)
	}
}
