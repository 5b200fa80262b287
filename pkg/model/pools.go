package model

import (
	"cmp"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Node pool sizing when the spec leaves it out (what Terraform builds).
const (
	DefaultInstanceType = "m6i.large"
	defaultPoolMin      = 2
	defaultPoolMax      = 3
	defaultPoolDesired  = 2
)

// Pool is a node pool: how workloads are placed on it and how large it is.
type Pool struct {
	Name          string
	Placement     Placement
	Taints        []schema.Taint
	InstanceTypes []string
	Size          schema.PoolSize
}

// Placement is where a workload runs: the node selector and tolerations of a pool.
type Placement struct {
	Pool         string
	NodeSelector map[string]string
	Tolerations  []corev1.Toleration
}

func pools(in map[string]schema.NodePool) []Pool {
	out := make([]Pool, 0, len(in))
	for name, p := range in {
		pool := Pool{
			Name:          name,
			Placement:     placement(name, p),
			Taints:        p.Taints,
			InstanceTypes: p.InstanceTypes,
			Size:          schema.PoolSize{Min: defaultPoolMin, Max: defaultPoolMax, Desired: defaultPoolDesired},
		}
		if len(pool.InstanceTypes) == 0 {
			pool.InstanceTypes = []string{DefaultInstanceType}
		}
		if p.Size != nil {
			pool.Size = *p.Size
		}
		out = append(out, pool)
	}
	slices.SortFunc(out, func(a, b Pool) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// placement turns a pool's labels into a nodeSelector and its taints into tolerations.
func placement(name string, pool schema.NodePool) Placement {
	pl := Placement{Pool: name, NodeSelector: pool.Labels}
	for _, t := range pool.Taints {
		tol := corev1.Toleration{Key: t.Key, Operator: corev1.TolerationOpEqual, Value: t.Value, Effect: corev1.TaintEffect(t.Effect)}
		if t.Value == "" {
			tol.Operator = corev1.TolerationOpExists
		}
		pl.Tolerations = append(pl.Tolerations, tol)
	}
	return pl
}
