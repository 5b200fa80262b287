package manifest

import (
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

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
	var wr Writer
	return wr.Write(w, nodes...)
}

// Writer writes YAML streams as Write does, reusing its buffers from one call to the
// next. It is not safe for concurrent use.
type Writer struct{ e emitter }

// Write encodes nodes as a YAML stream (see the package function Write).
func (wr *Writer) Write(w io.Writer, nodes ...*yaml.Node) error {
	e := &wr.e
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
	case n.Style&yaml.LiteralStyle != 0, a.multiline:
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
	if quiet(v) {
		return scalarAnalysis{blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true}
	}
	return analyzeEach(v)
}

// analyzeEach is analyzeScalar for a non-empty v, character by character.
func analyzeEach(v string) scalarAnalysis {
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

// quiet reports whether the analysis of v finds nothing at all: printable ASCII with
// no space, line break, ':' or '#', not starting with an indicator or "...". Most
// scalars of a rendered tree (names, labels, images, numbers) are such, and this one
// pass over them costs a fraction of the full one (TestQuietScalars compares the two).
func quiet(v string) bool {
	switch v[0] {
	case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '?', ':', '-':
		return false
	case '.':
		if strings.HasPrefix(v, "...") {
			return false
		}
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c > '~' || c == ':' || c == '#' {
			return false
		}
	}
	return true
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
