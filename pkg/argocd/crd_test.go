package argocd_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/krm-gen/krm-gen/internal/crdschema"
	"github.com/krm-gen/krm-gen/internal/modcache"
	"github.com/krm-gen/krm-gen/internal/rendered"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
)

// argoCDModule holds Argo CD's published CRDs (manifests/crds); read from the module cache.
const argoCDModule = "github.com/argoproj/argo-cd/v2@v2.14.21"

// TestObjectsMatchArgoCDCRDs checks every rendered Application, AppProject and ApplicationSet
// against the openAPIV3Schema of Argo CD's CRDs: no unknown field, right types,
// required fields present. (The e2e test applies them to a real apiserver.)
func TestObjectsMatchArgoCDCRDs(t *testing.T) {
	dir, err := modcache.Dir(argoCDModule)
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := crdschema.LoadDir(filepath.Join(dir, "manifests", "crds"))
	if err != nil {
		t.Fatal(err)
	}

	specs, _ := filepath.Glob("../../blueprints/*/platform.yaml")
	golden, _ := filepath.Glob("../../testdata/golden/*/platform.yaml")
	features, _ := filepath.Glob("../../testdata/features/*/platform.yaml")
	checked := 0
	kinds := map[string]int{}
	for _, spec := range append(append(specs, golden...), features...) {
		data, _ := os.ReadFile(spec)
		res := pipeline.Load(data, spec)
		if !res.Valid() {
			t.Fatalf("%s: %v", spec, res.Diagnostics)
		}
		for _, r := range rendered.Objects(t, res) {
			obj := r.Fields
			if obj["apiVersion"] != "argoproj.io/v1alpha1" {
				continue
			}
			ok, problems := schemas.Validate(obj)
			if !ok {
				t.Errorf("%s %s (%s): no CRD in %s", obj["kind"], r.Path, spec, argoCDModule)
				continue
			}
			checked++
			kinds[obj["kind"].(string)]++
			for _, problem := range problems {
				t.Errorf("%s %s (%s): %s", obj["kind"], r.Path, spec, problem)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no Argo CD objects checked")
	}
	for _, k := range []string{"Application", "AppProject", "ApplicationSet"} { // ApplicationSet: bootstrap/fleet.yaml
		if kinds[k] == 0 {
			t.Errorf("no %s checked", k)
		}
	}
}
