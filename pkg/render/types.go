package render

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// metav1LabelSelector shortens a frequently used type name.
type metav1LabelSelector = metav1.LabelSelector

// typeMetaObj and objectMeta are the header of objects whose Go API module cannot be
// used here (AWS Load Balancer Controller, cert-manager): small structs, same JSON.
type typeMetaObj struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

type objectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

func toLabelMap(in map[string]string) map[gwv1.LabelKey]gwv1.LabelValue {
	if len(in) == 0 {
		return nil
	}
	out := make(map[gwv1.LabelKey]gwv1.LabelValue, len(in))
	for k, v := range in {
		out[gwv1.LabelKey(k)] = gwv1.LabelValue(v)
	}
	return out
}

func toAnnotationMap(in map[string]string) map[gwv1.AnnotationKey]gwv1.AnnotationValue {
	if len(in) == 0 {
		return nil
	}
	out := make(map[gwv1.AnnotationKey]gwv1.AnnotationValue, len(in))
	for k, v := range in {
		out[gwv1.AnnotationKey(k)] = gwv1.AnnotationValue(v)
	}
	return out
}

// resourceRequirements converts validated quantity strings.
func resourceRequirements(r *schema.Resources) corev1.ResourceRequirements {
	conv := func(in map[string]string) corev1.ResourceList {
		if len(in) == 0 {
			return nil
		}
		out := corev1.ResourceList{}
		for k, v := range in {
			out[corev1.ResourceName(k)] = resource.MustParse(v)
		}
		return out
	}
	if r == nil {
		return corev1.ResourceRequirements{}
	}
	return corev1.ResourceRequirements{Requests: conv(r.Requests), Limits: conv(r.Limits)}
}

func resourceQuantity(s string) resource.Quantity { return resource.MustParse(s) }

// withDefaults fills every request and limit r leaves unset from def, so whatever
// the spec sets, every container has cpu and memory requests and limits. A default
// limit below the spec's request is raised to the request.
func withDefaults(r, def *schema.Resources) *schema.Resources {
	out := &schema.Resources{Requests: map[string]string{}, Limits: map[string]string{}}
	for k, v := range def.Requests {
		out.Requests[k] = v
	}
	for k, v := range def.Limits {
		out.Limits[k] = v
	}
	if r == nil {
		return out
	}
	for k, v := range r.Requests {
		out.Requests[k] = v
		if _, set := r.Limits[k]; !set {
			if lim, ok := out.Limits[k]; ok && less(lim, v) {
				out.Limits[k] = v
			}
		}
	}
	for k, v := range r.Limits {
		out.Limits[k] = v
		if _, set := r.Requests[k]; !set {
			if req, ok := out.Requests[k]; ok && less(v, req) {
				out.Requests[k] = v
			}
		}
	}
	return out
}

// less compares two validated quantities.
func less(a, b string) bool {
	qa, qb := resource.MustParse(a), resource.MustParse(b)
	return qa.Cmp(qb) < 0
}
