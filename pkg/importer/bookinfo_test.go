package importer_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/importer"
)

// istioModuleDir is the istio.io/istio module the e2e pins (e2e/go.mod), from the
// module cache (go mod download fetches it when the proxy is reachable).
func istioModuleDir(t *testing.T) string {
	t.Helper()
	gomod, err := os.ReadFile("../../e2e/go.mod")
	if err != nil {
		t.Skipf("no e2e/go.mod: %v", err)
	}
	m := regexp.MustCompile(`(?m)^\s*istio\.io/istio (v\S+)`).FindSubmatch(gomod)
	if m == nil {
		t.Skip("e2e/go.mod pins no istio.io/istio version")
	}
	out, err := exec.Command("go", "mod", "download", "-json", "istio.io/istio@"+string(m[1])).Output()
	if err != nil {
		t.Skipf("istio.io/istio@%s is not downloadable here (%v): Bookinfo import not tested", m[1], err)
	}
	var info struct{ Dir string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		t.Skipf("go mod download gave no Dir for istio.io/istio@%s", m[1])
	}
	return info.Dir
}

// TestImportBookinfo imports Istio's Bookinfo (the restricted-ready manifests, the
// per-version Services, its Gateway API gateway and the reviews 90/10 split) into a
// spec that validates and renders, with the routes on the apps.
func TestImportBookinfo(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs go mod download")
	}
	dir := filepath.Join(istioModuleDir(t), "samples", "bookinfo")
	paths := []string{
		filepath.Join(dir, "platform", "kube", "bookinfo-psa.yaml"),
		filepath.Join(dir, "platform", "kube", "bookinfo-versions.yaml"),
		filepath.Join(dir, "gateway-api", "bookinfo-gateway.yaml"),
		filepath.Join(dir, "gateway-api", "route-reviews-90-10.yaml"),
	}
	objs, probs := importer.ReadPaths(paths, nil)
	if len(probs) > 0 {
		t.Fatalf("reading: %v", probs)
	}
	// Bookinfo's manifests have no namespace: without one import refuses them.
	if res := importer.Import(objs, importer.Options{}); len(res.Problems) == 0 {
		t.Error("objects without a namespace were accepted")
	}
	objs, _ = importer.ReadPaths(paths, nil)
	res := importer.Import(objs, importer.Options{Name: "bookinfo", Namespace: "bookinfo"})
	if len(res.Problems) > 0 {
		t.Fatalf("import: %v", res.Problems)
	}
	spec, err := res.SpecYAML([]string{"bookinfo"})
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := importer.RenderSpec(spec, "bookinfo.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, spec)
	}
	res.Compare(objs, rendered)
	got := map[string]bool{}
	for _, r := range rendered {
		got[importer.Key(r.Kind, r.Namespace, r.Name)] = true
	}
	for _, want := range []string{
		"Gateway/istio-ingress/bookinfo-gateway", // moved out of the apps' namespace
		"HTTPRoute/bookinfo/bookinfo", "HTTPRoute/bookinfo/reviews", "Gateway/bookinfo/waypoint",
		"Deployment/bookinfo/productpage", "Service/bookinfo/productpage", "Service/bookinfo/details",
		"Service/bookinfo/ratings", "Service/bookinfo/reviews-v1", "Service/bookinfo/reviews-v2",
	} {
		if !got[want] {
			t.Errorf("%s is not rendered", want)
		}
	}
	// The Service spanning the reviews versions is a loss the report names.
	if !strings.Contains(res.Report(), "Service bookinfo/reviews: not carried over") {
		t.Errorf("the report does not name Service bookinfo/reviews:\n%s", res.Report())
	}
}
