package harness

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// The self-test proves the harness catches real defects. Each case copies a rendered tree
// (the first one under $E2E_ROOT/out, or $E2E_SELFTEST_TREE) with its blueprint into a
// temporary repository, breaks one thing, runs the harness on it and expects a FAIL line
// matching the case's pattern. The broken trees are made at test time from the current
// rendering, so they follow the generator; e2e/testdata/README.md describes them.

type defect struct {
	name   string
	break_ func(t *testing.T, repo, tree string) string // breaks tree (relative) in the copy repo, returns what it did ("" = not applicable)
	want   *regexp.Regexp                               // a FAIL line that must appear
}

var defects = []defect{
	{
		name:   "cross-namespace-route-without-referencegrant",
		break_: removeReferenceGrant,
		want:   regexp.MustCompile(`^FAIL .*HTTPRoute \S+ parent \S+ ResolvedRefs RefNotPermitted `),
	},
	{
		name:   "gateway-parameters-without-pool-toleration",
		break_: dropGatewayTolerations,
		want:   regexp.MustCompile(`^FAIL .*Deployment \S+-istio ScheduledOnPool \S+ Unschedulable .*no toleration for taint`),
	},
	{
		// The scheduler's own words: "0/4 nodes are available: ... untolerated taint ...".
		name:   "deployment-without-pool-toleration",
		break_: dropDeploymentToleration,
		want:   regexp.MustCompile(`^FAIL .*Deployment \S+ PodsScheduledOnPool \S+ \(\d+ replicas\) Unschedulable \d+ of \d+ pods Pending; pod \S+: 0/\d+ nodes are available: .*untolerated taint`),
	},
	{
		name:   "pool-too-small-for-its-pods",
		break_: outgrowPool,
		want:   regexp.MustCompile(`^FAIL .*Deployment \S+ PodsScheduledOnPool \S+ \(\d+ replicas\) Unschedulable \d+ of \d+ pods Pending; pod \S+: 0/\d+ nodes are available: .*Insufficient cpu`),
	},
	{
		// The real pods, created by the ReplicaSet controller, are refused by Pod Security.
		name:   "app-violating-pod-security",
		break_: allowPrivilegeEscalation,
		want:   regexp.MustCompile(`^FAIL .*Deployment \S+ PodsCreated \(no FailedCreate\) FailedCreate ReplicaSet \S+: .*violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false`),
	},
	{
		// istiod's words on the route's Service parent (the status stays True, the message says it).
		name:   "mesh-route-namespace-without-waypoint-label",
		break_: dropUseWaypointLabel,
		want:   regexp.MustCompile(`^FAIL .*Route \S+ parent Service \S+ ResolvedWaypoints \(All waypoints resolved\) WaypointNotResolved .*istio\.io/use-waypoint label missing from parent and parent namespace`),
	},
	{
		// The disruption controller counts no pod under the budget.
		name:   "disruption-budget-selecting-no-pod",
		break_: budgetSelectingNoPod,
		want:   regexp.MustCompile(`^FAIL .*PodDisruptionBudget \S+ CoversPods \(expectedPods 0\) NoPods selector \S+ selects no pod`),
	},
	{
		// The spec says 90/10; Envoy gets what the edited HTTPRoute says.
		name:   "route-weight-changed-after-rendering",
		break_: changeRouteWeight,
		want:   regexp.MustCompile(`^FAIL .*xds \S+ .* -> .* XDSMismatch .*weight \d+ of \d+, the spec says \d+ of \d+`),
	},
	{
		// The spec sends reviews 90/10 to two versions; the edited mesh route sends to
		// another version's Service, which the waypoint's Envoy then gets.
		name:   "mesh-route-to-another-version",
		break_: sendToOtherVersion,
		want:   regexp.MustCompile(`^FAIL .*xds waypoint \S+ .* -> .* XDSMismatch .*no cluster \S+ \(got `),
	},
	{
		name:   "application-with-misspelt-field",
		break_: misspellApplicationField,
		want:   regexp.MustCompile(`^FAIL .*Application argocd/\S+ Applied StrictValidation .*spec\.source\.targetRevison: field not declared in schema`),
	},
}

func TestSelf(t *testing.T) {
	root := os.Getenv("E2E_ROOT")
	if root == "" {
		t.Skip("E2E_ROOT is not set: the self-test builds and runs the control plane (make e2e-selftest)")
	}
	root, _ = filepath.Abs(root)
	trees := []string{os.Getenv("E2E_SELFTEST_TREE")}
	if trees[0] == "" {
		var err error
		trees, err = FindTrees(root)
		if err != nil || len(trees) == 0 {
			t.Fatalf("no rendered tree under %s/out (render first): %v", root, err)
		}
	}
	e2eDir, _ := filepath.Abs("..")
	if _, err := EnsureBinaries(e2eDir, testWriter{t}); err != nil {
		t.Fatal(err)
	}
	for _, d := range defects {
		t.Run(d.name, func(t *testing.T) {
			// The first tree (in out/ order) the defect applies to.
			var repo, tree, what string
			for _, tr := range trees {
				repo = t.TempDir()
				copyDir(t, filepath.Join(root, tr), filepath.Join(repo, tr))
				// The spec (node pools) and the instance-type table the Nodes are sized from.
				for _, d := range []string{"blueprints", filepath.Dir(filepath.FromSlash(InstanceTypesFile))} {
					if _, err := os.Stat(filepath.Join(root, d)); err == nil {
						copyDir(t, filepath.Join(root, d), filepath.Join(repo, d))
					}
				}
				if what = d.break_(t, repo, tr); what != "" {
					tree = tr
					break
				}
			}
			if tree == "" {
				t.Fatalf("no tree under %s/out to which %s applies", root, d.name)
			}
			t.Logf("broken copy of %s: %s", tree, what)
			var out bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			rep, err := Run(ctx, Options{RepoRoot: repo, E2EDir: e2eDir, Trees: []string{tree}, Out: &out, Log: testWriter{t}})
			if err != nil {
				t.Fatalf("harness error: %v", err)
			}
			t.Logf("harness output:\n%s", out.String())
			if rep.Failed == 0 {
				t.Fatalf("the harness passed a tree with a defect (%s)", what)
			}
			for _, l := range rep.Failures() {
				if d.want.MatchString(l) {
					t.Logf("caught: %s", l)
					return
				}
			}
			t.Fatalf("no FAIL line matches %s; failures:\n%s", d.want, strings.Join(rep.Failures(), "\n"))
		})
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// editDocs rewrites every YAML file under dir, letting edit change, keep or drop
// (return nil) each document.
func editDocs(t *testing.T, dir string, edit func(path string, u *unstructured.Unstructured) *unstructured.Unstructured) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(p) != ".yaml" && filepath.Ext(p) != ".yml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		objs, err := DecodeYAML(data, p)
		if err != nil {
			return err
		}
		var docs []string
		changed := false
		for _, o := range objs {
			before, _ := yaml.Marshal(o.Object)
			n := edit(p, o.Unstructured)
			if n == nil {
				changed = true
				continue
			}
			b, err := yaml.Marshal(n.Object)
			if err != nil {
				return err
			}
			if !bytes.Equal(before, b) {
				changed = true
			}
			docs = append(docs, string(b))
		}
		if !changed {
			return nil
		}
		if len(docs) == 0 {
			return os.Remove(p)
		}
		return os.WriteFile(p, []byte(strings.Join(docs, "---\n")), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// removeReferenceGrant deletes the first ReferenceGrant that lets an HTTPRoute reach a
// Service in another namespace.
func removeReferenceGrant(t *testing.T, repo, tree string) string {
	tree = filepath.Join(repo, tree)
	var removed string
	editDocs(t, tree, func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if removed != "" || u.GetKind() != "ReferenceGrant" {
			return u
		}
		froms, _, _ := unstructured.NestedSlice(u.Object, "spec", "from")
		for _, f := range froms {
			if m, _ := f.(map[string]any); m["kind"] == "HTTPRoute" {
				removed = fmt.Sprintf("removed %s from %s", objID(u), p)
				return nil
			}
		}
		return u
	})
	return removed
}

// dropGatewayTolerations removes the tolerations from the deployment patch of every
// ConfigMap a Gateway uses as infrastructure.parametersRef.
func dropGatewayTolerations(t *testing.T, repo, tree string) string {
	tree = filepath.Join(repo, tree)
	params := map[string]bool{}
	editDocs(t, tree, func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if u.GetKind() == "Gateway" {
			if n, ok, _ := unstructured.NestedString(u.Object, "spec", "infrastructure", "parametersRef", "name"); ok {
				params[u.GetNamespace()+"/"+n] = true
			}
		}
		return u
	})
	var did []string
	editDocs(t, tree, func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if u.GetKind() != "ConfigMap" || !params[u.GetNamespace()+"/"+u.GetName()] {
			return u
		}
		patch, ok, _ := unstructured.NestedString(u.Object, "data", "deployment")
		if !ok {
			return u
		}
		m := map[string]any{}
		if err := yaml.Unmarshal([]byte(patch), &m); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := unstructured.NestedSlice(m, "spec", "template", "spec", "tolerations"); !ok {
			return u
		}
		unstructured.RemoveNestedField(m, "spec", "template", "spec", "tolerations")
		b, _ := yaml.Marshal(m)
		_ = unstructured.SetNestedField(u.Object, string(b), "data", "deployment")
		did = append(did, fmt.Sprintf("removed tolerations from the deployment patch of %s in %s", objID(u), p))
		return u
	})
	return strings.Join(did, "; ")
}

// misspellApplicationField renames spec.source.targetRevision of the first child
// Application (in sync order) to targetRevison.
func misspellApplicationField(t *testing.T, repo, tree string) string {
	tree = filepath.Join(repo, tree)
	var did string
	editDocs(t, filepath.Join(tree, "argocd"), func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if did != "" || u.GetKind() != "Application" {
			return u
		}
		src, ok, _ := unstructured.NestedMap(u.Object, "spec", "source")
		if !ok {
			return u
		}
		v, ok := src["targetRevision"]
		if !ok {
			return u
		}
		delete(src, "targetRevision")
		src["targetRevison"] = v
		_ = unstructured.SetNestedMap(u.Object, src, "spec", "source")
		did = fmt.Sprintf("renamed spec.source.targetRevision to targetRevison in %s (%s)", objID(u), p)
		return u
	})
	return did
}
