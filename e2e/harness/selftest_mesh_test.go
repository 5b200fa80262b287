package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Broken trees only the mesh (waypoint) and xDS checks catch (see selftest_test.go and
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

// changeRouteWeight edits the first weighted backendRef of the first HTTPRoute rule
// that splits between several backends: its weight becomes that of the last backend
// plus the first's, so the split no longer is the spec's.
func changeRouteWeight(t *testing.T, repo, tree string) string {
	return editSplit(t, repo, tree, false, func(first, last map[string]any) (string, bool) {
		w1, ok1 := toInt64(first["weight"])
		w2, ok2 := toInt64(last["weight"])
		if !ok1 || !ok2 {
			return "", false
		}
		first["weight"] = w1 + w2
		return fmt.Sprintf("changed the weight of backendRef %v from %d to %d", first["name"], w1, w1+w2), true
	})
}

// sendToOtherVersion points the first backendRef of the first mesh route (an HTTPRoute
// whose parent is a Service) that splits between several Services at the last one's
// Service: the route then sends to another version than the spec says.
func sendToOtherVersion(t *testing.T, repo, tree string) string {
	return editSplit(t, repo, tree, true, func(first, last map[string]any) (string, bool) {
		if first["name"] == last["name"] {
			return "", false
		}
		was := first["name"]
		first["name"] = last["name"]
		return fmt.Sprintf("pointed backendRef %v at Service %v", was, last["name"]), true
	})
}

// editSplit finds the first HTTPRoute rule (of a mesh route, whose parent is a Service,
// when mesh is set) that splits between several backendRefs and edits its first and
// last; edit says what it did, or false to look further. It returns what was done and
// where ("" when no rule applies).
func editSplit(t *testing.T, repo, tree string, mesh bool, edit func(first, last map[string]any) (string, bool)) string {
	var did string
	editDocs(t, filepath.Join(repo, tree), func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if did != "" || u.GetKind() != "HTTPRoute" {
			return u
		}
		if mesh {
			parents, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
			if len(parents) == 0 {
				return u
			}
			if pm, _ := parents[0].(map[string]any); pm["kind"] != "Service" {
				return u
			}
		}
		rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
		for i, r := range rules {
			rm, _ := r.(map[string]any)
			refs, _ := rm["backendRefs"].([]any)
			if len(refs) < 2 {
				continue
			}
			first, _ := refs[0].(map[string]any)
			last, _ := refs[len(refs)-1].(map[string]any)
			what, ok := edit(first, last)
			if !ok {
				continue
			}
			rules[i] = rm
			_ = unstructured.SetNestedSlice(u.Object, rules, "spec", "rules")
			did = fmt.Sprintf("%s of %s rule %d in %s", what, objID(u), i, p)
			return u
		}
		return u
	})
	return did
}

// staleFleetElement applies to an environment's tree of a fleet (bootstrap/fleet.yaml
// beside the environments): the copy gets the fleet, whose list element for this
// environment then names another revision than the environment's root app, as a
// fleet.yaml left behind by a render that changed the root app would.
func staleFleetElement(t *testing.T, repo, tree string) string {
	root, _ := filepath.Abs(os.Getenv("E2E_ROOT"))
	src := FindFleet(root, tree)
	if src == "" {
		return ""
	}
	rel, err := filepath.Rel(root, filepath.Dir(src))
	if err != nil {
		t.Fatal(err)
	}
	copyDir(t, filepath.Dir(src), filepath.Join(repo, rel))
	env := filepath.Base(filepath.FromSlash(tree))
	var did string
	editDocs(t, filepath.Join(repo, rel), func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if did != "" || u.GetKind() != "ApplicationSet" {
			return u
		}
		gens, _, _ := unstructured.NestedSlice(u.Object, "spec", "generators")
		for _, g := range gens {
			gm, _ := g.(map[string]any)
			list, _ := gm["list"].(map[string]any)
			elems, _ := list["elements"].([]any)
			for _, e := range elems {
				em, _ := e.(map[string]any)
				if em["environment"] != env {
					continue
				}
				was := em["revision"]
				em["revision"] = "stale-branch"
				_ = unstructured.SetNestedSlice(u.Object, gens, "spec", "generators")
				did = fmt.Sprintf("changed the revision of environment %s in %s from %v to stale-branch in %s", env, objID(u), was, p)
				return u
			}
		}
		return u
	})
	return did
}
