package harness

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestGeneratedName(t *testing.T) {
	for _, tc := range []struct{ gateway, class, want string }{
		{"mtkx-gateway", "istio", "mtkx-gateway-istio"},
		{"waypoint", "istio-waypoint", "waypoint"},
		{"eastwest", "istio-east-west", "eastwest"},
	} {
		if got := generatedName(tc.gateway, tc.class); got != tc.want {
			t.Errorf("generatedName(%q, %q) = %q, want %q", tc.gateway, tc.class, got, tc.want)
		}
	}
}

func TestWaypointService(t *testing.T) {
	svc := func(typ corev1.ServiceType, ports ...int32) *corev1.Service {
		s := &corev1.Service{Spec: corev1.ServiceSpec{Type: typ}}
		for _, p := range ports {
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "p", Port: p})
		}
		return s
	}
	for _, tc := range []struct {
		name   string
		svc    *corev1.Service
		reason string
	}{
		{"hbone", svc(corev1.ServiceTypeClusterIP, 15021, 15008), ""},
		{"no type", svc("", 15008), ""},
		{"load balancer", svc(corev1.ServiceTypeLoadBalancer, 15008), "WrongType"},
		{"no hbone", svc(corev1.ServiceTypeClusterIP, 15021), "NoHBONEPort"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := waypointService(tc.svc)
			if got := ""; err != nil {
				got = reasonOf(err)
				if got != tc.reason {
					t.Fatalf("reason %q, want %q (%v)", got, tc.reason, err)
				}
			} else if tc.reason != "" {
				t.Fatalf("passed, want %s", tc.reason)
			}
		})
	}
}

func TestRouteParentsServicePort(t *testing.T) {
	r := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": "reviews", "namespace": "bookinfo"},
		"spec": map[string]any{"parentRefs": []any{
			map[string]any{"group": "", "kind": "Service", "name": "reviews", "port": int64(9080)},
			map[string]any{"name": "gw", "namespace": "istio-ingress", "sectionName": "https"},
		}},
	}}
	got := routeParents(r)
	want := []string{"Service bookinfo/reviews:9080", "istio-ingress/gw/https"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("parent %d: %q, want %q", i, got[i], want[i])
		}
	}
	if orGateway(got[1].Kind) != "Gateway" || orGateway(got[0].Kind) != "Service" {
		t.Errorf("kinds %q %q", got[0].Kind, got[1].Kind)
	}
}
