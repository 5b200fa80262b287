package model

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// requirements completes r from def: whatever the spec sets, the container gets a
// request and a limit of every resource def has. A default limit below the spec's
// request is raised to the request (and a default request above the spec's limit
// lowered to it). Quantities that do not parse are left out (validation reports them).
func requirements(r *schema.Resources, def schema.Resources) corev1.ResourceRequirements {
	req, lim := quantities(def.Requests), quantities(def.Limits)
	if r != nil {
		setReq, setLim := quantities(r.Requests), quantities(r.Limits)
		for k, v := range setReq {
			req[k] = v
			if _, set := setLim[k]; !set {
				if l, ok := lim[k]; ok && l.Cmp(v) < 0 {
					lim[k] = v
				}
			}
		}
		for k, v := range setLim {
			lim[k] = v
			if _, set := setReq[k]; !set {
				if q, ok := req[k]; ok && v.Cmp(q) < 0 {
					req[k] = v
				}
			}
		}
	}
	out := corev1.ResourceRequirements{}
	if len(req) > 0 {
		out.Requests = req
	}
	if len(lim) > 0 {
		out.Limits = lim
	}
	return out
}

func quantities(in map[string]string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for k, v := range in {
		if q, err := resource.ParseQuantity(v); err == nil {
			out[corev1.ResourceName(k)] = q
		}
	}
	return out
}

// istiodResources are the istiod pod's requests and limits krm-gen sets in the istiod
// chart's values (pilot.resources).
var istiodResources = schema.Resources{
	Requests: map[string]string{"cpu": "200m", "memory": "512Mi"},
	Limits:   map[string]string{"cpu": "1", "memory": "1Gi"},
}

// IstiodValues returns istiod's requests and limits in the chart's values form.
func IstiodValues() map[string]any {
	return map[string]any{"requests": maps.Clone(istiodResources.Requests), "limits": maps.Clone(istiodResources.Limits)}
}

// IstiodResources returns istiod's requests and limits, parsed.
func IstiodResources() corev1.ResourceRequirements {
	return requirements(nil, istiodResources)
}
