package argocd_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/krm-gen/krm-gen/internal/manifest"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
)

// argoCDModule holds Argo CD's published CRDs (manifests/crds); read from the module cache.
const argoCDModule = "github.com/argoproj/argo-cd/v2@v2.14.21"

// TestObjectsMatchArgoCDCRDs checks every rendered Application and AppProject
// against the openAPIV3Schema of Argo CD's CRDs: no unknown field, right types,
// required fields present. (The e2e test applies them to a real apiserver.)
func TestObjectsMatchArgoCDCRDs(t *testing.T) {
	out, err := exec.Command("go", "mod", "download", "-json", argoCDModule).Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v", argoCDModule, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go mod download: no Dir in %s", out)
	}
	schemas := map[string]map[string]any{}
	for kind, file := range map[string]string{"Application": "application-crd.yaml", "AppProject": "appproject-crd.yaml"} {
		data, err := os.ReadFile(filepath.Join(mod.Dir, "manifests/crds", file))
		if err != nil {
			t.Fatal(err)
		}
		var crd struct {
			Spec struct {
				Versions []struct {
					Name   string
					Schema struct {
						OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
					}
				}
			}
		}
		if err := yaml.Unmarshal(data, &crd); err != nil {
			t.Fatal(err)
		}
		schemas[kind] = crd.Spec.Versions[0].Schema.OpenAPIV3Schema
	}

	specs, _ := filepath.Glob("../../blueprints/*/platform.yaml")
	golden, _ := filepath.Glob("../../testdata/golden/*/platform.yaml")
	features, _ := filepath.Glob("../../testdata/features/*/platform.yaml")
	checked := 0
	for _, spec := range append(append(specs, golden...), features...) {
		data, _ := os.ReadFile(spec)
		res := pipeline.Load(data, spec)
		if !res.Valid() {
			t.Fatalf("%s: %v", spec, res.Diagnostics)
		}
		outs, err := pipeline.Render(res.Trees)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outs {
			for _, r := range o.Tree.Resources {
				n, err := manifest.Encode(r.Object)
				if err != nil {
					t.Fatal(err)
				}
				var obj map[string]any
				if err := n.Decode(&obj); err != nil {
					t.Fatal(err)
				}
				s, ok := schemas[fmt.Sprint(obj["kind"])]
				if !ok || obj["apiVersion"] != "argoproj.io/v1alpha1" {
					continue
				}
				checked++
				for _, problem := range check(obj, s, "") {
					t.Errorf("%s %s (%s): %s", obj["kind"], r.Path, spec, problem)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no Argo CD objects checked")
	}
}

// check walks v against a structural OpenAPI v3 schema.
func check(v any, s map[string]any, path string) []string {
	var out []string
	typ, _ := s["type"].(string)
	switch val := v.(type) {
	case map[string]any:
		if typ != "" && typ != "object" {
			return []string{fmt.Sprintf("%s: is an object, schema says %s", path, typ)}
		}
		props, _ := s["properties"].(map[string]any)
		addl, _ := s["additionalProperties"].(map[string]any)
		preserve, _ := s["x-kubernetes-preserve-unknown-fields"].(bool)
		keys := make([]string, 0, len(val))
		for k := range val {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch p, ok := props[k].(map[string]any); {
			case ok:
				out = append(out, check(val[k], p, path+"."+k)...)
			case addl != nil:
				out = append(out, check(val[k], addl, path+"."+k)...)
			case !preserve && path != ".metadata" && !(path == "" && k == "metadata"):
				out = append(out, fmt.Sprintf("%s.%s: unknown field", path, k))
			}
		}
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := val[r.(string)]; !ok {
					out = append(out, fmt.Sprintf("%s.%s: required", path, r))
				}
			}
		}
	case []any:
		if typ != "array" {
			return []string{fmt.Sprintf("%s: is a list, schema says %s", path, typ)}
		}
		items, _ := s["items"].(map[string]any)
		for i, it := range val {
			out = append(out, check(it, items, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case string:
		if typ != "string" && s["x-kubernetes-int-or-string"] != true {
			out = append(out, fmt.Sprintf("%s: is a string, schema says %s", path, typ))
		}
	case bool:
		if typ != "boolean" {
			out = append(out, fmt.Sprintf("%s: is a boolean, schema says %s", path, typ))
		}
	case int, int64, float64, uint64:
		if typ != "integer" && typ != "number" && s["x-kubernetes-int-or-string"] != true {
			out = append(out, fmt.Sprintf("%s: is a number, schema says %s", path, typ))
		}
	}
	return out
}

func TestCheckFindsProblems(t *testing.T) {
	s := map[string]any{"type": "object", "required": []any{"project"}, "properties": map[string]any{
		"project": map[string]any{"type": "string"},
		"sync":    map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
	}}
	got := check(map[string]any{"projekt": "x", "sync": []any{true}}, s, ".spec")
	want := []string{".spec.projekt: unknown field", ".spec.sync[0]: is a boolean, schema says string", ".spec.project: required"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
