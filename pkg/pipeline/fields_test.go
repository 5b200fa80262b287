package pipeline_test

import (
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/pkg/pipeline"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// A spec field that compiles but changes nothing (a field the model forgot to carry)
// is the bug these tests are for.

// validSpecs are the specs these tests mutate: blueprints, golden and feature cases.
func validSpecs(t *testing.T) []string {
	var out []string
	for _, p := range []string{"../../blueprints/*/platform.yaml", "../../testdata/golden/*/platform.yaml", "../../testdata/features/*/platform.yaml"} {
		m, _ := filepath.Glob(p)
		out = append(out, m...)
	}
	if len(out) < 10 {
		t.Fatalf("only %d specs", len(out))
	}
	return out
}

// outcome is everything a run of a spec shows: its files and its diagnostics.
func outcome(t *testing.T, data []byte) string {
	t.Helper()
	res := pipeline.Load(data, "spec.yaml")
	var b strings.Builder
	for _, d := range res.Diagnostics {
		b.WriteString(d.String() + "\n")
	}
	if !res.Valid() {
		return b.String()
	}
	outs, err := pipeline.Render(res.Trees)
	if err != nil {
		t.Fatal(err)
	}
	files, err := pipeline.Files(outs)
	if err != nil {
		t.Fatal(err)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		b.WriteString("== " + p + "\n")
		b.Write(files[p])
	}
	return b.String()
}

// TestEverySpecFieldChangesTheOutcome changes every scalar (and map key) of every valid
// spec, one at a time: the rendered files or the diagnostics must change. Strings get
// a suffix, integers +1, booleans flip.
func TestEverySpecFieldChangesTheOutcome(t *testing.T) {
	for _, file := range validSpecs(t) {
		t.Run(strings.TrimPrefix(file, "../../"), func(t *testing.T) {
			doc, err := yaml.Parse(string(readSpec(t, file)))
			if err != nil {
				t.Fatal(err)
			}
			marshal := func() []byte {
				s, err := doc.String()
				if err != nil {
					t.Fatal(err)
				}
				return []byte(s)
			}
			base := outcome(t, marshal())
			walkLeaves(doc.YNode(), "", func(path string, n *yaml.Node) {
				if krmMetadata(path) {
					return
				}
				old, oldTag := n.Value, n.Tag
				switch n.Tag {
				case "!!int":
					i, _ := strconv.Atoi(n.Value)
					n.Value = strconv.Itoa(i + 1)
				case "!!bool":
					n.Value = strconv.FormatBool(n.Value != "true")
				default:
					n.Value += "x"
					n.Tag = "!!str"
				}
				if outcome(t, marshal()) == base {
					t.Errorf("%s: changing %q to %q changes neither the rendered files nor the diagnostics", path, old, n.Value)
				}
				n.Value, n.Tag = old, oldTag
			})
		})
	}
}

// krmMetadata: metadata fields every KRM object may carry (kustomize sets labels and
// the function config annotation on it); krm-gen accepts them and renders nothing
// from them. metadata.name is the platform's name and is checked like any field.
func krmMetadata(path string) bool {
	for _, p := range []string{"metadata.namespace", "metadata.labels", "metadata.annotations"} {
		if path == p || strings.HasPrefix(path, p+".") {
			return true
		}
	}
	return false
}

// walkLeaves calls fn for every scalar value and every map key under n.
func walkLeaves(n *yaml.Node, path string, fn func(string, *yaml.Node)) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walkLeaves(c, path, fn)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := strings.TrimPrefix(path+"."+k.Value, ".")
			if isMapField(path) {
				fn(p+"(key)", k)
			}
			walkLeaves(v, p, fn)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walkLeaves(c, path+"["+strconv.Itoa(i)+"]", fn)
		}
	case yaml.ScalarNode:
		fn(path, n)
	}
}

// isMapField: the mapping at path is a Go map (labels, nodePools, ...), whose keys are data.
func isMapField(path string) bool {
	t := typeAt(reflect.TypeFor[schema.Platform](), path)
	return t != nil && t.Kind() == reflect.Map
}

// typeAt is the Go type of the spec at a field path ("spec.nodePools.system.labels").
func typeAt(t reflect.Type, path string) reflect.Type {
	if path == "" {
		return t
	}
	for _, part := range strings.Split(path, ".") {
		name, _, _ := strings.Cut(part, "[")
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem()
		case reflect.Struct:
			f, ok := jsonField(t, name)
			if !ok {
				return nil
			}
			t = f
		default:
			return nil
		}
		for strings.Contains(part, "[") && (t.Kind() == reflect.Slice) {
			t = t.Elem()
			part = part[strings.Index(part, "]")+1:]
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func jsonField(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "" && f.Anonymous {
			if ft, ok := jsonField(f.Type, name); ok {
				return ft, true
			}
			continue
		}
		if tag == name {
			return f.Type, true
		}
	}
	return nil, false
}

// specFields lists every field of the spec's Go types as Type.field ("App.nodePool"):
// a field is exercised wherever its type appears (Probe under probe or probes.startup).
func specFields(t reflect.Type, seen map[reflect.Type]bool, out *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" && f.Anonymous {
			continue // its fields are listed under its own type
		}
		if name == "" || name == "-" {
			continue
		}
		*out = append(*out, t.Name()+"."+name)
		specFields(f.Type, seen, out)
	}
	for i := range t.NumField() {
		if f := t.Field(i); f.Anonymous {
			specFields(f.Type, seen, out)
		}
	}
}

// TestEverySpecFieldIsExercised: every field of the spec's types appears in a valid
// spec (so the test above changes it) or in an invalid case (whose errors are checked).
func TestEverySpecFieldIsExercised(t *testing.T) {
	var fields []string
	specFields(reflect.TypeFor[schema.Platform](), map[reflect.Type]bool{}, &fields)
	invalid, _ := filepath.Glob("../../testdata/invalid/*.yaml")
	used := map[string]bool{}
	for _, file := range append(validSpecs(t), invalid...) {
		var n yaml.Node
		if err := yaml.Unmarshal(readSpec(t, file), &n); err != nil {
			continue
		}
		collectPaths(&n, "", reflect.TypeFor[schema.Platform](), used)
	}
	for _, f := range fields {
		if !used[f] && !slices.Contains([]string{"Metadata.namespace", "Metadata.labels", "Metadata.annotations"}, f) { // see krmMetadata
			t.Errorf("spec field %s appears in no blueprint, golden, feature or invalid case", f)
		}
	}
}

// collectPaths records the Type.field of every key under n.
func collectPaths(n *yaml.Node, prefix string, t reflect.Type, used map[string]bool) {
	for t != nil && (t.Kind() == reflect.Pointer) {
		t = t.Elem()
	}
	if t == nil {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			collectPaths(c, prefix, t, used)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch t.Kind() {
			case reflect.Map:
				collectPaths(v, prefix, t.Elem(), used)
			case reflect.Struct:
				ft, owner, ok := jsonFieldOwner(t, k.Value)
				if !ok {
					continue
				}
				used[owner.Name()+"."+k.Value] = true
				collectPaths(v, prefix, ft, used)
			}
		}
	case yaml.SequenceNode:
		if t.Kind() == reflect.Slice {
			for _, c := range n.Content {
				collectPaths(c, prefix, t.Elem(), used)
			}
		}
	}
}

// jsonFieldOwner is jsonField, also naming the struct (maybe an embedded one) that declares it.
func jsonFieldOwner(t reflect.Type, name string) (reflect.Type, reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "" && f.Anonymous {
			if ft, owner, ok := jsonFieldOwner(f.Type, name); ok {
				return ft, owner, true
			}
			continue
		}
		if tag == name {
			return f.Type, t, true
		}
	}
	return nil, nil, false
}
