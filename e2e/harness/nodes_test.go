package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestPoolNodes(t *testing.T) {
	table := InstanceTypes{
		"m6i.large": {VCPU: 2, MemoryMiB: 8192, MaxPods: 29, Allocatable: map[string]string{"cpu": "1930m", "memory": "6903Mi", "pods": "29"}},
	}
	taint := corev1.Taint{Key: "CriticalAddonsOnly", Value: "true", Effect: corev1.TaintEffectNoSchedule}
	cases := []struct {
		name      string
		pool      Pool
		provider  string
		wantZones []string
		wantErr   string
	}{
		{"three nodes over two zones", Pool{Name: "system", Labels: map[string]string{"role": "system"}, Taints: []corev1.Taint{taint}, InstanceType: "m6i.large", Desired: 3}, "eks",
			[]string{"eu-west-1a", "eu-west-1b", "eu-west-1a"}, ""},
		{"aks zones", Pool{Name: "user", InstanceType: "m6i.large", Desired: 2}, "aks", []string{"westeurope-1", "westeurope-2"}, ""},
		{"unknown type", Pool{Name: "user", InstanceType: "z9.huge", Desired: 2}, "eks", nil, `instance type "z9.huge" is not in`},
		{"no nodes", Pool{Name: "user", InstanceType: "m6i.large", Desired: 0}, "eks", nil, "at least one node"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nodes, err := c.pool.Nodes(table, c.provider)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("want error %q, got %v", c.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(nodes) != len(c.wantZones) {
				t.Fatalf("%d nodes, want %d", len(nodes), len(c.wantZones))
			}
			for i, n := range nodes {
				if z := n.Labels["topology.kubernetes.io/zone"]; z != c.wantZones[i] {
					t.Errorf("%s zone %s, want %s", n.Name, z, c.wantZones[i])
				}
				if !strings.HasPrefix(n.Name, c.pool.Name+"-node-") || n.Labels["kubernetes.io/hostname"] != n.Name {
					t.Errorf("name %s / hostname %s", n.Name, n.Labels["kubernetes.io/hostname"])
				}
				for k, v := range c.pool.Labels {
					if n.Labels[k] != v {
						t.Errorf("%s lacks pool label %s=%s", n.Name, k, v)
					}
				}
				if len(n.Spec.Taints) != len(c.pool.Taints) {
					t.Errorf("%s taints %v, want %v", n.Name, n.Spec.Taints, c.pool.Taints)
				}
				if n.Labels["node.kubernetes.io/instance-type"] != "m6i.large" {
					t.Errorf("instance-type label %q", n.Labels["node.kubernetes.io/instance-type"])
				}
				a := n.Status.Allocatable
				if a.Cpu().Cmp(resource.MustParse("1930m")) != 0 || a.Memory().Cmp(resource.MustParse("6903Mi")) != 0 || a.Pods().Value() != 29 {
					t.Errorf("allocatable %v", a)
				}
				if c := n.Status.Capacity; c.Cpu().Value() != 2 || c.Memory().Value() != 8192<<20 {
					t.Errorf("capacity %v", c)
				}
				ready := false
				for _, cond := range n.Status.Conditions {
					ready = ready || (cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue)
				}
				if !ready {
					t.Errorf("%s is not Ready", n.Name)
				}
			}
			// The nodes are distinct objects: changing one leaves the others alone.
			if len(nodes) > 1 {
				nodes[0].Labels["x"] = "y"
				nodes[0].Status.Allocatable[corev1.ResourceCPU] = resource.MustParse("1")
				if nodes[1].Labels["x"] == "y" || nodes[1].Status.Allocatable.Cpu().MilliValue() != 1930 {
					t.Error("nodes share labels or resources")
				}
			}
		})
	}
}

func TestPlatformPoolDefaults(t *testing.T) {
	repo := t.TempDir()
	spec := `apiVersion: krm-gen.dev/v1alpha1
kind: Platform
metadata: {name: p}
spec:
  git: {path: out/p}
  nodePools:
    b:
      labels: {role: b}
      instanceTypes: [t3.medium, m5.large]
      size: {min: 1, max: 5, desired: 4}
    a:
      labels: {role: a}
`
	if err := os.MkdirAll(filepath.Join(repo, "blueprints", "p"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "blueprints", "p", "platform.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	ps := findPlatform(repo, "out/p")
	if ps == nil {
		t.Fatal("spec not found by git.path")
	}
	pools := ps.pools()
	if len(pools) != 2 || pools[0].Name != "a" || pools[1].Name != "b" {
		t.Fatalf("pools %+v", pools)
	}
	if pools[0].InstanceType != DefaultInstanceType || pools[0].Desired != DefaultDesiredSize {
		t.Errorf("unset pool: %s x%d, want the Terraform defaults %s x%d", pools[0].InstanceType, pools[0].Desired, DefaultInstanceType, DefaultDesiredSize)
	}
	if pools[1].InstanceType != "t3.medium" || pools[1].Desired != 4 {
		t.Errorf("sized pool: %s x%d, want the first instance type and size.desired", pools[1].InstanceType, pools[1].Desired)
	}
}
