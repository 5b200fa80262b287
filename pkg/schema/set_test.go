package schema

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// decodedViaJSON is the checked tree root decoded the way set replaces: its JSON (or, where
// that is not written, yaml.v3's generic decode) through json.Unmarshal.
func decodedViaJSON(w walker, root *yaml.Node) (*Platform, bool) {
	raw, ok := w.json(nil, root, reflect.TypeFor[Platform](), 0)
	if !ok {
		var d *Diagnostic
		if raw, d = genericJSON(root, ""); d != nil {
			return nil, false
		}
	}
	var p Platform
	if json.Unmarshal(raw, &p) != nil {
		return nil, false
	}
	return &p, true
}

// checkSet decodes spec both ways after the walk; where set succeeds, the JSON way
// must succeed with the same Platform. It reports whether set decoded it.
func checkSet(t *testing.T, name string, spec []byte) bool {
	t.Helper()
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(spec)).Decode(&doc); err != nil || len(doc.Content) != 1 {
		return false
	}
	root := doc.Content[0]
	var errs field.ErrorList
	w := newWalker(Positions{}, &errs)
	if !w.walk(root, reflect.TypeFor[Platform](), "", 0) || *w.nodes >= maxNodes {
		return false
	}
	var got Platform
	if !w.set(reflect.ValueOf(&got).Elem(), root, reflect.TypeFor[Platform](), 0) {
		return false
	}
	want, ok := decodedViaJSON(w, root)
	if !ok {
		t.Fatalf("%s: set decodes what json.Unmarshal of its JSON refuses", name)
	}
	if !reflect.DeepEqual(&got, want) {
		g, _ := json.Marshal(&got)
		wj, _ := json.Marshal(want)
		t.Fatalf("%s: set and JSON decode differ:\nset  %s\njson %s", name, g, wj)
	}
	return true
}

// TestSetMatchesJSON: on every spec of the repository and the YAML forms of
// decodeCases, decoding straight from the nodes gives what JSON gave.
func TestSetMatchesJSON(t *testing.T) {
	specs := decodeCases(t)
	specs["patches and nulls"] = []byte(`apiVersion: krm-gen.dev/v1alpha1
kind: Platform
metadata: {name: x, labels: {a: ~, b: ""}}
spec:
  nodePools: {a: ~, b: {labels: {}}}
  apps:
  - ~
  - {name: a, env: [], replicas: 0}
  environments:
    dev:
      gateway: {replicas: 3, http: ~}
      apps: {a: {replicas: 1}, b: ~}
`)
	decoded := 0
	for name, b := range specs {
		if checkSet(t, name, b) {
			decoded++
		}
	}
	if decoded < len(specs)/2 {
		t.Fatalf("set decoded %d of %d specs", decoded, len(specs))
	}
}

// FuzzSet: whatever the walk lets through and set decodes, set decodes as JSON does.
func FuzzSet(f *testing.F) {
	for _, b := range decodeCases(f) {
		if len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, spec []byte) {
		checkSet(t, "fuzz", spec)
	})
}
