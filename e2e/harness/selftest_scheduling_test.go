package harness

import (
	"fmt"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Broken trees only the scheduling checks catch (see selftest_test.go and
// e2e/testdata/README.md).

// dropDeploymentToleration removes the tolerations of the first rendered Deployment that
// has some: one of the tree's own manifests, else a Deployment a chart renders from the
// tree's values (a valuesObject block with both nodeSelector and tolerations, such as
// istiod's pilot block). Its pods keep the pool's nodeSelector, so the scheduler must
// leave them Pending on the pool's taint.
func dropDeploymentToleration(t *testing.T, repo, tree string) string {
	dir := filepath.Join(repo, tree)
	var did string
	editDocs(t, dir, func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if did != "" || u.GetKind() != "Deployment" {
			return u
		}
		if tols, ok, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "tolerations"); ok && len(tols) > 0 {
			unstructured.RemoveNestedField(u.Object, "spec", "template", "spec", "tolerations")
			did = fmt.Sprintf("removed the tolerations of %s in %s", objID(u), p)
		}
		return u
	})
	if did != "" {
		return did
	}
	editDocs(t, filepath.Join(dir, "argocd"), func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if did != "" || u.GetKind() != "Application" {
			return u
		}
		values, ok, _ := unstructured.NestedMap(u.Object, "spec", "source", "helm", "valuesObject")
		if !ok {
			return u
		}
		for key, v := range values {
			block, _ := v.(map[string]any)
			if block["nodeSelector"] == nil || block["tolerations"] == nil {
				continue
			}
			delete(block, "tolerations")
			values[key] = block
			_ = unstructured.SetNestedMap(u.Object, values, "spec", "source", "helm", "valuesObject")
			did = fmt.Sprintf("removed helm.valuesObject.%s.tolerations of %s in %s (its chart's Deployment keeps %s.nodeSelector)", key, objID(u), p, key)
			return u
		}
		return u
	})
	return did
}

// outgrowPool makes the first rendered app Deployment on a pool too big for the pool: one
// more replica than the pool has nodes, each requesting 60% of a node's allocatable CPU
// (from the instance-type table), so every node holds one and at least one stays Pending
// with the scheduler's "Insufficient cpu".
func outgrowPool(t *testing.T, repo, tree string) string {
	ps := findPlatform(repo, tree)
	if ps == nil {
		return ""
	}
	table, err := LoadInstanceTypes(repo)
	if err != nil {
		t.Fatal(err)
	}
	pools := ps.pools()
	var did string
	editDocs(t, filepath.Join(repo, tree, "workloads"), func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if did != "" || u.GetKind() != "Deployment" {
			return u
		}
		sel, _, _ := unstructured.NestedStringMap(u.Object, "spec", "template", "spec", "nodeSelector")
		rule, err := decidePlacement(sel, pools, "")
		if err != nil || rule.Anywhere || len(rule.Pools) != 1 {
			return u
		}
		var pool Pool
		for _, pl := range pools {
			if pl.Name == rule.Pools[0] {
				pool = pl
			}
		}
		it, ok := table[pool.InstanceType]
		if !ok {
			t.Fatalf("pool %s: instance type %s not in the table", pool.Name, pool.InstanceType)
		}
		alloc := resource.MustParse(it.Allocatable["cpu"])
		cpu := resource.NewMilliQuantity(alloc.MilliValue()*6/10, resource.DecimalSI).String()
		containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
		for i := range containers {
			c := containers[i].(map[string]any)
			for _, kind := range []string{"requests", "limits"} {
				_ = unstructured.SetNestedField(c, cpu, "resources", kind, "cpu")
			}
			containers[i] = c
		}
		_ = unstructured.SetNestedSlice(u.Object, containers, "spec", "template", "spec", "containers")
		_ = unstructured.SetNestedField(u.Object, int64(pool.Desired+1), "spec", "replicas")
		did = fmt.Sprintf("%s in %s: %d replicas requesting cpu %s each, on pool %s of %d x %s (allocatable cpu %s)",
			objID(u), p, pool.Desired+1, cpu, pool.Name, pool.Desired, pool.InstanceType, it.Allocatable["cpu"])
		return u
	})
	return did
}

// allowPrivilegeEscalation sets allowPrivilegeEscalation: true on the containers of the
// first app Deployment in workloads/ whose namespace enforces Pod Security restricted
// (krm-gen's default): the apiserver must refuse the pods its ReplicaSet creates.
func allowPrivilegeEscalation(t *testing.T, repo, tree string) string {
	restricted := map[string]bool{}
	editDocs(t, filepath.Join(repo, tree, "namespaces"), func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if u.GetKind() == "Namespace" && u.GetLabels()["pod-security.kubernetes.io/enforce"] == "restricted" {
			restricted[u.GetName()] = true
		}
		return u
	})
	var did string
	editDocs(t, filepath.Join(repo, tree, "workloads"), func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if did != "" || u.GetKind() != "Deployment" || !restricted[u.GetNamespace()] {
			return u
		}
		containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
		for i := range containers {
			c := containers[i].(map[string]any)
			_ = unstructured.SetNestedField(c, true, "securityContext", "allowPrivilegeEscalation")
			containers[i] = c
		}
		_ = unstructured.SetNestedSlice(u.Object, containers, "spec", "template", "spec", "containers")
		did = fmt.Sprintf("set allowPrivilegeEscalation: true on the containers of %s in %s (namespace enforces restricted)", objID(u), p)
		return u
	})
	return did
}

// budgetSelectingNoPod gives the first app PodDisruptionBudget in workloads/ a selector
// no pod matches (a typo in a label value): it protects nothing, and a drain may evict
// every replica at once.
func budgetSelectingNoPod(t *testing.T, repo, tree string) string {
	var did string
	editDocs(t, filepath.Join(repo, tree, "workloads"), func(p string, u *unstructured.Unstructured) *unstructured.Unstructured {
		if did != "" || u.GetKind() != "PodDisruptionBudget" {
			return u
		}
		labels, _, _ := unstructured.NestedStringMap(u.Object, "spec", "selector", "matchLabels")
		for k, v := range labels {
			labels[k] = v + "-typo"
			_ = unstructured.SetNestedStringMap(u.Object, labels, "spec", "selector", "matchLabels")
			did = fmt.Sprintf("changed the selector of %s to %s=%s in %s", objID(u), k, labels[k], p)
			return u
		}
		return u
	})
	return did
}
