package harness

import (
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

const expectSpec = `
apps:
- {name: podinfo, namespace: podinfo, helm: {chart: podinfo}, service: {name: podinfo, port: 9898}}
- {name: canary, namespace: podinfo, helm: {chart: podinfo}, service: {name: podinfo-canary, port: 9898}}
- {name: shop, namespace: shop, image: nginx, ports: [{name: http, port: 8080}, {name: grpc, port: 9090, protocol: GRPC}]}
- {name: legacy, namespace: legacy, image: nginx, port: 8081}
- {name: ratings, namespace: bookinfo, port: 9080, versions: [{name: v1, image: a}, {name: v2, image: b}]}
health: {path: /ready}
routes:
- name: podinfo
  matches: [{path: /podinfo}]
  backends: [{app: podinfo, weight: 90}, {app: canary, weight: 10}]
  timeout: 1m30s
  rewrite: /
- {path: /api/Users/, app: legacy}
- {name: grpc, protocol: GRPC, matches: [{grpc: {service: shop.v1.Cart}}], app: shop}
- {name: old, namespace: shop, path: /store, redirect: {path: /shop}}
- {path: /ext, backend: {service: ext, namespace: other, port: 80}}
meshRoutes:
- name: reviews
  service: {name: reviews, namespace: bookinfo, port: 9080}
  backends: [{service: reviews-v1, port: 9080, weight: 90}, {service: reviews-v3, port: 9080, weight: 10}]
- name: ratings
  service: {name: ratings, namespace: bookinfo, port: 9080}
  backends: [{app: ratings, version: v1, weight: 3}, {app: ratings, version: v2, weight: 1}]
`

func TestExpectations(t *testing.T) {
	var s specRoutes
	if err := yaml.Unmarshal([]byte(expectSpec), &s); err != nil {
		t.Fatal(err)
	}
	es, err := s.expectations("istio-ingress", true)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]routeExpect{}
	for _, e := range es {
		got[e.ID()] = e
	}
	for _, tc := range []struct {
		id, matches, backends string
		check                 func(routeExpect) bool
	}{
		{"HTTPRoute gateway-health/health-responder", "/ready", "outbound|8080||health-responder.gateway-health.svc.cluster.local", nil},
		{"HTTPRoute podinfo/podinfo", "/podinfo", "outbound|9898||podinfo.podinfo.svc.cluster.local 90, outbound|9898||podinfo-canary.podinfo.svc.cluster.local 10",
			func(e routeExpect) bool { return e.Timeout == 90*time.Second && e.Rewrite == "/" }},
		{"HTTPRoute legacy/api-users", "/api/Users/", "outbound|8081||legacy.legacy.svc.cluster.local", nil},
		{"GRPCRoute shop/grpc", "grpc shop.v1.Cart/*", "outbound|9090||shop.shop.svc.cluster.local", nil},
		{"HTTPRoute shop/old", "/store", "", func(e routeExpect) bool {
			return e.Redirect != nil && e.Redirect.StatusCode == 302 && e.Redirect.Path == "/shop"
		}},
		{"HTTPRoute other/ext", "/ext", "outbound|80||ext.other.svc.cluster.local", nil},
		{"HTTPRoute bookinfo/reviews", "/", "outbound|9080||reviews-v1.bookinfo.svc.cluster.local 90, outbound|9080||reviews-v3.bookinfo.svc.cluster.local 10",
			func(e routeExpect) bool {
				return e.Mesh && e.Service == "reviews.bookinfo.svc.cluster.local" && e.SvcPort == 9080
			}},
		{"HTTPRoute bookinfo/ratings", "/", "outbound|9080||ratings-v1.bookinfo.svc.cluster.local 3, outbound|9080||ratings-v2.bookinfo.svc.cluster.local 1", nil},
		{"HTTPRoute istio-ingress/https-redirect", "/", "", func(e routeExpect) bool { return e.Redirect.Scheme == "https" && e.Redirect.StatusCode == 301 }},
	} {
		t.Run(tc.id, func(t *testing.T) {
			e, ok := got[tc.id]
			if !ok {
				t.Fatalf("no expectation %s (have %v)", tc.id, sortedNames(got))
			}
			var ms []string
			for _, m := range e.Matches {
				ms = append(ms, m.String())
			}
			if m := strings.Join(ms, " | "); m != tc.matches {
				t.Errorf("matches %q, want %q", m, tc.matches)
			}
			if b := backendsString(e.Backends); b != tc.backends {
				t.Errorf("backends %q, want %q", b, tc.backends)
			}
			if tc.check != nil && !tc.check(e) {
				t.Errorf("unexpected %+v", e)
			}
		})
	}
	if len(es) != 9 {
		t.Errorf("%d expectations, want 9", len(es))
	}
}

func TestRouteName(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/api/users", "api-users"}, {"/", "root"}, {"/2fa", "r-2fa"}, {"/API//v1_x", "api-v1-x"},
	} {
		if got := routeName(specRoute{Path: tc.path}); got != tc.want {
			t.Errorf("routeName(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
