package importer_test

import (
	"os"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/importer"
)

// FuzzImport feeds arbitrary bytes through parse, import, spec writing and render:
// none may panic, and every problem must say where it is.
func FuzzImport(f *testing.F) {
	for _, seed := range []string{
		gatewayDoc,
		gatewayDoc + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: a}\nspec: {template: {spec: {containers: [{name: a, image: a, ports: [{containerPort: 80}]}]}}}\n",
		"apiVersion: v1\nkind: [\n",
		"a: &a [*a, *a]\n",
		"apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Service, metadata: {name: s}}]\n",
		"- 1\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	for _, file := range []string{"../../out/eks/gateway/gateway.yaml", "../../out/eks/routes/sample-apps.yaml", "../../testdata/import/multi-document/input/platform.yaml"} {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, probs := importer.Parse(data, "fuzz.yaml")
		for _, p := range probs {
			if p.File != "fuzz.yaml" {
				t.Fatalf("problem without its file: %s", p)
			}
		}
		if len(probs) > 0 {
			return
		}
		res := importer.Import(objs, importer.Options{Namespace: "fuzz"})
		if len(res.Problems) > 0 {
			return
		}
		spec, err := res.SpecYAML([]string{"fuzz.yaml"})
		if err != nil {
			return
		}
		if rendered, err := importer.RenderSpec(spec, "platform.yaml"); err == nil {
			res.Compare(objs, rendered)
			_ = res.Report()
		}
	})
}
