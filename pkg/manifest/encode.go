// Package manifest turns typed Kubernetes objects into YAML nodes and bytes:
// field order follows the Go structs, with apiVersion and kind first; unset
// fields (null, empty objects such as status) are dropped; output is deterministic.
package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// keepEmpty lists keys whose empty object value is meaningful and must be kept.
var keepEmpty = map[string]bool{"emptyDir": true, "selfSigned": true}

// Encode converts obj (anything encoding/json can marshal) into a YAML mapping node.
func Encode(obj any) (*yaml.Node, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	n, err := decodeJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("encoding %T: not an object", obj)
	}
	hoist(n, "kind")
	hoist(n, "apiVersion")
	return n, nil
}

// hoist moves key to the front of mapping m.
func hoist(m *yaml.Node, key string) {
	if i := FieldIndex(m, key); i >= 0 {
		k, v := m.Content[i], m.Content[i+1]
		copy(m.Content[2:i+2], m.Content[:i])
		m.Content[0], m.Content[1] = k, v
	}
}

// FieldIndex is the index of key in mapping m's Content (the value is at +1), or -1.
func FieldIndex(m *yaml.Node, key string) int {
	if m == nil || m.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

// decodeJSON converts one JSON document (as encoding/json writes it) into YAML
// nodes; it returns nil for a value to drop. It reads the bytes directly: going
// through json.Decoder.Token costs an allocation per token and an error value per
// scalar, which dominated rendering large platforms.
func decodeJSON(raw []byte) (*yaml.Node, error) {
	// One slab for all nodes and one for all Content slices: an upper bound of both is
	// the number of JSON values, counted in a first pass over the bytes.
	tokens := countJSONValues(raw)
	d := jsonReader{b: raw, nodes: make([]yaml.Node, tokens), ptrs: make([]*yaml.Node, tokens)}
	n, err := d.value()
	if err != nil {
		return nil, err
	}
	if d.skipSpace(); d.i != len(d.b) {
		return nil, d.errorf("unexpected data after the top-level value")
	}
	return n, nil
}

// countJSONValues counts the values (keys included) of a JSON document.
func countJSONValues(b []byte) int {
	n := 0
	inValue := false // inside a number or literal
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			n++
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			inValue = false
		case '{', '[':
			n++
			inValue = false
		case ',', ':', '}', ']', ' ', '\t', '\n', '\r':
			inValue = false
		default:
			if !inValue {
				n++
				inValue = true
			}
		}
	}
	return n
}

type jsonReader struct {
	b     []byte
	i     int
	nodes []yaml.Node  // slab the nodes are taken from
	ptrs  []*yaml.Node // slab the Content slices are cut from
	stack []*yaml.Node // children of the objects and arrays being read
}

// node returns a zeroed node from the slab.
func (d *jsonReader) node() *yaml.Node {
	if len(d.nodes) == 0 {
		d.nodes = make([]yaml.Node, 16)
	}
	n := &d.nodes[0]
	d.nodes = d.nodes[1:]
	return n
}

// content moves the children above base on the stack into an exactly sized slice
// (capacity = length, so appending to it later never touches its neighbours).
func (d *jsonReader) content(base int) []*yaml.Node {
	k := len(d.stack) - base
	if k == 0 {
		return nil
	}
	if len(d.ptrs) < k {
		d.ptrs = make([]*yaml.Node, max(k, 64))
	}
	c := d.ptrs[:k:k]
	d.ptrs = d.ptrs[k:]
	copy(c, d.stack[base:])
	clear(d.stack[base:])
	d.stack = d.stack[:base]
	return c
}

func (d *jsonReader) scalar(tag, value string) *yaml.Node {
	n := d.node()
	n.Kind, n.Tag, n.Value = yaml.ScalarNode, tag, value
	return n
}

// str is str() with a node from the slab.
func (d *jsonReader) str(s string) *yaml.Node {
	n := d.scalar("!!str", s)
	if literal(s) {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func (d *jsonReader) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", d.i, fmt.Sprintf(format, args...))
}

func (d *jsonReader) skipSpace() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value reads one JSON value; it returns nil for null, for an empty array and
// (inside objects) drops empty objects unless keepEmpty says otherwise.
func (d *jsonReader) value() (*yaml.Node, error) {
	d.skipSpace()
	if d.i >= len(d.b) {
		return nil, d.errorf("unexpected end of input")
	}
	switch c := d.b[d.i]; {
	case c == '{':
		d.i++
		m := d.node()
		m.Kind, m.Tag = yaml.MappingNode, "!!map"
		if d.skipSpace(); d.i < len(d.b) && d.b[d.i] == '}' {
			d.i++
			return m, nil
		}
		base := len(d.stack)
		for {
			if d.skipSpace(); d.i >= len(d.b) || d.b[d.i] != '"' {
				return nil, d.errorf("expected an object key")
			}
			key, err := d.key()
			if err != nil {
				return nil, err
			}
			if d.skipSpace(); d.i >= len(d.b) || d.b[d.i] != ':' {
				return nil, d.errorf("expected ':'")
			}
			d.i++
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			if v != nil && (v.Kind != yaml.MappingNode || len(v.Content) > 0 || keepEmpty[key]) {
				d.stack = append(d.stack, d.str(key), v)
			}
			if d.skipSpace(); d.i < len(d.b) && d.b[d.i] == ',' {
				d.i++
				continue
			}
			if d.i < len(d.b) && d.b[d.i] == '}' {
				d.i++
				m.Content = d.content(base)
				return m, nil
			}
			return nil, d.errorf("expected ',' or '}'")
		}
	case c == '[':
		d.i++
		if d.skipSpace(); d.i < len(d.b) && d.b[d.i] == ']' {
			d.i++
			return nil, nil
		}
		s := d.node()
		s.Kind, s.Tag = yaml.SequenceNode, "!!seq"
		base := len(d.stack)
		for {
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			if v == nil {
				v = d.node()
				v.Kind, v.Tag = yaml.MappingNode, "!!map"
			}
			d.stack = append(d.stack, v)
			if d.skipSpace(); d.i < len(d.b) && d.b[d.i] == ',' {
				d.i++
				continue
			}
			if d.i < len(d.b) && d.b[d.i] == ']' {
				d.i++
				s.Content = d.content(base)
				return s, nil
			}
			return nil, d.errorf("expected ',' or ']'")
		}
	case c == '"':
		s, err := d.string()
		if err != nil {
			return nil, err
		}
		return d.str(s), nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := d.i
		for d.i < len(d.b) && strings.IndexByte("0123456789+-.eE", d.b[d.i]) >= 0 {
			d.i++
		}
		num := string(d.b[start:d.i])
		tag := "!!int"
		if strings.ContainsAny(num, ".eE") {
			tag = "!!float"
		}
		return d.scalar(tag, num), nil
	case bytes.HasPrefix(d.b[d.i:], []byte("true")):
		d.i += 4
		return d.scalar("!!bool", "true"), nil
	case bytes.HasPrefix(d.b[d.i:], []byte("false")):
		d.i += 5
		return d.scalar("!!bool", "false"), nil
	case bytes.HasPrefix(d.b[d.i:], []byte("null")):
		d.i += 4
		return nil, nil
	}
	return nil, d.errorf("unexpected character %q", d.b[d.i])
}

// keys holds object keys read so far: field names and map keys repeat across
// objects, so each is allocated once.
var keys = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// key reads an object key, sharing the string of an equal key read before.
func (d *jsonReader) key() (string, error) {
	start := d.i
	if j := bytes.IndexByte(d.b[start+1:], '"'); j >= 0 && bytes.IndexByte(d.b[start+1:start+1+j], '\\') < 0 {
		keys.Lock()
		k, ok := keys.m[string(d.b[start+1:start+1+j])]
		keys.Unlock()
		if ok {
			d.i = start + j + 2
			return k, nil
		}
	}
	s, err := d.string()
	if err == nil && len(s) <= 64 {
		keys.Lock()
		if len(keys.m) < 1<<16 {
			keys.m[s] = s
		}
		keys.Unlock()
	}
	return s, err
}

// string reads a JSON string starting at its opening quote. Strings without escapes
// (nearly all) are copied as they are; the rest are unquoted by encoding/json.
func (d *jsonReader) string() (string, error) {
	start := d.i
	j := start + 1
	escaped := false
	for ; j < len(d.b); j++ {
		if c := d.b[j]; c == '"' {
			break
		} else if c == '\\' {
			escaped = true
			j++
		}
	}
	if j >= len(d.b) {
		return "", d.errorf("unterminated string")
	}
	d.i = j + 1
	body := d.b[start+1 : j]
	if !escaped && utf8.Valid(body) {
		return string(body), nil
	}
	var s string
	if err := json.Unmarshal(d.b[start:j+1], &s); err != nil {
		return "", err
	}
	return s, nil
}

// literal: s is written as a literal block (multi-line, no tabs, CRs or trailing spaces).
func literal(s string) bool {
	return strings.IndexByte(s, '\n') >= 0 && !strings.ContainsAny(s, "\t\r") && !hasTrailingSpace(s)
}

// pruneZero removes "" and 0 scalars and the objects and lists left empty by that.
func pruneZero(n *yaml.Node) *yaml.Node {
	switch n.Kind {
	case yaml.ScalarNode:
		if (n.Tag == "!!str" && n.Value == "") || (n.Tag == "!!int" && n.Value == "0") {
			return nil
		}
	case yaml.MappingNode:
		out := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], pruneZero(n.Content[i+1])
			if v != nil && (v.Kind != yaml.MappingNode || len(v.Content) > 0 || keepEmpty[k.Value]) {
				out = append(out, k, v)
			}
		}
		n.Content = out
		if len(n.Content) == 0 {
			return nil
		}
	case yaml.SequenceNode:
		out := n.Content[:0]
		for _, c := range n.Content {
			if v := pruneZero(c); v != nil {
				out = append(out, v)
			}
		}
		n.Content = out
		if len(n.Content) == 0 {
			return nil
		}
	}
	return n
}

// hasTrailingSpace: a line of s ends with a space.
func hasTrailingSpace(s string) bool {
	return strings.Contains(s, " \n") || strings.HasSuffix(s, " ")
}

// Write encodes nodes as a YAML stream, separating documents with "---".
//
// The output is byte for byte what kyaml's yaml.NewEncoder (go.yaml.in/yaml/v3, indent
// 2, compact sequences) writes for each node, except that plain strings YAML 1.1
// reads as booleans or base-60 numbers ("on", "y", "1:20") are double-quoted, as
// yaml.v3 does for Go strings. Documents made only of what Encode produces (block
// mappings and sequences, printable ASCII scalars) are written by a small emitter that
// follows the same rules; anything else goes through yaml.v3, which keeps every event
// of a document in a growing queue and was the largest cost of rendering big platforms.
func Write(w io.Writer, nodes ...*yaml.Node) error {
	e := emitters.Get().(*emitter)
	defer emitters.Put(e)
	for i, n := range nodes {
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if e.document(n) {
			if _, err := w.Write(e.buf); err != nil {
				return err
			}
			continue
		}
		if err := writeYAMLv3(w, n); err != nil {
			return err
		}
	}
	return nil
}

// writeYAMLv3 encodes one document with yaml.v3, double-quoting (as the emitter does)
// the strings YAML 1.1 would read as booleans or base-60 numbers.
func writeYAMLv3(w io.Writer, n *yaml.Node) error {
	enc := yaml.NewEncoder(w)
	if err := enc.Encode(quoteYAML11(n)); err != nil {
		return err
	}
	return enc.Close()
}

// quoteYAML11 returns n, or a copy of it where plain !!str scalars that YAML 1.1
// readers take for something else are double-quoted; n itself is not changed.
func quoteYAML11(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Style == 0 && yaml11Ambiguous(n.Value) {
		c := *n
		c.Style = yaml.DoubleQuotedStyle
		return &c
	}
	var c *yaml.Node
	for i, child := range n.Content {
		if q := quoteYAML11(child); q != child {
			if c == nil {
				cp := *n
				cp.Content = append([]*yaml.Node(nil), n.Content...)
				c = &cp
			}
			c.Content[i] = q
		}
	}
	if c == nil {
		return n
	}
	return c
}

// yaml11Ambiguous: a string YAML 1.1 readers (sigs.k8s.io/yaml: kubectl, Argo CD) take
// for a bool or a base-60 number unless quoted, like "on", "y", "NO", "1:20".
func yaml11Ambiguous(s string) bool { return isOldBool(s) || isBase60Float(s) }

// emitter writes block-style YAML exactly as the libyaml-derived emitter of yaml.v3
// does with indent 2, compact sequence indentation and unlimited line width, for the
// subset of nodes it supports: no anchors, aliases, comments or explicit styles
// other than literal; scalars of printable ASCII and newlines whose tag yaml.v3 would
// drop; simple keys. The field and method names follow emitterc.go.
type emitter struct {
	buf        []byte
	column     int
	indent     int
	indents    []int
	whitespace bool // the last character written is a space (or nothing yet)
	indention  bool // only indentation written on the current line
}

// emitters keeps emitters (and their buffers) for reuse.
var emitters = sync.Pool{New: func() any { return new(emitter) }}

// errUnsupported aborts the fast path; the document is then written by yaml.v3.
type errUnsupported struct{}

// document renders n into e.buf and reports whether it could.
func (e *emitter) document(n *yaml.Node) (ok bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	e.buf = e.buf[:0]
	e.indents = e.indents[:0]
	e.indent, e.column, e.whitespace, e.indention = -1, 0, true, true // STREAM-START
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(errUnsupported); !is {
				panic(r)
			}
			ok = false
		}
	}()
	e.node(n, false, false)
	e.writeIndent() // DOCUMENT-END (implicit)
	return true
}

func (e *emitter) put(c byte) {
	e.buf = append(e.buf, c)
	e.column++
}

func (e *emitter) putBreak() {
	e.buf = append(e.buf, '\n')
	e.column = 0
	e.indention = true
}

func (e *emitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.putBreak()
	}
	for e.column < indent {
		e.put(' ')
	}
	e.whitespace = true
}

func (e *emitter) writeIndicator(indicator string, needWhitespace, isWhitespace, isIndention bool) {
	if needWhitespace && !e.whitespace {
		e.put(' ')
	}
	e.buf = append(e.buf, indicator...)
	e.column += len(indicator)
	e.whitespace = isWhitespace
	e.indention = e.indention && isIndention
}

// increaseIndent is yaml_emitter_increase_indent_compact (never indentless here);
// inSeqItem says the node is an item of a block sequence.
func (e *emitter) increaseIndent(flow, inSeqItem, compactSeq bool) {
	const bestIndent = 2
	e.indents = append(e.indents, e.indent)
	switch {
	case e.indent < 0 && flow:
		e.indent = bestIndent
	case e.indent < 0:
		e.indent = 0
	case inSeqItem:
		e.indent += 2
	default:
		e.indent = bestIndent * ((e.indent + bestIndent) / bestIndent)
		if compactSeq {
			e.indent -= 2
		}
	}
}

func (e *emitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

func unsupported() { panic(errUnsupported{}) }

// node emits a value; mappingCtx says it is a block mapping value, inSeqItem a
// block sequence item.
func (e *emitter) node(n *yaml.Node, mappingCtx, inSeqItem bool) {
	if n.Anchor != "" || n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" {
		unsupported()
	}
	switch n.Kind {
	case yaml.ScalarNode:
		e.scalar(n, false, inSeqItem)
	case yaml.MappingNode:
		if (n.Tag != "" && n.Tag != "!!map") || n.Style != 0 {
			unsupported()
		}
		if len(n.Content) == 0 {
			e.writeIndicator("{", true, true, false)
			e.writeIndicator("}", false, false, false)
			return
		}
		e.increaseIndent(false, inSeqItem, false)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Anchor != "" || k.HeadComment != "" || k.LineComment != "" || k.FootComment != "" {
				unsupported()
			}
			e.writeIndent()
			e.scalar(k, true, false)
			e.writeIndicator(":", false, false, false)
			e.node(n.Content[i+1], true, false)
		}
		e.popIndent()
	case yaml.SequenceNode:
		if (n.Tag != "" && n.Tag != "!!seq") || n.Style != 0 {
			unsupported()
		}
		if len(n.Content) == 0 {
			e.writeIndicator("[", true, true, false)
			e.writeIndicator("]", false, false, false)
			return
		}
		compact := mappingCtx && (e.column == 0 || !e.indention)
		e.increaseIndent(false, inSeqItem, compact)
		for _, item := range n.Content {
			e.writeIndent()
			e.writeIndicator("-", true, false, true)
			e.node(item, false, true)
		}
		e.popIndent()
	default:
		unsupported()
	}
}

type scalarStyle int

const (
	plainStyle scalarStyle = iota
	singleQuotedStyle
	doubleQuotedStyle
	literalStyle
)

// scalar emits a scalar; simpleKey says it is a mapping key.
func (e *emitter) scalar(n *yaml.Node, simpleKey, inSeqItem bool) {
	v := n.Value
	// Styles a node may ask for (kyaml asks for single quotes when it sets an annotation).
	requested := yaml.LiteralStyle | yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle
	if n.Style&^requested != 0 {
		unsupported()
	}
	// Tag: yaml.v3 drops it when the plain value resolves to it, and quotes a !!str
	// that would not read back as a string; anything else would print the tag.
	forceQuoting := false
	switch n.Tag {
	case "":
	case "!!str":
		// Like yaml.v3, also quote what YAML 1.1 readers (sigs.k8s.io/yaml: kubectl,
		// Argo CD) would take for a bool or a base-60 number: "on", "y", "NO", "1:20".
		if n.Style == 0 && (resolveTag(v) != "!!str" || yaml11Ambiguous(v)) {
			forceQuoting = true
		}
	case "!!int", "!!float", "!!bool":
		if resolveTag(v) != n.Tag {
			unsupported()
		}
	default:
		unsupported()
	}
	a := analyzeScalar(v)
	style := plainStyle
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		style = doubleQuotedStyle
	case n.Style&yaml.SingleQuotedStyle != 0:
		style = singleQuotedStyle
	case n.Style&yaml.LiteralStyle != 0, strings.Contains(v, "\n"):
		style = literalStyle
	case forceQuoting:
		style = doubleQuotedStyle
	}
	// yaml_emitter_check_simple_key: a multi-line or long key is written as "? key".
	if simpleKey && (a.multiline || len(v) > 128) {
		unsupported()
	}
	// yaml_emitter_select_scalar_style (block context).
	if style == plainStyle && (!a.blockPlainAllowed || (len(v) == 0 && simpleKey)) {
		style = singleQuotedStyle
	}
	if style == singleQuotedStyle && !a.singleQuotedAllowed {
		style = doubleQuotedStyle
	}
	if style == literalStyle && (!a.blockAllowed || simpleKey) {
		style = doubleQuotedStyle
	}
	e.increaseIndent(true, inSeqItem, false)
	switch style {
	case plainStyle:
		if len(v) > 0 && !e.whitespace {
			e.put(' ')
		}
		e.buf = append(e.buf, v...)
		e.column += len(v)
		if len(v) > 0 {
			e.whitespace = false
		}
		e.indention = false
	case singleQuotedStyle:
		if a.multiline {
			unsupported()
		}
		e.writeIndicator("'", true, false, false)
		for i := 0; i < len(v); i++ {
			if v[i] == '\'' {
				e.put('\'')
			}
			e.put(v[i])
		}
		e.writeIndicator("'", false, false, false)
		e.whitespace, e.indention = false, false
	case doubleQuotedStyle:
		e.writeIndicator("\"", true, false, false)
		for i := 0; i < len(v); i++ {
			switch c := v[i]; c {
			case '"', '\\':
				e.put('\\')
				e.put(c)
			case '\n':
				e.put('\\')
				e.put('n')
			default:
				e.put(c)
			}
		}
		e.writeIndicator("\"", false, false, false)
		e.whitespace, e.indention = false, false
	case literalStyle:
		e.writeIndicator("|", true, false, false)
		if v[0] == ' ' || v[0] == '\n' {
			e.writeIndicator("2", false, false, false) // indentation indicator: best indent
		}
		last := len(v) - 1
		switch {
		case v[last] != '\n':
			e.writeIndicator("-", false, false, false)
		case last == 0 || v[last-1] == '\n':
			e.writeIndicator("+", false, false, false)
		}
		e.putBreak()
		e.whitespace = true
		breaks := true
		for i := 0; i < len(v); i++ {
			if v[i] == '\n' {
				e.putBreak()
				breaks = true
				continue
			}
			if breaks {
				e.writeIndent()
			}
			e.put(v[i])
			e.indention = false
			breaks = false
		}
	}
	e.popIndent()
}

// scalarAnalysis is what yaml_emitter_analyze_scalar finds out (block context).
type scalarAnalysis struct {
	multiline, blockPlainAllowed, singleQuotedAllowed, blockAllowed bool
}

// analyzeScalar is yaml_emitter_analyze_scalar for printable ASCII and newlines;
// any other character sends the document to yaml.v3.
func analyzeScalar(v string) scalarAnalysis {
	if len(v) == 0 {
		return scalarAnalysis{blockPlainAllowed: true, singleQuotedAllowed: true}
	}
	var blockIndicators, lineBreaks, leadingSpace, leadingBreak, trailingSpace, trailingBreak, breakSpace, spaceBreak bool
	if strings.HasPrefix(v, "---") || strings.HasPrefix(v, "...") {
		blockIndicators = true
	}
	precededByWhitespace, previousSpace, previousBreak := true, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 0x20 || c > 0x7e) && c != '\n' {
			unsupported()
		}
		followedByWhitespace := i+1 >= len(v) || v[i+1] == ' '
		if i == 0 {
			switch c {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				blockIndicators = true
			case '?', ':', '-':
				if followedByWhitespace {
					blockIndicators = true
				}
			}
		} else {
			switch c {
			case ':':
				if followedByWhitespace {
					blockIndicators = true
				}
			case '#':
				if precededByWhitespace {
					blockIndicators = true
				}
			}
		}
		switch c {
		case ' ':
			leadingSpace = leadingSpace || i == 0
			trailingSpace = trailingSpace || i == len(v)-1
			breakSpace = breakSpace || previousBreak
			previousSpace, previousBreak = true, false
		case '\n':
			lineBreaks = true
			leadingBreak = leadingBreak || i == 0
			trailingBreak = trailingBreak || i == len(v)-1
			spaceBreak = spaceBreak || previousSpace
			previousSpace, previousBreak = false, true
		default:
			previousSpace, previousBreak = false, false
		}
		precededByWhitespace = c == ' ' || c == '\n'
	}
	a := scalarAnalysis{multiline: lineBreaks, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak || lineBreaks || blockIndicators {
		a.blockPlainAllowed = false
	}
	if trailingSpace {
		a.blockAllowed = false
	}
	if breakSpace || spaceBreak {
		a.blockPlainAllowed, a.singleQuotedAllowed = false, false
	}
	if spaceBreak {
		a.blockAllowed = false
	}
	return a
}

// isOldBool reports a YAML 1.1 boolean (yaml.v3's isOldBool).
func isOldBool(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return true
	}
	return false
}

// isBase60Float matches YAML 1.1 sexagesimal numbers (yaml.v3's isBase60Float,
// with its fast path: the regexp only runs on a sign or digit followed by a colon).
func isBase60Float(s string) bool {
	if s == "" || !(s[0] == '+' || s[0] == '-' || s[0] >= '0' && s[0] <= '9') || strings.IndexByte(s, ':') < 0 {
		return false
	}
	return base60Float.MatchString(s)
}

var base60Float = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)

// resolveTag is the tag yaml.v3 resolves a plain scalar to (resolve("", s) in
// go.yaml.in/yaml/v3): !!str, !!bool, !!null, !!int, !!float or !!timestamp. ("<<"
// is !!str there: its first character is not one the resolver looks up.)
func resolveTag(s string) string {
	if s == "" {
		return "!!null"
	}
	switch c := s[0]; {
	case c == '+' || c == '-' || (c >= '0' && c <= '9'):
		switch s {
		case "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
			return "!!float"
		}
		if isTimestamp(s) {
			return "!!timestamp"
		}
		plain := s
		if strings.IndexByte(s, '_') >= 0 {
			plain = strings.ReplaceAll(s, "_", "")
		}
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return "!!int"
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return "!!int"
		}
		if isYAMLStyleFloat(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return "!!float"
			}
		}
		switch {
		case strings.HasPrefix(plain, "0b"):
			if _, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
				return "!!int"
			}
			if _, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
				return "!!int"
			}
		case strings.HasPrefix(plain, "-0b"):
			if _, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
				return "!!int"
			}
		}
		switch {
		case strings.HasPrefix(plain, "0o"):
			if _, err := strconv.ParseInt(plain[2:], 8, 64); err == nil {
				return "!!int"
			}
			if _, err := strconv.ParseUint(plain[2:], 8, 64); err == nil {
				return "!!int"
			}
		case strings.HasPrefix(plain, "-0o"):
			if _, err := strconv.ParseInt("-"+plain[3:], 8, 64); err == nil {
				return "!!int"
			}
		}
	case c == '.':
		switch s {
		case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF":
			return "!!float"
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "!!float"
		}
	case strings.IndexByte("yYnNtTfFoO~", c) >= 0:
		switch s {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		case "~", "null", "Null", "NULL":
			return "!!null"
		}
	}
	return "!!str"
}

// isYAMLStyleFloat matches yaml.v3's yamlStyleFloat,
// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$, without a regexp.
func isYAMLStyleFloat(s string) bool {
	i := 0
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	} else {
		if digits() == 0 {
			return false
		}
		if i < len(s) && s[i] == '.' {
			i++
			digits()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// isTimestamp is yaml.v3's parseTimestamp succeeding.
func isTimestamp(s string) bool {
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, format := range []string{
		"2006-1-2T15:4:5.999999999Z07:00",
		"2006-1-2t15:4:5.999999999Z07:00",
		"2006-1-2 15:4:5.999999999",
		"2006-1-2",
	} {
		if _, err := time.Parse(format, s); err == nil {
			return true
		}
	}
	return false
}

// Marshal encodes objects into one YAML stream.
func Marshal(objs ...any) ([]byte, error) {
	nodes := make([]*yaml.Node, 0, len(objs))
	for _, o := range objs {
		n, err := Encode(o)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	var buf bytes.Buffer
	if err := Write(&buf, nodes...); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Patch encodes a partial typed object as a strategic-merge patch document: besides
// what Encode drops, it drops status, empty strings and zero numbers, which typed
// structs emit for required fields the patch does not set.
func Patch(obj any) (string, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	n, err := decodeJSON(raw)
	if err != nil {
		return "", err
	}
	if n == nil {
		return "{}\n", nil
	}
	n = pruneZero(n)
	if i := FieldIndex(n, "status"); i >= 0 {
		n.Content = append(n.Content[:i], n.Content[i+2:]...)
	}
	if n == nil || len(n.Content) == 0 {
		return "{}\n", nil
	}
	var buf bytes.Buffer
	if err := Write(&buf, n); err != nil {
		return "", err
	}
	return buf.String(), nil
}
