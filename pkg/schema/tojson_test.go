package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestJSONMatchesGenericDecode checks that the JSON written straight from the checked
// nodes decodes to the same Platform as the JSON of yaml.v3's generic decode, for every
// spec in the repository and for YAML forms the direct path leaves to the generic one.
func TestJSONMatchesGenericDecode(t *testing.T) {
	specs := decodeCases(t)
	direct := 0
	for name, b := range specs {
		var doc yaml.Node
		if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
			continue
		}
		root := doc.Content[0]
		var errs field.ErrorList
		w := newWalker(Positions{}, &errs)
		if !w.walk(root, reflect.TypeFor[Platform](), "", 0) {
			continue
		}
		got, ok := w.json(nil, root, reflect.TypeFor[Platform](), 0)
		want, d := genericJSON(root, name)
		if !ok {
			continue // the caller takes the generic path
		}
		direct++
		if d != nil {
			t.Errorf("%s: direct JSON written, generic decode fails: %s", name, d.Message)
			continue
		}
		var pg, pw Platform
		errG, errW := json.Unmarshal(got, &pg), json.Unmarshal(want, &pw)
		if (errG == nil) != (errW == nil) || (errG != nil && errG.Error() != errW.Error()) {
			t.Errorf("%s: unmarshal errors differ: %v vs %v", name, errG, errW)
		}
		if !reflect.DeepEqual(pg, pw) {
			t.Errorf("%s: decoded specs differ:\ndirect  %s\ngeneric %s", name, got, want)
		}
		if name == "merge" || name == "keys" {
			t.Errorf("%s: want the generic path", name)
		}
	}
	if direct < len(specs)/2 {
		t.Errorf("direct path taken for %d of %d specs", direct, len(specs))
	}
}

// TestPositionsMatchFieldPaths checks the path strings the walker builds against
// field.Path's own.
func TestPositionsMatchFieldPaths(t *testing.T) {
	root := field.NewPath("spec")
	for _, c := range []struct {
		p    *field.Path
		want string
	}{
		{root.Child("apps").Index(3).Child("name"), childPath(childPath("spec", "apps")+"[3]", "name")},
		{root.Child("nodePools").Key("a.b").Child(""), childPath(childPath("spec", "nodePools")+"[a.b]", "")},
		{field.NewPath(""), childPath("", "")},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("field.Path %q, walker %q", got, c.want)
		}
	}
	if strings.Contains(childPath("a", "b"), "[") {
		t.Error("childPath")
	}
}

// TestDecodeNodeMatchesDecode checks that DecodeNode, which decodes a valid spec from
// the caller's node without copying it, gives what Decode gives and leaves the node
// as it was, for valid and invalid specs.
func TestDecodeNodeMatchesDecode(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/*/*/*.yaml")
	blueprints, _ := filepath.Glob("../../blueprints/*/*.yaml")
	invalidSpecs, _ := filepath.Glob("../../testdata/invalid/*.yaml")
	valid, invalid := 0, 0
	for _, f := range append(append(files, blueprints...), invalidSpecs...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("kind: Platform")) {
			continue
		}
		var doc yaml.Node
		if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
			continue
		}
		before := deepCopy(&doc)
		p1, pos1, d1 := Decode(b, f)
		if len(d1) == 1 && strings.HasPrefix(d1[0].Message, "expected one Platform document") {
			continue
		}
		p2, pos2, d2 := DecodeNode(&doc, f)
		if !reflect.DeepEqual(p1, p2) || !reflect.DeepEqual(pos1, pos2) || !reflect.DeepEqual(d1, d2) {
			t.Errorf("%s: DecodeNode differs from Decode", f)
		}
		if !reflect.DeepEqual(before, deepCopy(&doc)) {
			t.Errorf("%s: DecodeNode changed the caller's node", f)
		}
		if len(d1) == 0 {
			valid++
		} else {
			invalid++
		}
	}
	if valid < 10 || invalid < 5 {
		t.Errorf("%d valid and %d invalid specs", valid, invalid)
	}
}

// decodeCases are the specs the decode tests run on: YAML forms the direct paths
// leave to the generic one, and every spec in the repository.
func decodeCases(t testing.TB) map[string][]byte {
	t.Helper()
	specs := map[string][]byte{
		"forms": []byte(`apiVersion: krm-gen.dev/v1alpha1
kind: Platform
metadata: {name: "x\ty \"q\" \\ \u00e9 \U0001F600 <&>"}
spec:
  provider: eks
  nodePools:
    a: &pool {labels: {k: v, "": empty}, size: {min: 0x1, max: 0o17, desired: 1_0}}
    b: *pool
    c: {size: {min: -0, max: +3, desired: 012}}
  apps:
  - name: a
    namespace: n
    replicas: !!int "3"
    helm: {repoURL: r, chart: c, version: "1", values: {f: 1.5, e: 1e3, big: 123456789012345678901, t: 2001-12-14, b: yes, n: ~, l: [1, "2", {x: .inf}]}}
  - ~
`),
		"merge": []byte(`apiVersion: krm-gen.dev/v1alpha1
kind: Platform
metadata: {name: x}
spec:
  nodePools:
    <<: {}
    a: {labels: {k: v}}
`),
		"keys": []byte(`apiVersion: krm-gen.dev/v1alpha1
kind: Platform
metadata: {name: x, labels: {1: a, true: b}}
`),
	}
	files, err := filepath.Glob("../../testdata/*/*/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../../testdata/*/*.yaml")
	blueprints, _ := filepath.Glob("../../blueprints/*/*.yaml")
	for _, f := range append(append(files, more...), blueprints...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("kind: Platform")) {
			specs[f] = b
		}
	}
	if len(specs) < 50 {
		t.Fatalf("found %d specs", len(specs))
	}
	return specs
}
