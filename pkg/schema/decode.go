package schema

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/agnivade/levenshtein"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// maxSpecBytes bounds the size of a spec file; real specs are a few KiB.
const maxSpecBytes = 8 << 20

// Decode parses one Platform document strictly: unknown fields and wrong types are
// reported with their line, and every problem found is returned, not just the first.
func Decode(data []byte, file string) (*Platform, Positions, Diagnostics) {
	if len(data) > maxSpecBytes {
		return nil, nil, Diagnostics{{Severity: SeverityError, File: file, Message: fmt.Sprintf("spec is %d bytes, more than the %d allowed", len(data), maxSpecBytes)}}
	}
	docs, err := parseSpec(data)
	if err != nil {
		return nil, nil, Diagnostics{{Severity: SeverityError, File: file, Line: yamlErrorLine(err), Message: "invalid YAML: " + err.Error()}}
	}
	switch {
	case len(docs) == 0:
		return nil, nil, Diagnostics{{Severity: SeverityError, File: file, Message: "empty spec: expected one Platform document"}}
	case len(docs) > 1:
		return nil, nil, Diagnostics{{Severity: SeverityError, File: file, Line: docs[1].Line, Message: fmt.Sprintf("expected one Platform document, found %d", len(docs))}}
	}
	return decodeOwned(docs[0], file)
}

// DecodeNode decodes a Platform from an already parsed YAML node (e.g. a KRM functionConfig).
func DecodeNode(doc *yaml.Node, file string) (*Platform, Positions, Diagnostics) {
	// Decoding drops bad values, and the caller's node must stay as it was: a first
	// walk only looks, and a spec with nothing to drop is decoded from doc itself
	// (no copy of a big functionConfig's tree); any other gets a copy to prune.
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	var errs field.ErrorList
	w := newWalker(Positions{}, &errs)
	w.readOnly, w.dropped = true, new(bool)
	if w.walk(root, reflect.TypeFor[Platform](), "", 0) && !*w.dropped && len(errs) == 0 && *w.nodes < maxNodes {
		var p Platform
		if w.set(reflect.ValueOf(&p).Elem(), root, reflect.TypeFor[Platform](), 0) {
			return &p, w.pos, FromFieldErrors(nil, SeverityError, file, w.pos)
		}
		if raw, ok := w.json(make([]byte, 0, 4096), root, reflect.TypeFor[Platform](), 0); ok {
			var p Platform
			if err := json.Unmarshal(raw, &p); err == nil {
				return &p, w.pos, FromFieldErrors(nil, SeverityError, file, w.pos)
			}
		}
	}
	return decodeOwned(deepCopy(doc), file)
}

// decodeOwned decodes a node tree it may modify.
func decodeOwned(doc *yaml.Node, file string) (*Platform, Positions, Diagnostics) {
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	pos := Positions{}
	var errs field.ErrorList
	w := newWalker(pos, &errs)
	if !w.walk(root, reflect.TypeFor[Platform](), "", 0) || *w.nodes >= maxNodes {
		ds := FromFieldErrors(errs, SeverityError, file, pos)
		ds.Sort()
		return nil, pos, ds
	}
	// Structural problems are returned with the decoded remainder, so semantic
	// validation can report the rest in the same run.
	ds := FromFieldErrors(errs, SeverityError, file, pos)
	for i, d := range ds {
		if m := suggestion.FindStringSubmatch(d.Message); m != nil {
			parent := d.Field[:max(strings.LastIndex(d.Field, "."), 0)]
			ds[i].Related = strings.TrimPrefix(parent+"."+m[1], ".")
		}
	}
	// The checked tree is decoded straight from its nodes (see set.go), else written as
	// JSON from them (tojson.go); a tree that uses YAML beyond what that covers goes
	// through yaml.v3's generic decode.
	var direct Platform
	if w.set(reflect.ValueOf(&direct).Elem(), root, reflect.TypeFor[Platform](), 0) {
		return &direct, pos, ds
	}
	raw, ok := w.json(make([]byte, 0, 4096), root, reflect.TypeFor[Platform](), 0)
	if !ok {
		var d *Diagnostic
		if raw, d = genericJSON(root, file); d != nil {
			return nil, pos, append(ds, *d)
		}
	}
	var p Platform
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, pos, append(ds, Diagnostic{Severity: SeverityError, File: file, Line: root.Line, Message: "decoding spec: " + err.Error()})
	}
	return &p, pos, ds
}

// genericJSON is root as JSON through yaml.v3's decode into any and json.Marshal, or
// the problem that stops it.
func genericJSON(root *yaml.Node, file string) ([]byte, *Diagnostic) {
	var generic any
	if err := root.Decode(&generic); err != nil {
		return nil, &Diagnostic{Severity: SeverityError, File: file, Line: root.Line, Message: "invalid YAML: " + err.Error()}
	}
	raw, err := json.Marshal(generic)
	if err != nil {
		return nil, &Diagnostic{Severity: SeverityError, File: file, Line: root.Line, Message: "spec cannot be represented as JSON: " + err.Error()}
	}
	return raw, nil
}

// aliased is what n stands for: the node an alias names (nil for an alias of
// nothing), n itself otherwise.
func aliased(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

// walker checks a YAML node tree against a Go type and records field positions.
type walker struct {
	pos    Positions
	errs   *field.ErrorList
	nodes  *int                                  // nodes visited, aliases expanded: bounds alias bombs
	fields map[reflect.Type]map[string]jsonField // jsonFieldsOf the struct types met so far
	custom map[reflect.Type]bool                 // whether a type decodes itself (set.go)
	// readOnly leaves the tree as it is; dropped (when set) records that a value would
	// have been dropped.
	readOnly bool
	dropped  *bool
}

// newWalker is a walker that records positions in pos and problems in errs.
func newWalker(pos Positions, errs *field.ErrorList) walker {
	return walker{pos: pos, errs: errs, nodes: new(int), fields: map[reflect.Type]map[string]jsonField{},
		custom: map[reflect.Type]bool{}}
}

// drop notes that a value is dropped; it reports whether the tree may be changed.
func (w walker) drop() bool {
	if w.dropped != nil {
		*w.dropped = true
	}
	return !w.readOnly
}

// structFields is jsonFieldsOf(t), computed once per type and decode.
func (w walker) structFields(t reflect.Type) map[string]jsonField {
	f, ok := w.fields[t]
	if !ok {
		f = jsonFieldsOf(t, nil)
		w.fields[t] = f
	}
	return f
}

// fieldType is the type the value of struct t's field key is checked against (a patch
// is checked against what it patches), and whether t has that field.
func (w walker) fieldType(t reflect.Type, key string) (reflect.Type, bool) {
	ft, _, ok := w.field(t, key)
	return ft, ok
}

// field is fieldType with the field's index (through embedded structs).
func (w walker) field(t reflect.Type, key string) (reflect.Type, []int, bool) {
	f, ok := w.structFields(t)[key]
	ft := f.typ
	if ok && (ft == patchType || ft == patchPtrType || ft == patchMapType) {
		if pt, ok := patchTarget(t, key); ok {
			ft = pt
		}
	}
	return ft, f.index, ok
}

// childPath is the String of the path of a child of the path printed as parent ("" for
// none) named name, as field.Path prints it.
func childPath(parent, name string) string {
	switch {
	case name == "":
		return parent + "[]"
	case parent == "":
		return name
	}
	return parent + "." + name
}

// keys remembers the keys of one mapping to find duplicates: a short list, a set once
// the mapping is big.
type keys struct {
	few  [16]string
	n    int
	many map[string]bool
}

// add records k and reports whether it was there already.
func (s *keys) add(k string) bool {
	if s.many != nil {
		if s.many[k] {
			return true
		}
		s.many[k] = true
		return false
	}
	for _, x := range s.few[:s.n] {
		if x == k {
			return true
		}
	}
	if s.n < len(s.few) {
		s.few[s.n] = k
		s.n++
		return false
	}
	s.many = make(map[string]bool, 2*len(s.few))
	for _, x := range s.few {
		s.many[x] = true
	}
	s.many[k] = true
	return false
}

// maxNodes bounds the nodes a spec may expand to; real specs have a few thousand.
const maxNodes = 1_000_000

// walk checks n against t; it returns false when n cannot be decoded into t, so the
// caller drops it and decoding goes on to find the remaining problems.
// ps is n's field path as field.Path prints it ("" for the document), built along the
// way: a field.Path is made only for a problem.
func (w walker) walk(n *yaml.Node, t reflect.Type, ps string, depth int) bool {
	if *w.nodes++; *w.nodes == maxNodes {
		*w.errs = append(*w.errs, fieldError(field.ErrorTypeInvalid, ps, "...", fmt.Sprintf("spec expands to more than %d nodes (YAML aliases?)", maxNodes)))
	}
	if *w.nodes >= maxNodes {
		return false
	}
	if depth > maxDepth {
		*w.errs = append(*w.errs, fieldError(field.ErrorTypeInvalid, ps, "...", "nested too deeply"))
		return false
	}
	if n = aliased(n); n == nil {
		return false
	}
	if ps != "" {
		w.pos[ps] = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return true // an empty value means "not set"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if !w.expect(n, yaml.MappingNode, ps, "an object") {
			return false
		}
		var seen keys
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			cs := childPath(ps, k.Value)
			if seen.add(k.Value) {
				w.pos[cs] = k.Line
				*w.errs = append(*w.errs, fieldError(field.ErrorTypeDuplicate, cs, k.Value, ""))
				w.drop()
				continue
			}
			ft, ok := w.fieldType(t, k.Value)
			if !ok {
				w.pos[cs] = k.Line
				*w.errs = append(*w.errs, fieldError(field.ErrorTypeForbidden, cs, "", unknownFieldMessage(k.Value, w.structFields(t))))
				w.drop()
				continue
			}
			if !w.walk(v, ft, cs, depth+1) {
				w.drop()
			} else if !w.readOnly {
				kept = append(kept, k, v)
			}
		}
		if !w.readOnly {
			n.Content = kept
		}
	case reflect.Map:
		if !w.expect(n, yaml.MappingNode, ps, "a map") {
			return false
		}
		var seen keys
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			cs := ps + "[" + k.Value + "]"
			w.pos[cs] = k.Line
			if seen.add(k.Value) {
				*w.errs = append(*w.errs, fieldError(field.ErrorTypeDuplicate, cs, k.Value, ""))
				w.drop()
				continue
			}
			if !w.walk(v, t.Elem(), cs, depth+1) {
				w.drop()
			} else if !w.readOnly {
				kept = append(kept, k, v)
			}
		}
		if !w.readOnly {
			n.Content = kept
		}
	case reflect.Slice:
		if !w.expect(n, yaml.SequenceNode, ps, "a list") {
			return false
		}
		for i, item := range n.Content {
			if !w.walk(item, t.Elem(), ps+"["+strconv.Itoa(i)+"]", depth+1) && w.drop() {
				n.Content[i] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
			}
		}
	case reflect.String:
		if !w.expect(n, yaml.ScalarNode, ps, "a string") {
			return false
		}
		if n.Tag != "!!str" {
			*w.errs = append(*w.errs, fieldError(field.ErrorTypeInvalid, ps, n.Value, fmt.Sprintf("must be a string; quote it (\"%s\")", n.Value)))
			return false
		}
	case reflect.Int32, reflect.Int64, reflect.Int:
		if !w.expect(n, yaml.ScalarNode, ps, "an integer") {
			return false
		}
		if n.Tag != "!!int" {
			*w.errs = append(*w.errs, fieldError(field.ErrorTypeInvalid, ps, n.Value, "must be an integer"))
			return false
		}
		return w.checkIntRange(n, t, ps)
	case reflect.Bool:
		if !w.expect(n, yaml.ScalarNode, ps, "true or false") {
			return false
		}
		if n.Tag != "!!bool" {
			*w.errs = append(*w.errs, fieldError(field.ErrorTypeInvalid, ps, n.Value, "must be true or false"))
			return false
		}
	}
	return true
}

func (w walker) checkIntRange(n *yaml.Node, t reflect.Type, ps string) bool {
	v, ok := plainInt(n)
	var err error
	if !ok {
		err = n.Decode(&v)
	}
	if err != nil || (t.Kind() == reflect.Int32 && (v > 1<<31-1 || v < -1<<31)) {
		*w.errs = append(*w.errs, fieldError(field.ErrorTypeInvalid, ps, n.Value, "integer out of range"))
		return false
	}
	return true
}

func (w walker) expect(n *yaml.Node, kind yaml.Kind, ps string, what string) bool {
	if n.Kind == kind {
		return true
	}
	got := map[yaml.Kind]string{yaml.MappingNode: "an object", yaml.SequenceNode: "a list", yaml.ScalarNode: "a scalar"}[n.Kind]
	if n.Kind == yaml.ScalarNode {
		got = fmt.Sprintf("%q", n.Value)
	}
	if ps == "" {
		*w.errs = append(*w.errs, fieldError(field.ErrorTypeInvalid, "<document>", got, "must be "+what))
		return false
	}
	*w.errs = append(*w.errs, fieldError(field.ErrorTypeInvalid, ps, rawValue{got}, "must be "+what))
	return false
}

// fieldError is the field.Error field.Invalid, field.Duplicate or field.Forbidden
// would make for the path printed as ps ("" for the document, which a nil field.Path
// prints as "<nil>").
func fieldError(typ field.ErrorType, ps string, bad any, detail string) *field.Error {
	if ps == "" {
		ps = "<nil>"
	}
	return &field.Error{Type: typ, Field: ps, BadValue: bad, Detail: detail}
}

// rawValue prints as itself, without quotes, in messages.
type rawValue struct{ s string }

func (r rawValue) String() string { return r.s }

// jsonFields maps a struct's JSON field names to their types, following inline embeds.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fs := jsonFieldsOf(t, nil)
	out := make(map[string]reflect.Type, len(fs))
	for name, f := range fs {
		out[name] = f.typ
	}
	return out
}

// jsonField is a struct field as JSON names it: its type and its index (through
// embedded structs).
type jsonField struct {
	typ   reflect.Type
	index []int
}

// jsonFieldsOf is jsonFields with each field's index; parent is the index of the
// struct t is embedded in (nil at the top).
func jsonFieldsOf(t reflect.Type, parent []int) map[string]jsonField {
	out := map[string]jsonField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		index := append(append([]int(nil), parent...), i)
		if name == "" && f.Anonymous && f.Type.Kind() == reflect.Struct {
			maps.Copy(out, jsonFieldsOf(f.Type, index)) // embedded: its fields are the parent's
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = jsonField{f.Type, index}
	}
	return out
}

var suggestion = regexp.MustCompile(`^unknown field \(did you mean "([^"]+)"\?\)$`)

// unknownFieldMessage explains an unknown key and suggests the closest known one.
func unknownFieldMessage(key string, fields map[string]jsonField) string {
	best, bestDist := "", 1<<30
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		d := levenshtein.ComputeDistance(strings.ToLower(key), strings.ToLower(name))
		if d < bestDist {
			best, bestDist = name, d
		}
	}
	if best != "" && bestDist <= max(2, len(key)/3) {
		return fmt.Sprintf("unknown field (did you mean %q?)", best)
	}
	return "unknown field (known: " + strings.Join(names, ", ") + ")"
}

// yamlErrorLine extracts "line N" from a YAML parser error, or 0.
func yamlErrorLine(err error) int {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i:], "line %d", &line)
	}
	return line
}

// deepCopy copies a YAML node tree, keeping aliases pointing into the copy.
func deepCopy(n *yaml.Node) *yaml.Node {
	seen := map[*yaml.Node]*yaml.Node{}
	var cp func(*yaml.Node) *yaml.Node
	cp = func(n *yaml.Node) *yaml.Node {
		if n == nil {
			return nil
		}
		if c, ok := seen[n]; ok {
			return c
		}
		c := *n
		seen[n] = &c
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, child := range n.Content {
			c.Content[i] = cp(child)
		}
		c.Alias = cp(n.Alias)
		return &c
	}
	return cp(n)
}
