package render_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/internal/crdschema"
	"github.com/krm-gen/krm-gen/internal/modcache"
	renderedobj "github.com/krm-gen/krm-gen/internal/rendered"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
)

// gatewayAPIReleases are the Gateway API releases a spec may pin whose standard
// channel this test checks krm-gen's output against (one per minor from v1.2, the oldest krm-gen takes).
var gatewayAPIReleases = []string{"v1.2.1", "v1.3.0", "v1.4.1", "v1.5.1", "v1.6.3"}

// standardCRDs loads config/crd/standard of a Gateway API release from the module cache.
func standardCRDs(t *testing.T, version string) crdschema.Schemas {
	t.Helper()
	dir, err := modcache.Dir("sigs.k8s.io/gateway-api@" + version)
	if err != nil {
		t.Fatal(err)
	}
	s, err := crdschema.LoadDir(filepath.Join(dir, "config", "crd", "standard"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGatewayAPIObjectsAreInTheStandardChannel renders every valid spec at every
// Gateway API release: whenever krm-gen accepts a spec at a release, every Gateway,
// HTTPRoute, GRPCRoute and ReferenceGrant it renders must validate against that
// release's standard-channel CRDs (so a field is used only from the release that
// serves it, and version gates like timeouts from v1.2 are right).
func TestGatewayAPIObjectsAreInTheStandardChannel(t *testing.T) {
	var specs []string
	for _, p := range []string{"../../blueprints/*/platform.yaml", "../../testdata/golden/*/platform.yaml", "../../testdata/features/*/platform.yaml"} {
		m, _ := filepath.Glob(p)
		specs = append(specs, m...)
	}
	checked := map[string]int{}
	for _, version := range gatewayAPIReleases {
		crds := standardCRDs(t, version)
		t.Run(version, func(t *testing.T) {
			for _, file := range specs {
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				doc, err := yaml.Parse(string(data))
				if err != nil {
					t.Fatal(err)
				}
				if err := doc.PipeE(yaml.LookupCreate(yaml.MappingNode, "spec", "versions"), yaml.SetField("gatewayAPI", yaml.NewStringRNode(version))); err != nil {
					t.Fatal(err)
				}
				s, _ := doc.String()
				res := pipeline.Load([]byte(s), file)
				if !res.Valid() {
					continue // refused at this release: what the gates are for
				}
				for _, r := range renderedobj.Objects(t, res) {
					obj := r.Fields
					if !strings.HasPrefix(obj["apiVersion"].(string), "gateway.networking.k8s.io/") {
						continue
					}
					ok, problems := crds.Validate(obj)
					if !ok {
						t.Errorf("%s %s: %s %s is not served by Gateway API %s's standard channel", file, r.Path, obj["apiVersion"], obj["kind"], version)
						continue
					}
					checked[version]++
					for _, p := range problems {
						t.Errorf("%s %s: %s: %s", file, r.Path, obj["kind"], p)
					}
				}
			}
		})
	}
	for _, v := range gatewayAPIReleases {
		if checked[v] == 0 {
			t.Errorf("no object checked at %s", v)
		}
	}
}
