package harness

import (
	"fmt"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Broken trees only the mesh (waypoint) checks catch (see selftest_test.go and
// e2e/testdata/README.md).

// dropUseWaypointLabel removes the istio.io/use-waypoint label from the Namespace of the
// first mesh route (an HTTPRoute or GRPCRoute whose parent is a Service): istiod then
// finds no waypoint for the route's parent.
func dropUseWaypointLabel(t *testing.T, repo, tree string) string {
	dir := filepath.Join(repo, tree)
	meshNS := ""
	editDocs(t, dir, func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if meshNS != "" || (u.GetKind() != "HTTPRoute" && u.GetKind() != "GRPCRoute") {
			return u
		}
		for _, pr := range routeParents(u) {
			if pr.Kind == "Service" {
				meshNS = pr.Namespace
			}
		}
		return u
	})
	if meshNS == "" {
		return ""
	}
	var did string
	editDocs(t, dir, func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if u.GetKind() != "Namespace" || u.GetName() != meshNS {
			return u
		}
		l := u.GetLabels()
		if _, ok := l[labelUseWaypoint]; !ok {
			return u
		}
		delete(l, labelUseWaypoint)
		u.SetLabels(l)
		did = fmt.Sprintf("removed label %s from Namespace %s (it holds a mesh route) in %s", labelUseWaypoint, meshNS, p)
		return u
	})
	return did
}
