package schema

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Parsing a big spec splits its apps list: the YAML parse is most of a big render's
// work that does not spread over CPUs by itself, and the apps are most of the spec.
//
// The split is checked, never trusted: the items of spec.apps (a block sequence) are
// cut at the lines that start an item at the list's indentation, each run of items is
// parsed on its own, and the rest of the spec with the list's lines left blank (so
// every line keeps its number). Whatever could make a cut fall inside something
// else (a quoted scalar or a flow collection running over it, an alias to an anchor
// in another run, a tag directive) makes one of those parses fail, and any failure,
// or a rest that does not hold an empty spec.apps at the line the cut found, sends
// the spec to the whole-document parse. Block scalars and plain scalars cannot run
// over a cut: their lines are indented deeper than the list. The parsed nodes are
// those of the whole-document parse (kind, tag, value, style, anchors, line and
// column); only comments may attach to other nodes, and decoding reads none.
// TestParseSpecSplitsAlike and FuzzParseSpec compare the two parses.

// minSplitBytes is the smallest spec worth splitting (a few hundred apps).
const minSplitBytes = 64 << 10

// parseSpec parses data into its YAML documents as yaml.v3's Decoder does.
func parseSpec(data []byte) ([]*yaml.Node, error) {
	if len(data) >= minSplitBytes && runtime.GOMAXPROCS(0) > 1 {
		if doc, ok := parseSplit(data, 2*runtime.GOMAXPROCS(0)); ok {
			return []*yaml.Node{doc}, nil
		}
	}
	return parseWhole(data)
}

// parseWhole is yaml.v3's Decoder over data: every document, or the first error.
func parseWhole(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &n)
	}
}

// line is one line of the spec: its bytes without the line break, and where the
// next line starts.
type line struct {
	start, end int // data[start:end] is the line, without "\n" (a "\r" stays)
}

// appsList is where the spec's apps list lies: the lines of spec: and apps:, the
// list's indentation, and the lines that start its items and follow its end.
type appsList struct {
	specLine, appsLine int // line numbers (from 1)
	appsColumn         int // apps: key's column (from 1)
	items              []int
	end                int // the first line after the list (a line number; may be past the end)
}

// parseSplit parses a one-document spec with its apps list cut into about parts runs
// of items; ok is false when the spec does not split cleanly (the caller parses it
// whole).
func parseSplit(data []byte, parts int) (*yaml.Node, bool) {
	lines := splitLines(data)
	list, ok := findApps(data, lines)
	if !ok || len(list.items) < 2*parts {
		return nil, false
	}
	// Runs of items: [items[cuts[i]], items[cuts[i+1]]) lines, the last to list.end.
	var bounds []int
	for i := range parts {
		bounds = append(bounds, list.items[i*len(list.items)/parts])
	}
	bounds = append(bounds, list.end)
	rest := blankLines(data, lines, list.items[0], list.end)

	runs := make([]*yaml.Node, parts)
	ok = true
	var mu sync.Mutex
	fail := func() { mu.Lock(); ok = false; mu.Unlock() }
	var wg sync.WaitGroup
	var restDoc *yaml.Node
	wg.Add(parts + 1)
	go func() {
		defer wg.Done()
		if docs, err := parseWhole(rest); err != nil || len(docs) != 1 {
			fail()
		} else {
			restDoc = docs[0]
		}
	}()
	for i := range parts {
		go func() {
			defer wg.Done()
			from, to := bounds[i], bounds[i+1]
			chunk := data[lines[from-1].start:lineStart(data, lines, to)]
			docs, err := parseWhole(chunk)
			if err != nil || len(docs) != 1 || len(docs[0].Content) != 1 || docs[0].Content[0].Kind != yaml.SequenceNode {
				fail()
				return
			}
			seq := docs[0].Content[0]
			shiftLines(seq, from-1)
			runs[i] = seq
		}()
	}
	wg.Wait()
	if !ok {
		return nil, false
	}
	slot := appsSlot(restDoc, list)
	if slot == nil {
		return nil, false
	}
	merged := *runs[0]
	merged.Content = nil
	for _, r := range runs {
		merged.Content = append(merged.Content, r.Content...)
	}
	merged.HeadComment, merged.LineComment, merged.FootComment = "", "", ""
	*slot = merged
	return restDoc, true
}

// splitLines lists data's lines.
func splitLines(data []byte) []line {
	var lines []line
	for start := 0; start < len(data); {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			lines = append(lines, line{start, len(data)})
			break
		}
		lines = append(lines, line{start, start + end})
		start += end + 1
	}
	return lines
}

// lineStart is the offset of line number n (from 1), or len(data) past the last.
func lineStart(data []byte, lines []line, n int) int {
	if n-1 < len(lines) {
		return lines[n-1].start
	}
	return len(data)
}

// lineKind is what a line is to the split: its indentation and whether it is blank
// or only a comment (neutral: neither starts nor ends anything).
func lineKind(b []byte) (indent int, neutral bool) {
	for indent < len(b) && b[indent] == ' ' {
		indent++
	}
	rest := b[indent:]
	return indent, len(rest) == 0 || string(rest) == "\r" || rest[0] == '#'
}

// findApps finds spec.apps as a block sequence: "spec:" at the start of a line, its
// keys at one indentation, "apps:" among them, then items ("- " or a lone "-") at one
// indentation no less than that, up to the first line less indented, or as
// indented but not an item. It declines a spec with a byte-order mark, a directive
// or a document marker (more than one document, or tags it would not know).
func findApps(data []byte, lines []line) (appsList, bool) {
	var list appsList
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return list, false
	}
	for _, l := range lines {
		b := data[l.start:l.end]
		if len(b) > 0 && (b[0] == '%' || bytes.HasPrefix(b, []byte("---")) || bytes.HasPrefix(b, []byte("..."))) {
			return list, false
		}
	}
	i := 0
	for ; i < len(lines); i++ {
		if isKeyLine(data[lines[i].start:lines[i].end], 0, "spec") {
			break
		}
	}
	if i == len(lines) {
		return list, false
	}
	list.specLine = i + 1
	keys := -1 // the indentation of spec's keys
	for i++; i < len(lines); i++ {
		b := data[lines[i].start:lines[i].end]
		indent, neutral := lineKind(b)
		switch {
		case neutral:
			continue
		case keys < 0:
			if indent == 0 {
				return list, false
			}
			keys = indent
		case indent < keys:
			return list, false // spec ended without apps
		}
		if indent == keys && isKeyLine(b, keys, "apps") {
			break
		}
	}
	if i >= len(lines) {
		return list, false
	}
	list.appsLine, list.appsColumn = i+1, keys+1
	column := -1 // the items' indentation
	for i++; i < len(lines); i++ {
		b := data[lines[i].start:lines[i].end]
		indent, neutral := lineKind(b)
		if neutral {
			continue
		}
		item := isItemLine(b, indent)
		if column < 0 {
			if indent < keys || !item {
				return list, false
			}
			column = indent
		}
		if indent < column || (indent == column && !item) {
			break
		}
		if indent == column {
			list.items = append(list.items, i+1)
		}
	}
	list.end = i + 1
	return list, len(list.items) > 0
}

// isKeyLine reports whether b is "key:" at indentation indent, with nothing after but
// spaces or a comment.
func isKeyLine(b []byte, indent int, key string) bool {
	if len(b) < indent+len(key)+1 || string(b[indent:indent+len(key)+1]) != key+":" {
		return false
	}
	for j := 0; j < indent; j++ {
		if b[j] != ' ' {
			return false
		}
	}
	rest := bytes.TrimRight(b[indent+len(key)+1:], " \r")
	return len(rest) == 0 || (rest[0] == ' ' && bytes.TrimLeft(rest, " ")[0] == '#')
}

// isItemLine reports whether b starts a block sequence item at indentation indent.
func isItemLine(b []byte, indent int) bool {
	rest := b[indent:]
	return len(rest) > 0 && rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ' || string(rest[1:]) == "\r")
}

// blankLines is data with the lines from, up to to (line numbers), left empty.
func blankLines(data []byte, lines []line, from, to int) []byte {
	start, end := lines[from-1].start, lineStart(data, lines, to)
	out := make([]byte, 0, len(data)-(end-start)+(to-from))
	out = append(out, data[:start]...)
	for range to - from {
		out = append(out, '\n')
	}
	return append(out, data[end:]...)
}

// shiftLines adds by to the line of n and of every node under it.
func shiftLines(n *yaml.Node, by int) {
	n.Line += by
	for _, c := range n.Content {
		shiftLines(c, by)
	}
}

// appsSlot is the value node of spec.apps in the parse of the spec with the list's
// lines blank, provided it is an empty value where the cut found the apps key.
func appsSlot(doc *yaml.Node, list appsList) *yaml.Node {
	if doc == nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil
	}
	spec := mappingValue(doc.Content[0], "spec", list.specLine, 1)
	apps := mappingValue(spec, "apps", list.appsLine, list.appsColumn)
	if apps == nil || apps.Kind != yaml.ScalarNode || apps.Tag != "!!null" || apps.Value != "" || apps.Anchor != "" {
		return nil
	}
	return apps
}

// mappingValue is the value of m's key key written at line and column, or nil.
func mappingValue(m *yaml.Node, key string, line, column int) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Kind == yaml.ScalarNode && k.Value == key && k.Style == 0 && k.Line == line && k.Column == column {
			return m.Content[i+1]
		}
	}
	return nil
}
