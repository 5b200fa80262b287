package schema

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Parsing a big spec splits its long lists (apps, routes): the YAML parse is most of
// a big render's work that does not spread over CPUs by itself, and those lists are
// most of the spec.
//
// The split is checked, never trusted: the items of a block list are cut at the
// lines that start an item at the list's indentation, each run of items is parsed
// on its own, and the rest of the document with the lists' lines left blank (so
// every line keeps its number). Whatever could make a cut fall inside something
// else (a quoted scalar or a flow collection running over it, an alias in a run to
// an anchor outside it, a tag directive) makes one of those parses fail; any
// failure, a rest that does not hold an empty value where the cut found the list's
// key, an alias in the rest when a run defines an anchor (anchors can be defined
// again, and an alias names the last one before it), or a line break yaml.v3 counts
// and the cut does not (a lone CR, NEL, LS, PS) sends the document to the whole
// parse. Block scalars and plain scalars cannot run over a cut: their lines are
// indented deeper than the list. The parsed nodes are those of the whole-document
// parse (kind, tag, value, style, anchors, aliases, line and column); only comments
// may attach to other nodes, which decoding does not read (a caller that writes the
// list out again checks Cut.Comments). TestParseSpecSplitsAlike and FuzzParseSpec
// compare the two parses.

// minSplitBytes is the smallest spec worth splitting (a few hundred apps).
const minSplitBytes = 64 << 10

// parseSpec parses data into its YAML documents as yaml.v3's Decoder does.
func parseSpec(data []byte) ([]*yaml.Node, error) {
	if parts := cutParts(data); parts > 0 {
		if doc, ok := parseSplit(data, parts); ok {
			return []*yaml.Node{doc}, nil
		}
	}
	return parseWhole(data)
}

// cutParts is how many runs to cut a list of data into: two per CPU, or 0 when data
// is too small to gain from it or there is one CPU.
func cutParts(data []byte) int {
	if len(data) < minSplitBytes || runtime.GOMAXPROCS(0) < 2 {
		return 0
	}
	return 2 * runtime.GOMAXPROCS(0)
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

// line is one line of the spec: where it starts and ends (without its "\n"; a "\r"
// stays).
type line struct {
	start, end int
}

// step is one key of a list's path (or "-": the first item of a list), with the line
// and column (from 1) it was found at.
type step struct {
	key          string
	line, column int
}

// listAt is where a block list lies: the path to it, the lines (from 1) that start
// its items, and the first line after it (may be past the end).
type listAt struct {
	steps []step
	items []int
	end   int
}

// The paths of a spec's long lists: its apps and routes.
var (
	SpecApps   = []string{"spec", "apps"}
	SpecRoutes = []string{"spec", "routes"}
)

// parseSplit parses a one-document spec with its long lists cut into about parts
// runs of items each; ok is false when the spec does not split cleanly (the caller
// parses it whole).
func parseSplit(data []byte, parts int) (*yaml.Node, bool) {
	c := cutLists(data, parts, SpecApps, SpecRoutes)
	if c == nil {
		return nil, false
	}
	var rest []*yaml.Node
	var restErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		rest, restErr = parseWhole(c.Rest)
	}()
	lists, anchors, ok := c.ParseLists(0, 1)
	<-done
	if !ok || restErr != nil || len(rest) != 1 || len(rest[0].Content) != 1 {
		return nil, false
	}
	// An alias in the rest names the last anchor before it in the whole document,
	// which may be in a list (anchors can be defined again).
	if anchors && HasAlias(rest[0]) {
		return nil, false
	}
	return rest[0], c.Graft(rest[0].Content[0], 0, lists, 0, 1)
}

// Cut is a YAML document with big block lists cut out of it, so that the lists can
// be parsed in runs on every CPU beside the parse of the rest (see the comment at
// the top of this file for why the result is the whole parse's, or refused).
type Cut struct {
	Rest  []byte // the document with the lines of every list cut out left blank
	data  []byte
	lines []line
	parts int
	lists []*listAt // by path; nil for a path not cut
}

// CutLists cuts the block lists at paths out of data (a path: the keys from the top
// of the document, "-" for the first item of a list), for a parse on every CPU; nil
// when data is too small to gain from it, there is one CPU, or no list was found.
func CutLists(data []byte, paths ...[]string) *Cut {
	parts := cutParts(data)
	if parts == 0 {
		return nil
	}
	return cutLists(data, parts, paths...)
}

// cutLists is CutLists with parts runs per list.
func cutLists(data []byte, parts int, paths ...[]string) *Cut {
	c := &Cut{data: data, lines: splitLines(data), parts: parts, lists: make([]*listAt, len(paths))}
	if !cuttable(data, c.lines) {
		return nil
	}
	var blank [][2]int
	for i, p := range paths {
		if at, ok := findList(data, c.lines, p); ok && len(at.items) >= 2*parts {
			c.lists[i] = &at
			blank = append(blank, [2]int{at.items[0], at.end})
		}
	}
	if len(blank) == 0 {
		return nil
	}
	c.Rest = blankLines(data, c.lines, blank)
	return c
}

// Found reports whether the list at paths[i] was cut out.
func (c *Cut) Found(i int) bool { return c.lists[i] != nil }

// region is the bytes of the list at paths[i], from its key's line to its end.
func (c *Cut) region(i int) []byte {
	at := c.lists[i]
	key := at.steps[len(at.steps)-1].line
	return c.data[c.lines[key-1].start:lineStart(c.data, c.lines, at.end)]
}

// SameText reports whether the lists at paths[i] and paths[j] were cut out and are
// the same bytes, key line included: what parses as one parses as the other.
func (c *Cut) SameText(i, j int) bool {
	return c.lists[i] != nil && c.lists[j] != nil && bytes.Equal(c.region(i), c.region(j))
}

// Comments reports whether the list at paths[i] may hold a comment (a '#' from its
// key's line on): runs parsed on their own attach comments at their ends to other
// nodes than the whole parse does, which matters to a caller that writes the list
// out again.
func (c *Cut) Comments(i int) bool {
	return c.lists[i] != nil && bytes.IndexByte(c.region(i), '#') >= 0
}

// parseList parses the list cut out at paths[i] in runs on every CPU: its sequence
// node, with the lines of data, and whether a run defines an anchor; ok is false when
// a run does not parse on its own.
func (c *Cut) parseList(i int) (_ *yaml.Node, anchors, ok bool) {
	at := c.lists[i]
	var bounds []int
	for j := range c.parts {
		bounds = append(bounds, at.items[j*len(at.items)/c.parts])
	}
	bounds = append(bounds, at.end)
	runs := make([]*yaml.Node, c.parts)
	var wg sync.WaitGroup
	var anchored atomic.Bool
	for j := range c.parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from, to := bounds[j], bounds[j+1]
			docs, err := parseWhole(c.data[c.lines[from-1].start:lineStart(c.data, c.lines, to)])
			if err != nil || len(docs) != 1 || len(docs[0].Content) != 1 || docs[0].Content[0].Kind != yaml.SequenceNode {
				return
			}
			seq := docs[0].Content[0]
			if shiftLines(seq, from-1) {
				anchored.Store(true)
			}
			runs[j] = seq
		}()
	}
	wg.Wait()
	merged := yaml.Node{}
	for j, r := range runs {
		if r == nil {
			return nil, false, false
		}
		if j == 0 {
			merged = *r
			merged.Content = nil
		}
		merged.Content = append(merged.Content, r.Content...)
	}
	merged.HeadComment, merged.LineComment, merged.FootComment = "", "", ""
	return &merged, anchored.Load(), true
}

// ParseLists parses the lists cut out at the paths of the indexes given, one after
// the other (each on every CPU): by path index, nil for a path not cut or not given,
// and whether a run of them defines an anchor; ok is false when one does not parse.
func (c *Cut) ParseLists(indexes ...int) (lists []*yaml.Node, anchors, ok bool) {
	lists = make([]*yaml.Node, len(c.lists))
	for _, i := range indexes {
		if c.lists[i] != nil {
			var a bool
			if lists[i], a, ok = c.parseList(i); !ok {
				return nil, false, false
			}
			anchors = anchors || a
		}
	}
	return lists, anchors, true
}

// Graft puts the lists of the indexes given (parsed by ParseLists) in their slots,
// found from n as Slot finds them; it reports false, having changed nothing, when
// a slot is not there.
func (c *Cut) Graft(n *yaml.Node, from int, lists []*yaml.Node, indexes ...int) bool {
	slots := make([]*yaml.Node, len(c.lists))
	for _, i := range indexes {
		if c.lists[i] != nil {
			if slots[i] = c.Slot(n, i, from); slots[i] == nil || lists[i] == nil {
				return false
			}
		}
	}
	for i, s := range slots {
		if s != nil {
			*s = *lists[i]
		}
	}
	return true
}

// Slot is the value that stands for the list cut out at paths[i] in the parse of
// Rest, found from n, the node the path's first from steps lead to (the document's
// top mapping for 0): an empty value at the place the cut found, else nil.
func (c *Cut) Slot(n *yaml.Node, i, from int) *yaml.Node {
	at := c.lists[i]
	if at == nil || from > len(at.steps) {
		return nil
	}
	for _, s := range at.steps[from:] {
		if s.key == "-" {
			if n == nil || n.Kind != yaml.SequenceNode || len(n.Content) == 0 || n.Content[0].Line != s.line {
				return nil
			}
			n = n.Content[0]
			continue
		}
		n = mappingValue(n, s.key, s.line, s.column)
	}
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!null" || n.Value != "" || n.Anchor != "" {
		return nil
	}
	return n
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

// cuttable reports whether data's lists may be cut at all: not with a byte-order mark,
// a directive or a document marker (more than one document, or tags a run would not
// know), or a line break yaml.v3 counts and lines (cut at "\n") do not: a lone CR,
// NEL, LS or PS.
func cuttable(data []byte, lines []line) bool {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return false
	}
	for _, l := range lines {
		b := data[l.start:l.end]
		if len(b) > 0 && (b[0] == '%' || bytes.HasPrefix(b, []byte("---")) || bytes.HasPrefix(b, []byte("..."))) {
			return false
		}
		if cr := bytes.IndexByte(b, '\r'); cr >= 0 && cr != len(b)-1 {
			return false
		}
	}
	return !(len(data) > 0 && data[len(data)-1] == '\r') && !bytes.Contains(data, []byte("\xc2\x85")) &&
		!bytes.Contains(data, []byte("\xe2\x80\xa8")) && !bytes.Contains(data, []byte("\xe2\x80\xa9"))
}

// findList finds the block list at path in a cuttable document: each key on a line of
// its own at its block's indentation ("-": the first item of the list, on the line
// after its key), then the list's items ("- " or a lone "-") at one indentation no
// less than its key's, up to the first line less indented, or as indented but not an
// item.
func findList(data []byte, lines []line, path []string) (listAt, bool) {
	var at listAt
	// next is the first line after i that is not blank or a comment, or -1.
	next := func(i int) int {
		for j := i + 1; j < len(lines); j++ {
			if _, neutral := lineKind(data[lines[j].start:lines[j].end]); !neutral {
				return j
			}
		}
		return -1
	}
	i, parent, keys := -1, -1, -1 // the last step's line; its indentation; its block's keys'
	for _, key := range path {
		if key == "-" {
			j := next(i)
			if j < 0 {
				return at, false
			}
			b := data[lines[j].start:lines[j].end]
			indent, _ := lineKind(b)
			if indent < parent || !isItemLine(b, indent) {
				return at, false
			}
			at.steps = append(at.steps, step{"-", j + 1, indent + 1})
			i, parent, keys = j, indent, indent+2
			continue
		}
		j := i + 1
		for ; j < len(lines); j++ {
			b := data[lines[j].start:lines[j].end]
			indent, neutral := lineKind(b)
			switch {
			case neutral:
				continue
			case indent <= parent:
				return at, false // the block ended without key
			case keys < 0:
				keys = indent
			case indent < keys:
				return at, false
			}
			if indent == keys && isKeyLine(b, keys, key) {
				break
			}
		}
		if j >= len(lines) {
			return at, false
		}
		at.steps = append(at.steps, step{key, j + 1, keys + 1})
		i, parent, keys = j, keys, -1
	}
	column := -1 // the items' indentation
	j := i + 1
	for ; j < len(lines); j++ {
		b := data[lines[j].start:lines[j].end]
		indent, neutral := lineKind(b)
		if neutral {
			continue
		}
		item := isItemLine(b, indent)
		if column < 0 {
			if indent < parent || !item {
				return at, false
			}
			column = indent
		}
		if indent < column || (indent == column && !item) {
			break
		}
		if indent == column {
			at.items = append(at.items, j+1)
		}
	}
	at.end = j + 1
	return at, len(at.items) > 0
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

// blankLines is data with the lines of each range [from, to) (line numbers, in
// order, not overlapping) left empty.
func blankLines(data []byte, lines []line, ranges [][2]int) []byte {
	sort.Slice(ranges, func(a, b int) bool { return ranges[a][0] < ranges[b][0] })
	out := make([]byte, 0, len(data))
	done := 0
	for _, r := range ranges {
		start, end := lines[r[0]-1].start, lineStart(data, lines, r[1])
		if start < done {
			return data // overlapping: nothing is blanked, and no slot will be found
		}
		out = append(out, data[done:start]...)
		for range r[1] - r[0] {
			out = append(out, '\n')
		}
		done = end
	}
	return append(out, data[done:]...)
}

// shiftLines adds by to the line of n and of every node under it; it reports
// whether any of them has an anchor.
func shiftLines(n *yaml.Node, by int) (anchors bool) {
	n.Line += by
	anchors = n.Anchor != ""
	for _, c := range n.Content {
		anchors = shiftLines(c, by) || anchors
	}
	return anchors
}

// HasAlias reports whether n or a node under it is an alias.
func HasAlias(n *yaml.Node) bool {
	if n == nil {
		return false
	}
	if n.Kind == yaml.AliasNode {
		return true
	}
	for _, c := range n.Content {
		if HasAlias(c) {
			return true
		}
	}
	return false
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
