package render

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
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

func resourceQuantity(s string) resource.Quantity { return resource.MustParse(s) }
