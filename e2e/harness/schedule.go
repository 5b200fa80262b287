package harness

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// Pool is a node pool of the platform: the labels and taints its nodes carry, the
// instance type they run on and how many there are (what Terraform's node group makes).
type Pool struct {
	Name         string
	Labels       map[string]string
	Taints       []corev1.Taint
	InstanceType string // the first of the spec's instanceTypes, DefaultInstanceType without
	Desired      int    // the spec's size.desired, DefaultDesiredSize without
}

// Node returns the pool's first Node as the cloud's node group would register it (labels
// and taints; no zone or size): the template the static placement checks match against.
func (p Pool) Node() *corev1.Node { return p.node(0) }

func (p Pool) node(i int) *corev1.Node {
	name := fmt.Sprintf("%s-node-%d", p.Name, i)
	labels := map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
	for k, v := range p.Labels {
		labels[k] = v
	}
	n := &corev1.Node{}
	n.Name = name
	n.Labels = labels
	n.Spec.Taints = p.Taints
	return n
}

// fits reports whether a pod with spec could be scheduled on node, and why not: the
// scheduler's node selector, required node affinity and taint/toleration rules.
func fits(spec *corev1.PodSpec, node *corev1.Node) (bool, string) {
	for k, v := range spec.NodeSelector {
		if node.Labels[k] != v {
			return false, fmt.Sprintf("nodeSelector %s=%s does not match", k, v)
		}
	}
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		ok := false
		for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
			if termMatches(term, node.Labels) {
				ok = true
				break
			}
		}
		if !ok {
			return false, "required node affinity does not match"
		}
	}
	for _, t := range node.Spec.Taints {
		if t.Effect == corev1.TaintEffectPreferNoSchedule {
			continue
		}
		tolerated := false
		for _, tol := range spec.Tolerations {
			if tolerates(tol, t) {
				tolerated = true
				break
			}
		}
		if !tolerated {
			return false, fmt.Sprintf("no toleration for taint %s=%s:%s", t.Key, t.Value, t.Effect)
		}
	}
	return true, ""
}

func tolerates(tol corev1.Toleration, t corev1.Taint) bool {
	if tol.Effect != "" && tol.Effect != t.Effect {
		return false
	}
	if tol.Key == "" {
		return tol.Operator == corev1.TolerationOpExists
	}
	if tol.Key != t.Key {
		return false
	}
	switch tol.Operator {
	case corev1.TolerationOpExists:
		return true
	case "", corev1.TolerationOpEqual:
		return tol.Value == t.Value
	}
	return false
}

func termMatches(term corev1.NodeSelectorTerm, labels map[string]string) bool {
	for _, e := range term.MatchExpressions {
		v, has := labels[e.Key]
		switch e.Operator {
		case corev1.NodeSelectorOpIn:
			if !has || !contains(e.Values, v) {
				return false
			}
		case corev1.NodeSelectorOpNotIn:
			if has && contains(e.Values, v) {
				return false
			}
		case corev1.NodeSelectorOpExists:
			if !has {
				return false
			}
		case corev1.NodeSelectorOpDoesNotExist:
			if has {
				return false
			}
		case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
			if !has || len(e.Values) != 1 {
				return false
			}
			a, err1 := strconv.Atoi(v)
			b, err2 := strconv.Atoi(e.Values[0])
			if err1 != nil || err2 != nil || (e.Operator == corev1.NodeSelectorOpGt) != (a > b) || a == b {
				return false
			}
		}
	}
	return len(term.MatchFields) == 0
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
