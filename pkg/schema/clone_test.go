package schema

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestCloneMatchesDeepCopy checks Clone against DeepCopy (a JSON round trip) on every
// spec of the repository, as decoded and after defaulting, and on values JSON
// changes: empty lists and maps, null patches, invalid UTF-8, free-form values.
func TestCloneMatchesDeepCopy(t *testing.T) {
	var specs []*Platform
	files, _ := filepath.Glob("../../testdata/*/*/*.yaml")
	more, _ := filepath.Glob("../../blueprints/*/*.yaml")
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if p, _, _ := Decode(b, f); p != nil {
			specs = append(specs, p)
			d := p.DeepCopy()
			d.Default()
			specs = append(specs, d)
		}
	}
	if len(specs) < 50 {
		t.Fatalf("found %d specs", len(specs))
	}
	p, _, diags := Decode([]byte(`apiVersion: krm-gen.dev/v1alpha1
kind: Platform
metadata: {name: x, labels: {}}
spec:
  nodePools: {}
  apps:
  - name: a
    namespace: n
    podSelector: {}
    kinds: []
    helm: {repoURL: r, chart: c, version: "1", values: {a: [], b: {}, c: null, d: 1.5, e: [1, {f: x}]}}
  environments:
    dev:
      git: null
      apps: {a: null, b: {replicas: 2}}
`), "x.yaml")
	if p == nil {
		t.Fatal(diags)
	}
	p.Metadata.Name = "bad\xffutf8"
	p.Spec.Apps[0].Helm.Values["g"] = 3 // an int, as code (not JSON) might set
	specs = append(specs, p)
	for i, p := range specs {
		if got, want := Clone(p), p.DeepCopy(); !reflect.DeepEqual(got, want) {
			t.Errorf("spec %d (%s): Clone differs from DeepCopy:\n%#v\n%#v", i, p.Metadata.Name, got.Spec, want.Spec)
		}
	}
}

// BenchmarkClone compares Clone with DeepCopy on a spec of 500 apps.
func BenchmarkClone(b *testing.B) {
	data, err := os.ReadFile("../../blueprints/eks/platform.yaml")
	if err != nil {
		b.Skip(err)
	}
	p, _, _ := Decode(data, "p.yaml")
	for i := range 500 {
		a := p.Spec.Apps[0]
		a.Name = a.Name + string(rune('a'+i%26))
		p.Spec.Apps = append(p.Spec.Apps, a)
	}
	b.Run("Clone", func(b *testing.B) {
		for b.Loop() {
			Clone(p)
		}
	})
	b.Run("DeepCopy", func(b *testing.B) {
		for b.Loop() {
			p.DeepCopy()
		}
	})
}
