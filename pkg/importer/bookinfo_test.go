package importer_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/internal/modcache"
	"github.com/krm-gen/krm-gen/pkg/importer"
)

// istioModuleDir is the istio.io/istio module the e2e pins (e2e/go.mod), from the
// module cache (go mod download fetches it when the proxy is reachable).
func istioModuleDir(t *testing.T) string {
	t.Helper()
	dir, err := modcache.PinnedDir("../../e2e/go.mod", "istio.io/istio")
	if err != nil {
		t.Fatalf("Bookinfo from the module cache: %v", err)
	}
	return dir
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
		// Every Deployment and Service of the input, under its own name: reviews is one
		// app with three versions, the others apps with one.
		"Deployment/bookinfo/productpage-v1", "Deployment/bookinfo/details-v1", "Deployment/bookinfo/ratings-v1",
		"Deployment/bookinfo/reviews-v1", "Deployment/bookinfo/reviews-v2", "Deployment/bookinfo/reviews-v3",
		"Service/bookinfo/productpage", "Service/bookinfo/details", "Service/bookinfo/ratings", "Service/bookinfo/reviews",
		"Service/bookinfo/productpage-v1", "Service/bookinfo/details-v1", "Service/bookinfo/ratings-v1",
		"Service/bookinfo/reviews-v1", "Service/bookinfo/reviews-v2", "Service/bookinfo/reviews-v3",
	} {
		if !got[want] {
			t.Errorf("%s is not rendered", want)
		}
	}
	// Nothing of the input is dropped whole: what is lost are fields (labels, names).
	for _, l := range res.Losses {
		if l.Field == "" {
			t.Errorf("lost whole: %s", l.String())
		}
	}
	// The traffic split is on the Service every reviews version is behind, to two
	// versions' Services, as in the input.
	split := false
	for _, r := range rendered {
		if r.Kind != "HTTPRoute" || r.Name != "reviews" {
			continue
		}
		split = true
		b, _ := json.Marshal(r.Raw["spec"])
		for _, want := range []string{`"kind":"Service","name":"reviews"`, `"name":"reviews-v1","port":9080,"weight":90`, `"name":"reviews-v2","port":9080,"weight":10`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("HTTPRoute reviews lacks %s: %s", want, b)
			}
		}
	}
	if !split {
		t.Error("no HTTPRoute reviews rendered")
	}
}
