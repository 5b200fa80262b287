package model

import (
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
