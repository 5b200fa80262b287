package pipeline_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aymanbagabas/go-udiff"
	"sigs.k8s.io/yaml"
)

// TestRenderedYAMLReadsBackAsRendered reads every rendered document back the way
// kubectl and Argo CD do (sigs.k8s.io/yaml, YAML 1.1 rules: "on", "y", "NO" are
// booleans unless quoted) into a new object of the rendered object's Go type: it must
// equal the object that was rendered (status, which is never written, aside). So the
// encoder leaves out nothing but zero values, and the emitter's quoting is safe.
func TestRenderedYAMLReadsBackAsRendered(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			outs, files := renderSpec(t, readSpec(t, c.spec), c.spec)
			for _, o := range outs {
				docs := map[string][]any{}
				for _, r := range o.Tree.Resources {
					docs[r.Path] = append(docs[r.Path], r.Object)
				}
				for p, objs := range docs {
					full := p
					if o.Dir != "" {
						full = o.Dir + "/" + p
					}
					parts := bytes.Split(files[full], []byte("\n---\n"))
					if len(parts) != len(objs) {
						t.Fatalf("%s: %d documents, want %d", full, len(parts), len(objs))
					}
					for i, part := range parts {
						if i < len(parts)-1 {
							part = append(part, '\n') // the separator's newline ends this document
						}
						want := objs[i]
						got := reflect.New(reflect.TypeOf(want).Elem()).Interface()
						if err := yaml.UnmarshalStrict(part, got); err != nil {
							t.Fatalf("%s[%d]: %v", full, i, err)
						}
						if g, w := js(t, got), js(t, want); g != w {
							t.Errorf("%s[%d] reads back differently:\n%s", full, i, udiff.Unified("rendered", "read back", w, g))
						}
					}
				}
			}
		})
	}
}

// js is the object's JSON without its status.
func js(t *testing.T, obj any) string {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "status")
	out, _ := json.MarshalIndent(m, "", " ")
	return string(out) + "\n"
}
