package render

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// kindInfo is what krm-gen knows of a kind: whether it is namespaced. Its place in
// knownKinds is its place in every AppProject whitelist.
type kindInfo struct {
	metav1.GroupKind
	Namespaced bool
}

// knownKinds lists every kind krm-gen renders or lets an upstream source install; a
// rendered object of another kind is an error (its scope would be a guess).
func knownKinds() []kindInfo {
	c := func(group, kind string) kindInfo { return kindInfo{metav1.GroupKind{Group: group, Kind: kind}, false} }
	n := func(group, kind string) kindInfo { return kindInfo{metav1.GroupKind{Group: group, Kind: kind}, true} }
	return []kindInfo{
		c("", "Namespace"),
		c("apiextensions.k8s.io", "CustomResourceDefinition"),
		c("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
		c("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
		c("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
		c("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
		c("rbac.authorization.k8s.io", "ClusterRole"),
		c("rbac.authorization.k8s.io", "ClusterRoleBinding"),
		n("", "ConfigMap"),
		n("", "Service"),
		n("", "ServiceAccount"),
		n("", "Secret"),
		n("", "PersistentVolumeClaim"),
		n("apps", "Deployment"),
		n("apps", "StatefulSet"),
		n("batch", "Job"),
		n("batch", "CronJob"),
		n("autoscaling", "HorizontalPodAutoscaler"),
		n("policy", "PodDisruptionBudget"),
		n("networking.k8s.io", "NetworkPolicy"),
		n("gateway.networking.k8s.io", "Gateway"),
		n("gateway.networking.k8s.io", "HTTPRoute"),
		n("gateway.networking.k8s.io", "GRPCRoute"),
		n("gateway.networking.k8s.io", "ReferenceGrant"),
		n("cert-manager.io", "Certificate"),
		c("cert-manager.io", "ClusterIssuer"),
		n("elbv2.k8s.aws", "TargetGroupBinding"),
		n("security.istio.io", "PeerAuthentication"),
		n("security.istio.io", "AuthorizationPolicy"),
		n("argoproj.io", "Application"),
		n("argoproj.io", "AppProject"),
	}
}

// kinds indexes knownKinds.
type kinds struct {
	info  map[metav1.GroupKind]kindInfo
	order map[metav1.GroupKind]int
}

func newKinds() kinds {
	k := kinds{info: map[metav1.GroupKind]kindInfo{}, order: map[metav1.GroupKind]int{}}
	for i, ki := range knownKinds() {
		k.info[ki.GroupKind] = ki
		k.order[ki.GroupKind] = i
	}
	return k
}

// of is the kind of a rendered object.
func (k kinds) of(obj any) (kindInfo, error) {
	o, ok := obj.(interface{ GetObjectKind() schema.ObjectKind })
	if !ok {
		return kindInfo{}, fmt.Errorf("%T has no apiVersion and kind", obj)
	}
	gk := o.GetObjectKind().GroupVersionKind().GroupKind()
	ki, ok := k.info[metav1.GroupKind{Group: gk.Group, Kind: gk.Kind}]
	if !ok {
		return kindInfo{}, fmt.Errorf("kind %s of %T is not in knownKinds (pkg/render/kinds.go): add it with its scope", gk, obj)
	}
	return ki, nil
}
