package importer

import (
	"slices"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// healthPaths are paths a load balancer's health route is recognised by.
var healthPaths = []string{"/healthz", "/health", "/ready", "/readyz", "/livez", "/healthz/ready"}

// isHealthRoute says whether an HTTPRoute is the load balancer's health route: it
// reaches krm-gen's health-responder, or matches one health path only.
func isHealthRoute(o *Object) bool {
	if o.Kind != "HTTPRoute" {
		return false
	}
	rules, _ := lookup(o.Raw, "spec", "rules").([]any)
	if len(rules) != 1 {
		return false
	}
	r, _ := rules[0].(map[string]any)
	if refs, _ := r["backendRefs"].([]any); len(refs) == 1 {
		if ref, _ := refs[0].(map[string]any); str(ref["name"]) == healthResponder {
			return true
		}
	}
	ms, _ := r["matches"].([]any)
	if len(ms) != 1 {
		return false
	}
	m, _ := ms[0].(map[string]any)
	return slices.Contains(healthPaths, str(lookup(m, "path", "value")))
}

// health reads the health route and krm-gen's health responder.
func (b *builder) health() {
	h := &b.p.Spec.Health
	for _, o := range b.ofKind("HTTPRoute") {
		if !isHealthRoute(o) {
			continue
		}
		o.used = true
		if o.Name != healthResponder {
			o.renamed = "HTTPRoute " + o.Namespace + "/" + healthResponder
		}
		rules, _ := lookup(o.Raw, "spec", "rules").([]any)
		r, _ := rules[0].(map[string]any)
		if ms, _ := r["matches"].([]any); len(ms) == 1 {
			m, _ := ms[0].(map[string]any)
			h.Path = str(lookup(m, "path", "value"))
		}
		h.Namespace = o.Namespace
		if refs, _ := r["backendRefs"].([]any); len(refs) == 1 {
			ref, _ := refs[0].(map[string]any)
			if name := str(ref["name"]); name != healthResponder {
				b.differ("%s: the health path %s is answered by krm-gen's health responder in %s, not by Service %s", o.Ref(), h.Path, o.Namespace, name)
			}
		}
		break
	}
	if h.Path == "" {
		b.differ("adds a health responder behind an HTTPRoute on /healthz (namespace %s), for the load balancer's probe", schema.DefaultHealthNamespace)
	}
	if o := b.find("Deployment", or(h.Namespace, schema.DefaultHealthNamespace), healthResponder); o != nil {
		var d appsv1.Deployment
		if o.decodeInto(&d) == nil {
			o.used = true
			pod := d.Spec.Template.Spec
			h.NodePool = b.pools.pool(pod.NodeSelector, pod.Tolerations)
			if len(pod.Containers) > 0 && pod.Containers[0].Image != schema.DefaultHealthImage {
				h.Image = pod.Containers[0].Image
			}
		}
		for _, k := range []string{"Service", "ServiceAccount", "ConfigMap"} {
			for _, n := range []string{healthResponder, healthResponder + "-files"} {
				if x := b.find(k, o.Namespace, n); x != nil {
					x.used = true
				}
			}
		}
	}
	if h.Path == schema.DefaultHealthPath {
		h.Path = ""
	}
	if h.Namespace == schema.DefaultHealthNamespace {
		h.Namespace = ""
	}
}
