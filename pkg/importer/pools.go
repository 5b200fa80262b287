package importer

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// pool is a node pool found from the placements in use.
type pool struct {
	name   string
	labels map[string]string
	taints []schema.Taint
}

// poolSet collects the distinct placements (nodeSelector + tolerations) of the input.
type poolSet struct{ pools []*pool }

var dnsLabel = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$`)

// pool returns the name of the pool with these labels and the taints the tolerations
// tolerate, adding it when new; "" for no nodeSelector. A toleration without a key
// tolerates anything and says nothing about a pool (ignored); one with a key and
// operator Exists tolerates a taint without a value.
func (s *poolSet) pool(sel map[string]string, tols []corev1.Toleration) string {
	if len(sel) == 0 {
		return ""
	}
	var taints []schema.Taint
	for _, t := range tols {
		if t.Key == "" {
			continue
		}
		value := t.Value
		if t.Operator == corev1.TolerationOpExists {
			value = ""
		}
		taints = append(taints, schema.Taint{Key: t.Key, Value: value, Effect: schema.TaintEffect(t.Effect)})
	}
	for _, p := range s.pools {
		if maps.Equal(p.labels, sel) {
			if len(taints) > len(p.taints) {
				p.taints = taints // the toleration-rich placement tells the pool's taints
			}
			return p.name
		}
	}
	name := ""
	if len(sel) == 1 {
		for _, v := range sel {
			if dnsLabel.MatchString(v) && v != "true" && v != "false" {
				name = v
			}
		}
	}
	for name == "" || slices.ContainsFunc(s.pools, func(p *pool) bool { return p.name == name }) {
		name = fmt.Sprintf("pool-%d", len(s.pools)+1)
	}
	s.pools = append(s.pools, &pool{name: name, labels: maps.Clone(sel), taints: taints})
	return name
}

// spec is the pools as the spec's nodePools.
func (s *poolSet) spec() map[string]schema.NodePool {
	if len(s.pools) == 0 {
		return nil
	}
	out := map[string]schema.NodePool{}
	for _, p := range s.pools {
		sort.SliceStable(p.taints, func(i, j int) bool { return p.taints[i].Key < p.taints[j].Key })
		out[p.name] = schema.NodePool{Labels: p.labels, Taints: p.taints}
	}
	return out
}

// defaultPool gives a platform whose input places nothing (no nodeSelector anywhere,
// no Terraform pools) the one pool a cluster needs: system, for the gateway, its
// waypoints and, unplaced, every app.
func (b *builder) defaultPool() {
	s := &b.p.Spec
	if len(s.NodePools) > 0 {
		return
	}
	s.NodePools = map[string]schema.NodePool{"system": {Labels: map[string]string{"role": "system"}}}
	if s.Gateway.NodePool == "" {
		s.Gateway.NodePool = "system"
	}
	b.res.Notes["spec.nodePools"] = "the input places no pod on a node pool: one pool for everything; give the apps pools of their own"
	b.differ("node pool system (nodes labelled role=system): the gateway and waypoints run on it, the apps on any node")
}

// httpsOnEKS gives an EKS platform whose Gateway has no HTTPS listener one: the ALB of
// layers 1-2 forwards to the gateway's HTTPS listener (terraform/alb.tf).
func (b *builder) httpsOnEKS() {
	s := &b.p.Spec
	if (s.Provider != "" && s.Provider != schema.ProviderEKS) || s.Gateway.HTTPS != nil {
		return
	}
	s.Gateway.HTTPS = &schema.HTTPSListener{}
	b.res.Notes["spec.gateway.https"] = "added: on eks the ALB forwards to the gateway's HTTPS listener; create its TLS Secret (or set https.certificate)"
	b.differ("Gateway %s/%s: gets an HTTPS listener on 443 (the ALB's target; its TLS Secret must exist)", s.Gateway.Namespace, s.Gateway.Name)
}
