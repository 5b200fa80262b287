// Package importer reads Kubernetes manifests a team already has (a Gateway, routes,
// Deployments, Services, Argo CD Applications, or a tree krm-gen rendered) and builds
// the Platform spec that renders them, with a report of what the spec cannot express
// and of what the rendered platform will do differently.
package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// maxInputBytes bounds one input file (or stdin); real manifests are far smaller.
const maxInputBytes = 64 << 20

// Object is one Kubernetes object of the input, with where it was read.
type Object struct {
	File       string
	Line       int // line of the document's first key
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	Node       *yaml.Node     // the document's mapping node, for field lines
	Raw        map[string]any // the document as JSON values
	used       bool           // the spec carries it
	renamed    string         // what it is rendered as, when not under its own name
}

// Ref is the object's identity as the report prints it: Kind namespace/name.
func (o *Object) Ref() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// Group is the API group of the object's apiVersion ("" for core).
func (o *Object) Group() string {
	g, _, ok := strings.Cut(o.APIVersion, "/")
	if !ok {
		return ""
	}
	return g
}

// decodeInto decodes the object into a typed struct.
func (o *Object) decodeInto(v any) error {
	b, err := json.Marshal(o.Raw)
	if err != nil {
		return fmt.Errorf("%s:%d: %s: %w", o.File, o.Line, o.Ref(), err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s:%d: %s: %w", o.File, o.Line, o.Ref(), err)
	}
	return nil
}

// Problem is an input error with its place.
type Problem struct {
	File    string
	Line    int
	Message string
}

func (p Problem) String() string {
	switch {
	case p.File == "":
		return p.Message
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return p.File + ": " + p.Message
}

// ReadPaths reads every .yaml/.yml/.json file of the given files and folders ("-" is
// stdin), in path order.
func ReadPaths(paths []string, stdin io.Reader) ([]*Object, []Problem) {
	var objs []*Object
	var probs []Problem
	for _, p := range paths {
		if p == "-" {
			if stdin == nil {
				probs = append(probs, Problem{File: "<stdin>", Message: "no standard input"})
				continue
			}
			data, err := io.ReadAll(io.LimitReader(stdin, maxInputBytes+1))
			if err != nil {
				probs = append(probs, Problem{File: "<stdin>", Message: "reading: " + err.Error()})
				continue
			}
			o, pr := Parse(data, "<stdin>")
			objs, probs = append(objs, o...), append(probs, pr...)
			continue
		}
		files, err := manifestFiles(p)
		if err != nil {
			probs = append(probs, Problem{File: p, Message: err.Error()})
			continue
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				probs = append(probs, Problem{File: f, Message: "reading: " + errors.Unwrap(err).Error()})
				continue
			}
			parse := Parse
			if isTFVars(f) {
				parse = parseTFVars
			}
			o, pr := parse(data, f)
			objs, probs = append(objs, o...), append(probs, pr...)
		}
	}
	return objs, probs
}

// manifestFiles lists p itself, or the manifest files under folder p, sorted.
func manifestFiles(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var out []string
	err = filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if f != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(f)) {
		case ".yaml", ".yml":
			out = append(out, f)
		case ".json":
			if isTFVars(f) {
				out = append(out, f)
			}
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// Parse splits data into documents and returns its objects; `kind: List` documents
// give their items. Empty documents are skipped.
func Parse(data []byte, file string) ([]*Object, []Problem) {
	if len(data) > maxInputBytes {
		return nil, []Problem{{File: file, Message: fmt.Sprintf("%d bytes, more than the %d allowed", len(data), maxInputBytes)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var objs []*Object
	var probs []Problem
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			probs = append(probs, Problem{File: file, Line: errorLine(err), Message: "not YAML: " + err.Error()})
			break // the decoder cannot resynchronise after a syntax error
		}
		root := &doc
		if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
			root = root.Content[0]
		}
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue
		}
		o, pr := objectsOf(root, file, 0)
		objs, probs = append(objs, o...), append(probs, pr...)
	}
	return objs, probs
}

// objectsOf turns one document (or List item) into objects.
func objectsOf(n *yaml.Node, file string, depth int) ([]*Object, []Problem) {
	if n.Kind != yaml.MappingNode {
		return nil, []Problem{{File: file, Line: n.Line, Message: "not a Kubernetes object (expected a mapping with apiVersion and kind)"}}
	}
	if countNodes(n, 0) > maxNodes {
		return nil, []Problem{{File: file, Line: n.Line, Message: fmt.Sprintf("document expands to more than %d nodes (YAML aliases?)", maxNodes)}}
	}
	var raw any
	if err := n.Decode(&raw); err != nil {
		return nil, []Problem{{File: file, Line: n.Line, Message: "not YAML: " + err.Error()}}
	}
	m, ok := jsonValue(raw).(map[string]any)
	if !ok {
		return nil, []Problem{{File: file, Line: n.Line, Message: "not a Kubernetes object (expected a mapping with apiVersion and kind)"}}
	}
	o := &Object{File: file, Line: n.Line, Node: n, Raw: m}
	o.APIVersion, _ = m["apiVersion"].(string)
	o.Kind, _ = m["kind"].(string)
	if md, ok := m["metadata"].(map[string]any); ok {
		o.Name, _ = md["name"].(string)
		o.Namespace, _ = md["namespace"].(string)
	}
	if o.APIVersion == "" || o.Kind == "" {
		return nil, []Problem{{File: file, Line: n.Line, Message: "not a Kubernetes object: apiVersion and kind are required"}}
	}
	if strings.HasSuffix(o.Kind, "List") && o.APIVersion == "v1" && depth == 0 {
		items := child(n, "items")
		if items == nil || items.Kind != yaml.SequenceNode {
			return nil, nil
		}
		var objs []*Object
		var probs []Problem
		for _, it := range items.Content {
			ob, pr := objectsOf(it, file, depth+1)
			objs, probs = append(objs, ob...), append(probs, pr...)
		}
		return objs, probs
	}
	if o.Name == "" {
		return nil, []Problem{{File: file, Line: n.Line, Message: o.Kind + ": metadata.name is required"}}
	}
	return []*Object{o}, nil
}

// maxNodes bounds a document's nodes with aliases expanded.
const maxNodes = 1_000_000

func countNodes(n *yaml.Node, depth int) int {
	if n == nil || depth > 200 {
		return maxNodes + 1
	}
	if n.Kind == yaml.AliasNode {
		return countNodes(n.Alias, depth+1)
	}
	c := 1
	for _, k := range n.Content {
		c += countNodes(k, depth+1)
		if c > maxNodes {
			return c
		}
	}
	return c
}

// jsonValue converts YAML-decoded values to JSON ones (map keys as strings).
func jsonValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonValue(e)
		}
		return t
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[fmt.Sprint(k)] = jsonValue(e)
		}
		return out
	case []any:
		for i, e := range t {
			t[i] = jsonValue(e)
		}
		return t
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	}
	return v
}

// child is the value node of key in mapping n, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// errorLine extracts "line N" from a YAML parser error, or 0.
func errorLine(err error) int {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i:], "line %d", &line)
	}
	return line
}
