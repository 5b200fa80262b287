package harness

import (
	"strings"
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The Envoy routes below are what istiod sent the gateway of out/eks-apps (trimmed).

func exact(v string) *matcher.StringMatcher {
	return &matcher.StringMatcher{MatchPattern: &matcher.StringMatcher_Exact{Exact: v}}
}

func weighted(ws map[string]uint32) *route.Route_Route {
	var cs []*route.WeightedCluster_ClusterWeight
	for _, n := range sortedNames(ws) {
		cs = append(cs, &route.WeightedCluster_ClusterWeight{Name: n, Weight: wrapperspb.UInt32(ws[n])})
	}
	return &route.Route_Route{Route: &route.RouteAction{ClusterSpecifier: &route.RouteAction_WeightedClusters{WeightedClusters: &route.WeightedCluster{Clusters: cs}}}}
}

func podinfoRoute(w1, w2 uint32) *route.Route {
	r := &route.Route{
		Name:  "podinfo.podinfo.0",
		Match: &route.RouteMatch{PathSpecifier: &route.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/podinfo"}},
		RequestHeadersToAdd: []*core.HeaderValueOption{
			{Header: &core.HeaderValue{Key: "x-env", Value: "prod"}, AppendAction: core.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD},
			{Header: &core.HeaderValue{Key: "x-via", Value: "gateway"}},
		},
		RequestHeadersToRemove:  []string{"x-debug"},
		ResponseHeadersToRemove: []string{"x-powered-by"},
	}
	a := weighted(map[string]uint32{"outbound|9898||podinfo.podinfo.svc.cluster.local": w1, "outbound|9898||podinfo-canary.podinfo.svc.cluster.local": w2})
	a.Route.Timeout = durationpb.New(10 * time.Second)
	a.Route.RegexRewrite = &matcher.RegexMatchAndSubstitute{Pattern: &matcher.RegexMatcher{Regex: "^/podinfo(/?)(.*)"}, Substitution: `/\2`}
	r.Action = a
	return r
}

func betaRoute() *route.Route {
	return &route.Route{
		Name: "podinfo.podinfo-beta.0",
		Match: &route.RouteMatch{PathSpecifier: &route.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/podinfo"},
			Headers: []*route.HeaderMatcher{{Name: "x-beta", HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{StringMatch: exact("true")}}}},
		Action: &route.Route_Route{Route: &route.RouteAction{ClusterSpecifier: &route.RouteAction_Cluster{Cluster: "outbound|9898||podinfo-canary.podinfo.svc.cluster.local"}}},
	}
}

func redirectRoute(code route.RedirectAction_RedirectResponseCode) *route.Route {
	return &route.Route{
		Name:   "istio-ingress.https-redirect.0",
		Match:  &route.RouteMatch{PathSpecifier: &route.RouteMatch_Prefix{Prefix: "/"}},
		Action: &route.Route_Redirect{Redirect: &route.RedirectAction{SchemeRewriteSpecifier: &route.RedirectAction_SchemeRedirect{SchemeRedirect: "https"}, ResponseCode: code}},
	}
}

func table(domains []string, routes ...*route.Route) *route.RouteConfiguration {
	return &route.RouteConfiguration{Name: "https.443", VirtualHosts: []*route.VirtualHost{{Name: "vh", Domains: domains, Routes: routes}}}
}

func podinfoExpect(w1, w2 uint32) routeExpect {
	return routeExpect{
		Kind: "HTTPRoute", Namespace: "podinfo", Name: "podinfo",
		Matches: []matchExpect{{PathType: "PathPrefix", Path: "/podinfo"}},
		Backends: []backendExpect{
			{Cluster: "outbound|9898||podinfo.podinfo.svc.cluster.local", Weight: w1},
			{Cluster: "outbound|9898||podinfo-canary.podinfo.svc.cluster.local", Weight: w2},
		},
		Timeout:  10 * time.Second,
		Request:  &specHeaders{Set: map[string]string{"x-env": "prod"}, Add: map[string]string{"x-via": "gateway"}, Remove: []string{"x-debug"}},
		Response: &specHeaders{Remove: []string{"x-powered-by"}},
		Rewrite:  "/",
	}
}

func TestCompareRoute(t *testing.T) {
	clusters := map[string]bool{
		"outbound|9898||podinfo.podinfo.svc.cluster.local": true, "outbound|9898||podinfo-canary.podinfo.svc.cluster.local": true,
	}
	beta := routeExpect{Kind: "HTTPRoute", Namespace: "podinfo", Name: "podinfo-beta",
		Matches:  []matchExpect{{PathType: "PathPrefix", Path: "/podinfo", Headers: map[string]string{"X-Beta": "true"}}},
		Backends: []backendExpect{{Cluster: "outbound|9898||podinfo-canary.podinfo.svc.cluster.local", Weight: 1}}}
	redirect := routeExpect{Kind: "HTTPRoute", Namespace: "istio-ingress", Name: "https-redirect",
		Matches: []matchExpect{{PathType: "PathPrefix", Path: "/"}}, Redirect: &specRedirect{Scheme: "https", StatusCode: 301}}
	for _, tc := range []struct {
		name      string
		rc        *route.RouteConfiguration
		e         routeExpect
		hostnames []string
		want      string // "" = no problem; else a substring of the problems
	}{
		{"canary as in the spec", table([]string{"*"}, betaRoute(), podinfoRoute(90, 10)), podinfoExpect(90, 10), nil, ""},
		{"weights scaled by istiod", table([]string{"*"}, podinfoRoute(900, 100)), podinfoExpect(90, 10), nil, ""},
		{"weight changed after rendering", table([]string{"*"}, podinfoRoute(50, 50)), podinfoExpect(90, 10), nil, "weight 50 of 100, the spec says 90 of 100"},
		{"cluster not in the spec", table([]string{"*"}, podinfoRoute(90, 10)), func() routeExpect {
			e := podinfoExpect(90, 10)
			e.Backends = e.Backends[:1]
			return e
		}(), nil, "is not a backend of the spec"},
		{"timeout differs", table([]string{"*"}, podinfoRoute(90, 10)), func() routeExpect { e := podinfoExpect(90, 10); e.Timeout = 5 * time.Second; return e }(), nil, "timeout 10s, want 5s"},
		{"header not set", table([]string{"*"}, podinfoRoute(90, 10)), func() routeExpect {
			e := podinfoExpect(90, 10)
			e.Request = &specHeaders{Set: map[string]string{"x-via": "gateway"}}
			return e
		}(), nil, "request header x-via is not set"},
		{"rewrite differs", table([]string{"*"}, podinfoRoute(90, 10)), func() routeExpect { e := podinfoExpect(90, 10); e.Rewrite = "/v2"; return e }(), nil, "path rewrite"},
		{"header match (names case-insensitive)", table([]string{"*"}, podinfoRoute(90, 10), betaRoute()), beta, nil, ""},
		{"header match missing", table([]string{"*"}, podinfoRoute(90, 10)), beta, nil, "no route of HTTPRoute podinfo/podinfo-beta matches /podinfo x-beta=true"},
		{"no virtual host for the hostname", table([]string{"*"}, podinfoRoute(90, 10)), podinfoExpect(90, 10), []string{"shop.example.com"}, "no virtual host for shop.example.com"},
		{"redirect", table([]string{"*"}, redirectRoute(route.RedirectAction_MOVED_PERMANENTLY)), redirect, nil, ""},
		{"redirect code differs", table([]string{"*"}, redirectRoute(route.RedirectAction_FOUND)), redirect, nil, "redirect code FOUND, want MOVED_PERMANENTLY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := compareRoute(tc.rc, tc.e, tc.hostnames, clusters, false)
			got := strings.Join(problems, "; ")
			switch {
			case tc.want == "" && got != "":
				t.Fatalf("unexpected problems: %s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Fatalf("problems %q do not contain %q", got, tc.want)
			}
		})
	}
}

func TestHealthFirst(t *testing.T) {
	health := &route.Route{Name: "gateway-health.health-responder.0",
		Match:  &route.RouteMatch{PathSpecifier: &route.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/healthz"}},
		Action: &route.Route_Route{Route: &route.RouteAction{ClusterSpecifier: &route.RouteAction_Cluster{Cluster: "outbound|8080||health-responder.gateway-health.svc.cluster.local"}}}}
	e := routeExpect{Kind: "HTTPRoute", Namespace: "gateway-health", Name: "health-responder", HealthPath: "/healthz",
		Matches:  []matchExpect{{PathType: "PathPrefix", Path: "/healthz"}},
		Backends: []backendExpect{{Cluster: "outbound|8080||health-responder.gateway-health.svc.cluster.local", Weight: 1}}}
	for _, tc := range []struct {
		name string
		rc   *route.RouteConfiguration
		ok   bool
	}{
		{"health before the redirect", table([]string{"*"}, health, redirectRoute(0)), true},
		{"redirect before health", table([]string{"*"}, redirectRoute(0), health), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := compareRoute(tc.rc, e, nil, nil, false)
			if (len(problems) == 0) != tc.ok {
				t.Fatalf("problems %v, want ok=%v", problems, tc.ok)
			}
		})
	}
}

func TestEnvoyMatchNormalized(t *testing.T) {
	for _, tc := range []struct {
		name  string
		envoy *route.RouteMatch
		spec  matchExpect
	}{
		{"exact path", &route.RouteMatch{PathSpecifier: &route.RouteMatch_Path{Path: "/login"}}, matchExpect{PathType: "Exact", Path: "/login"}},
		{"grpc service", &route.RouteMatch{PathSpecifier: &route.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/grpc.health.v1.Health"}}, matchExpect{GRPCService: "grpc.health.v1.Health"}},
		{"grpc method", &route.RouteMatch{PathSpecifier: &route.RouteMatch_Path{Path: "/shop.v1.Cart/Get"}}, matchExpect{GRPCService: "shop.v1.Cart", GRPCMethod: "Get"}},
		{"no path: every request", &route.RouteMatch{PathSpecifier: &route.RouteMatch_Prefix{Prefix: "/"},
			Headers: []*route.HeaderMatcher{{Name: "end-user", HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{StringMatch: exact("jason")}}}},
			matchExpect{Headers: map[string]string{"end-user": "jason"}}},
		{"method and query", &route.RouteMatch{PathSpecifier: &route.RouteMatch_Path{Path: "/api"},
			Headers:         []*route.HeaderMatcher{{Name: ":method", HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{StringMatch: exact("GET")}}},
			QueryParameters: []*route.QueryParameterMatcher{{Name: "v", QueryParameterMatchSpecifier: &route.QueryParameterMatcher_StringMatch{StringMatch: exact("2")}}}},
			matchExpect{PathType: "Exact", Path: "/api", Method: "GET", Query: map[string]string{"v": "2"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := envoyMatch(tc.envoy)
			if !ok || got.String() != tc.spec.normalized().String() {
				t.Fatalf("envoy %q (ok %v), spec %q", got, ok, tc.spec.normalized())
			}
		})
	}
}

func TestSameCluster(t *testing.T) {
	for _, tc := range []struct {
		want, got string
		waypoint  bool
		same      bool
	}{
		{"outbound|9080||reviews-v1.bookinfo.svc.cluster.local", "outbound|9080||reviews-v1.bookinfo.svc.cluster.local", false, true},
		{"outbound|9080||reviews-v1.bookinfo.svc.cluster.local", "inbound-vip|9080|http|reviews-v1.bookinfo.svc.cluster.local", true, true},
		{"outbound|9080||reviews-v1.bookinfo.svc.cluster.local", "inbound-vip|9081|http|reviews-v1.bookinfo.svc.cluster.local", true, false},
		{"outbound|9080||reviews-v1.bookinfo.svc.cluster.local", "inbound-vip|9080|http|reviews-v1.bookinfo.svc.cluster.local", false, false},
	} {
		if got := sameCluster(tc.want, tc.got, tc.waypoint); got != tc.same {
			t.Errorf("sameCluster(%q, %q, %v) = %v", tc.want, tc.got, tc.waypoint, got)
		}
	}
}
