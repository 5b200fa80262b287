package render

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// metav1LabelSelector shortens a frequently used type name.
type metav1LabelSelector = metav1.LabelSelector

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
