package model

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

func TestPlacementFromPool(t *testing.T) {
	tests := []struct {
		name string
		pool schema.NodePool
		want []corev1.Toleration
	}{
		{"no taints", schema.NodePool{Labels: map[string]string{"role": "user"}}, nil},
		{"valued taint matches exactly", schema.NodePool{Taints: []schema.Taint{{Key: "CriticalAddonsOnly", Value: "true", Effect: "NoSchedule"}}},
			[]corev1.Toleration{{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoSchedule}}},
		{"valueless taint uses Exists", schema.NodePool{Taints: []schema.Taint{{Key: "gpu", Effect: "NoExecute"}}},
			[]corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := placement("p", tc.pool)
			if fmt.Sprint(got.Tolerations) != fmt.Sprint(tc.want) {
				t.Errorf("tolerations %v, want %v", got.Tolerations, tc.want)
			}
			if fmt.Sprint(got.NodeSelector) != fmt.Sprint(tc.pool.Labels) {
				t.Errorf("nodeSelector %v, want %v", got.NodeSelector, tc.pool.Labels)
			}
		})
	}
}

func platform() *schema.Platform {
	p := &schema.Platform{APIVersion: schema.APIVersion, Kind: schema.Kind, Metadata: schema.Metadata{Name: "t"}}
	p.Spec.Git = schema.Git{RepoURL: "https://example.com/r.git", Path: "out/t"}
	p.Spec.Gateway.HTTPS = &schema.HTTPSListener{}
	p.Spec.Apps = []schema.App{
		{Name: "a", Namespace: "ns-a", Workload: schema.Workload{Image: "x:1", Port: 80}},
		{Name: "b", Namespace: "ns-b", Workload: schema.Workload{Image: "x:1", Port: 81}},
	}
	p.Spec.Routes = []schema.Route{
		{Path: "/a", App: "a"},                     // same namespace: no grant
		{Path: "/b", App: "b", Namespace: "ns-a"},  // ns-a -> ns-b: grant in ns-b
		{Path: "/b2", App: "b", Namespace: "ns-a"}, // same pair, same Service: merged
		{Path: "/x", Backend: &schema.Backend{Service: "ext", Namespace: "ns-b", Port: 8080}, Namespace: "ns-a"},
	}
	p.Default()
	return p
}

func TestGrantsOnlyForCrossNamespaceReferences(t *testing.T) {
	m := Build(platform(), "")
	if len(m.Grants) != 1 {
		t.Fatalf("grants %+v, want one", m.Grants)
	}
	g := m.Grants[0]
	if g.Namespace != "ns-b" || g.FromNamespace != "ns-a" || g.ToKind != "Service" || fmt.Sprint(g.ToNames) != "[b ext]" {
		t.Errorf("grant %+v", g)
	}
}

func TestNamespacesAndGatewayIdentity(t *testing.T) {
	m := Build(platform(), "")
	var names []string
	for _, ns := range m.Namespaces {
		names = append(names, ns.Name)
		if ns.Managed && ns.Labels[LabelDataplaneMode] != "ambient" {
			t.Errorf("namespace %s not labelled ambient", ns.Name)
		}
	}
	if want := "[gateway-health istio-ingress ns-a ns-b]"; fmt.Sprint(names) != want {
		t.Errorf("namespaces %v, want %s", names, want)
	}
	if m.Gateway.Principal != "cluster.local/ns/istio-ingress/sa/t-gateway-istio" {
		t.Errorf("principal %s", m.Gateway.Principal)
	}
}

// TestNamespacePodSecurityIsTheLowestOfItsApps: a namespace enforces the lowest level
// any of its apps needs, whatever the apps' names (the health responder, which only
// the model creates, included): before the fix the app sorting last by name won.
func TestNamespacePodSecurityIsTheLowestOfItsApps(t *testing.T) {
	for _, name := range []string{"abc", "zzz"} {
		t.Run(name, func(t *testing.T) {
			p := platform()
			p.Spec.Apps = append(p.Spec.Apps, schema.App{
				Name: name, Namespace: schema.DefaultHealthNamespace, PodSecurity: schema.PodSecurityBaseline,
				Workload: schema.Workload{Image: "x:1", Port: 80, Replicas: 1},
			})
			m := Build(p, "")
			for _, ns := range m.Namespaces {
				want := schema.PodSecurityRestricted
				if ns.Name == schema.DefaultHealthNamespace {
					want = schema.PodSecurityBaseline
				}
				if ns.HasApps && (ns.PodSecurity != want || ns.Labels[LabelPSAEnforce] != string(want)) {
					t.Errorf("namespace %s enforces %s (label %q), want %s", ns.Name, ns.PodSecurity, ns.Labels[LabelPSAEnforce], want)
				}
			}
		})
	}
}

func TestPodSecurityLowest(t *testing.T) {
	r, b, p := schema.PodSecurityRestricted, schema.PodSecurityBaseline, schema.PodSecurityPrivileged
	for _, tc := range []struct{ a, b, want schema.PodSecurityLevel }{
		{r, r, r}, {r, b, b}, {b, r, b}, {b, p, p}, {p, r, p}, {p, p, p},
	} {
		if got := tc.a.Lowest(tc.b); got != tc.want {
			t.Errorf("%s.Lowest(%s) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}
