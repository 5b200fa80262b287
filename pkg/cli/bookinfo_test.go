package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff"

	"github.com/krm-gen/krm-gen/internal/modcache"
	"github.com/krm-gen/krm-gen/pkg/cli"
)

// bookinfoImport is how blueprints/bookinfo/platform.yaml was written: `krm-gen
// import` of Istio's Bookinfo (the restricted-ready manifests, the per-version
// Services, its Gateway API gateway and the reviews 90/10 split), run in the
// istio.io/istio module folder that e2e/go.mod pins.
var bookinfoImport = []string{
	"import", "--name", "bookinfo", "--namespace", "bookinfo", "--repo", "https://github.com/acme/bookinfo.git",
	"samples/bookinfo/platform/kube/bookinfo-psa.yaml",
	"samples/bookinfo/platform/kube/bookinfo-versions.yaml",
	"samples/bookinfo/gateway-api/bookinfo-gateway.yaml",
	"samples/bookinfo/gateway-api/route-reviews-90-10.yaml",
}

// TestBookinfoBlueprintIsItsImport: the bookinfo blueprint (whose tree `make e2e`
// syncs and checks) is what `krm-gen import` writes for Bookinfo today, with only the
// blueprint's exec function annotation added (asBlueprint), so the e2e run proves the
// import, not a hand-edited spec. -update rewrites it.
func TestBookinfoBlueprintIsItsImport(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs go mod download")
	}
	blueprint, err := filepath.Abs("../../blueprints/bookinfo/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	istio, err := modcache.PinnedDir("../../e2e/go.mod", "istio.io/istio")
	if err != nil {
		t.Fatalf("Bookinfo from the module cache: %v", err)
	}
	out := filepath.Join(t.TempDir(), "platform.yaml")
	t.Chdir(istio)
	var stdout, stderr bytes.Buffer
	if code := cli.Run(append(bookinfoImport, "-o", out), strings.NewReader(""), &stdout, &stderr); code != cli.ExitOK {
		t.Fatalf("krm-gen %s: exit %d\n%s", strings.Join(bookinfoImport, " "), code, stderr.String())
	}
	// Every Deployment and Service of the input is carried over: what import loses of
	// Bookinfo are fields (its app and version labels, names of volumes), no object.
	if strings.Contains(stderr.String(), ": not carried over") {
		t.Errorf("import drops whole objects of Bookinfo:\n%s", stderr.String())
	}
	imported, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := asBlueprint(imported)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(blueprint, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(blueprint)
	if err != nil {
		t.Fatalf("%v (run `make update-golden`)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("blueprints/bookinfo/platform.yaml is not what import writes (run `make update-golden`, read the diff, then `make render`):\n%s",
			udiff.Unified("blueprint", "imported", string(want), string(got)))
	}
}

// execFunction is what a blueprint adds to its spec's metadata: the annotation that
// makes kustomize run krm-gen as an exec generator (blueprints/*/kustomization.yaml).
const execFunction = `  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ../../hack/krm-gen
`

// asBlueprint is an imported spec as a blueprint: the schema modeline on top and the
// exec function annotation; nothing else changes.
func asBlueprint(imported []byte) ([]byte, error) {
	const name = "metadata:\n  name: bookinfo\n"
	i := bytes.Index(imported, []byte(name))
	if i < 0 {
		return nil, fmt.Errorf("the imported spec has no %q", name)
	}
	var b bytes.Buffer
	b.WriteString("# yaml-language-server: $schema=../../schema/platform.schema.json\n")
	b.Write(imported[:i+len(name)])
	b.WriteString(execFunction)
	b.Write(imported[i+len(name):])
	return b.Bytes(), nil
}
