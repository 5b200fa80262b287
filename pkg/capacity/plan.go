package capacity

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/krm-gen/krm-gen/pkg/model"
)

// Workload is a set of identical pods the platform places: a Deployment on one pool, or
// a DaemonSet (a pod on every node of every pool).
type Workload struct {
	Name        string // e.g. "Deployment shop/shop"
	Pool        string // "" for a DaemonSet
	DaemonSet   bool
	Replicas    int32             // Deployments: pods (for the gateway: its replicas, the HPA's minimum)
	MaxReplicas int32             // > Replicas: an HPA may scale up to this
	CPU, Memory resource.Quantity // requests of one pod
}

// Pods requests of the Istio components krm-gen installs from the charts: istiod (the
// values krm-gen renders), ztunnel and istio-cni (the charts' defaults, manifests/charts
// ztunnel and istio-cni values.yaml of the pinned Istio).
var (
	ztunnelRequests  = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m"), corev1.ResourceMemory: resource.MustParse("512Mi")}
	istioCNIRequests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("100Mi")}
)

// Workloads lists every pod krm-gen knows the requests of, from the resolved model:
// inline apps and the health responder, the gateway, the waypoints, istiod, and the
// ztunnel and istio-cni DaemonSets. Apps from a chart or a folder are in Unknown: their
// requests are the chart's or the manifests', which krm-gen does not read.
func Workloads(m *model.Model) (ws []Workload, unknown []Uncounted) {
	add := func(name, pool string, replicas, maxReplicas int32, req corev1.ResourceList) {
		ws = append(ws, Workload{Name: name, Pool: pool, Replicas: max(replicas, 1), MaxReplicas: maxReplicas,
			CPU: req[corev1.ResourceCPU], Memory: req[corev1.ResourceMemory]})
	}
	for _, a := range m.Apps {
		if a.Inline == nil {
			unknown = append(unknown, Uncounted{Pool: a.Placement.Pool, What: fmt.Sprintf("app %s/%s, from a %s: its requests are the source's, not known to krm-gen", a.Namespace, a.Name, sourceKind(a))})
			continue
		}
		for _, d := range a.Inline.Deployments {
			if d.Replicas == 0 {
				continue // an idle version: no pod
			}
			add(fmt.Sprintf("Deployment %s/%s", a.Namespace, d.Deployment), a.Placement.Pool, d.Replicas, 0, a.Inline.Requirements.Requests)
		}
	}
	g := m.Gateway
	add(fmt.Sprintf("Deployment %s/%s (gateway)", g.Namespace, g.ServiceName), g.Placement.Pool, g.Replicas, g.MaxReplicas, g.Resources.Requests)
	for _, w := range m.Waypoints {
		add(fmt.Sprintf("Deployment %s/%s (waypoint)", w.Namespace, w.Name), w.Placement.Pool, w.Replicas, 0, w.Resources.Requests)
	}
	add(fmt.Sprintf("Deployment %s/istiod", model.IstioSystemNamespace), g.Placement.Pool, 1, 0, model.IstiodResources().Requests)
	for _, d := range []struct {
		name string
		req  corev1.ResourceList
	}{{"ztunnel", ztunnelRequests}, {"istio-cni-node", istioCNIRequests}} {
		ws = append(ws, Workload{Name: fmt.Sprintf("DaemonSet %s/%s", model.IstioSystemNamespace, d.name), DaemonSet: true,
			CPU: d.req[corev1.ResourceCPU], Memory: d.req[corev1.ResourceMemory]})
	}
	sort.Slice(unknown, func(i, j int) bool { return unknown[i].What < unknown[j].What })
	return ws, unknown
}

// Uncounted is a workload on a pool whose requests krm-gen does not know.
type Uncounted struct {
	Pool string
	What string
}

func sourceKind(a model.App) string {
	if a.Helm != nil {
		return "Helm chart"
	}
	return "git folder"
}

// Size is a pool at one node count: what its nodes offer and what is placed on it.
type Size struct {
	Nodes             int32
	CPU, Memory       resource.Quantity // allocatable of all nodes
	Pods              int64
	ReqCPU, ReqMemory resource.Quantity // requested: Deployments' pods, DaemonSets' pod per node
	ReqPods           int64
	Short             []string // what does not fit (empty: it holds everything)
}

// Fits reports whether the pool holds what is placed on it at this size.
func (s Size) Fits() bool { return len(s.Short) == 0 }

// PoolPlan is one pool's plan.
type PoolPlan struct {
	Pool         string
	InstanceType string
	Node         Allocatable
	Min          Size
	Desired      Size
	Max          Size
	Workloads    []Workload // on this pool (DaemonSets included)
	Unknown      []string   // pods on this pool whose requests krm-gen does not know
}

// Plan is the capacity plan of one platform (or environment).
type Plan struct {
	Name  string // the model's name
	Pools []PoolPlan
}

// Compute plans every pool of m with the node sizes of t. Totals are sums of requests
// (a pool is short when the requests exceed its allocatable), and each pod must fit one
// node: the scheduler cannot split a pod.
func Compute(m *model.Model, t Table) (*Plan, error) {
	ws, unknown := Workloads(m)
	plan := &Plan{Name: m.Name}
	for _, p := range m.Pools {
		it := model.DefaultInstanceType
		if len(p.InstanceTypes) > 0 {
			it = p.InstanceTypes[0]
		}
		node, err := t.Allocatable(it)
		if err != nil {
			return nil, fmt.Errorf("node pool %s: %w", p.Name, err)
		}
		pp := PoolPlan{Pool: p.Name, InstanceType: it, Node: node}
		for _, w := range ws {
			if w.DaemonSet || w.Pool == p.Name {
				pp.Workloads = append(pp.Workloads, w)
			}
		}
		for _, u := range unknown {
			if u.Pool == p.Name {
				pp.Unknown = append(pp.Unknown, u.What)
			}
		}
		pp.Min, pp.Desired, pp.Max = size(pp, p.Size.Min), size(pp, p.Size.Desired), size(pp, p.Size.Max)
		plan.Pools = append(plan.Pools, pp)
	}
	return plan, nil
}

// size sums what pp's workloads request on n nodes and says what does not fit.
func size(pp PoolPlan, n int32) Size {
	s := Size{Nodes: n, Pods: pp.Node.Pods * int64(n)}
	s.CPU = scaled(pp.Node.CPU, int64(n))
	s.Memory = scaled(pp.Node.Memory, int64(n))
	for _, w := range pp.Workloads {
		pods := int64(w.Replicas)
		if w.DaemonSet {
			pods = int64(n)
		}
		s.ReqPods += pods
		s.ReqCPU.Add(scaled(w.CPU, pods))
		s.ReqMemory.Add(scaled(w.Memory, pods))
		if w.CPU.Cmp(pp.Node.CPU) > 0 || w.Memory.Cmp(pp.Node.Memory) > 0 {
			s.Short = append(s.Short, fmt.Sprintf("a pod of %s (cpu %s, memory %s) is larger than a node (cpu %s, memory %s)",
				w.Name, w.CPU.String(), w.Memory.String(), pp.Node.CPU.String(), pp.Node.Memory.String()))
		}
	}
	if n == 0 && s.ReqPods > 0 {
		s.Short = append(s.Short, fmt.Sprintf("no nodes for %d pods", s.ReqPods))
		return s
	}
	if s.ReqCPU.Cmp(s.CPU) > 0 {
		s.Short = append(s.Short, fmt.Sprintf("cpu: %s requested, %s allocatable", milli(s.ReqCPU), milli(s.CPU)))
	}
	if s.ReqMemory.Cmp(s.Memory) > 0 {
		s.Short = append(s.Short, fmt.Sprintf("memory: %s requested, %s allocatable", mebi(s.ReqMemory), mebi(s.Memory)))
	}
	if s.ReqPods > s.Pods {
		s.Short = append(s.Short, fmt.Sprintf("pods: %d placed, %d allowed", s.ReqPods, s.Pods))
	}
	return s
}

func scaled(q resource.Quantity, n int64) resource.Quantity {
	return *resource.NewMilliQuantity(q.MilliValue()*n, q.Format)
}

// milli prints CPU in millicores, mebi memory in MiB: one unit per column.
func milli(q resource.Quantity) string { return fmt.Sprintf("%dm", q.MilliValue()) }
func mebi(q resource.Quantity) string  { return fmt.Sprintf("%dMi", q.Value()>>20) }

// Warnings are the render warnings of the plan: a pool whose desired size cannot hold
// what krm-gen places on it, at spec.nodePools[<pool>].size.
func (p *Plan) Warnings() field.ErrorList {
	var out field.ErrorList
	for _, pp := range p.Pools {
		if pp.Desired.Fits() {
			continue
		}
		out = append(out, field.Invalid(field.NewPath("spec", "nodePools").Key(pp.Pool).Child("size", "desired"), pp.Desired.Nodes,
			fmt.Sprintf("%d %s node(s) cannot hold what is placed on pool %s: %s (krm-gen plan shows the whole plan)",
				pp.Desired.Nodes, pp.InstanceType, pp.Pool, strings.Join(pp.Desired.Short, "; "))))
	}
	return out
}
