package harness

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Zones the harness spreads each pool's nodes over, round robin: the two availability
// zones Terraform's subnets default to (terraform/variables.tf availability_zone_suffixes
// ["a", "b"] of region eu-west-1, the blueprints' region) and, on AKS, zones 1 and 2.
func zonesFor(provider string) (region string, zones []string) {
	if provider == "aks" {
		return "westeurope", []string{"westeurope-1", "westeurope-2"}
	}
	return "eu-west-1", []string{"eu-west-1a", "eu-west-1b"}
}

// Nodes returns the pool's Nodes as its node group would register them: Desired of them,
// named <pool>-node-<i>, with the pool's labels and taints, the well-known instance-type,
// region and zone labels (zones round robin), the instance type's capacity and allocatable
// from the table, and Ready. Nothing renews their leases: the harness runs
// kube-controller-manager without the node lifecycle controller (see controlplane.go), so
// they stay Ready and untainted for the run.
func (p Pool) Nodes(table InstanceTypes, provider string) ([]*corev1.Node, error) {
	it, ok := table[p.InstanceType]
	if !ok {
		return nil, fmt.Errorf("pool %s: instance type %q is not in %s", p.Name, p.InstanceType, InstanceTypesFile)
	}
	if p.Desired < 1 {
		return nil, fmt.Errorf("pool %s: desired size %d: the harness needs at least one node per pool", p.Name, p.Desired)
	}
	region, zones := zonesFor(provider)
	capacity, allocatable := it.resources()
	now := metav1.Now()
	var out []*corev1.Node
	for i := 0; i < p.Desired; i++ {
		n := p.node(i)
		n.Labels["node.kubernetes.io/instance-type"] = p.InstanceType
		n.Labels["topology.kubernetes.io/region"] = region
		n.Labels["topology.kubernetes.io/zone"] = zones[i%len(zones)]
		n.Status.Capacity = capacity.DeepCopy()
		n.Status.Allocatable = allocatable.DeepCopy()
		n.Status.Conditions = []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			Message: "stood in by the e2e harness (no kubelet)", LastHeartbeatTime: now, LastTransitionTime: now,
		}}
		n.Status.NodeInfo = corev1.NodeSystemInfo{OperatingSystem: "linux", Architecture: "amd64"}
		out = append(out, n)
	}
	return out, nil
}
