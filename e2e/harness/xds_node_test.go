package harness

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func gatewayPod(args ...string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "gw-istio-abc", Namespace: "istio-ingress", Labels: map[string]string{gatewayNameLabel: "gw"}},
		Spec: corev1.PodSpec{NodeName: "system-node-1", ServiceAccountName: "gw-istio", Containers: []corev1.Container{{
			Name: "istio-proxy", Args: args,
			Env: []corev1.EnvVar{
				{Name: "ISTIO_META_CLUSTER_ID", Value: "Kubernetes"},
				{Name: "ISTIO_META_NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
				{Name: "ISTIO_META_WORKLOAD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['" + gatewayNameLabel + "']"}}},
				{Name: "ISTIO_META_SECRET", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "x"}}},
				{Name: "POD_NAME", Value: "not metadata"},
			},
		}}},
	}
}

func TestNodeFromPod(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pod      *corev1.Pod
		typ, err string
	}{
		{"ingress gateway", gatewayPod("proxy", "router", "--domain", "x"), "router", ""},
		{"waypoint", gatewayPod("proxy", "waypoint"), "waypoint", ""},
		{"no proxy type", gatewayPod("--domain", "x"), "", "name no proxy type"},
		{"no istio-proxy", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "n"}}, "", "has no istio-proxy container"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := nodeFromPod(tc.pod)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Type != tc.typ {
				t.Errorf("type %q, want %q", n.Type, tc.typ)
			}
			if id := nodeID(n); id != tc.typ+"~"+xdsPodIP+"~gw-istio-abc.istio-ingress~istio-ingress.svc.cluster.local" {
				t.Errorf("node ID %s", id)
			}
			want := map[string]any{"CLUSTER_ID": "Kubernetes", "NODE_NAME": "system-node-1", "WORKLOAD_NAME": "gw", "NAMESPACE": "istio-ingress", "SERVICE_ACCOUNT": "gw-istio"}
			for k, v := range want {
				if n.Meta[k] != v {
					t.Errorf("meta %s = %v, want %v", k, n.Meta[k], v)
				}
			}
			if _, ok := n.Meta["SECRET"]; ok {
				t.Errorf("a secret reference cannot be resolved without a kubelet: %v", n.Meta)
			}
			if l, _ := n.Meta["LABELS"].(map[string]any); l[gatewayNameLabel] != "gw" {
				t.Errorf("LABELS %v", n.Meta["LABELS"])
			}
		})
	}
}
