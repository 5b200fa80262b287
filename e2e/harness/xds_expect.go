package harness

import (
	"fmt"
	"strings"
	"time"
)

// routeExpect is what the spec says one route does, in the terms Envoy's route table
// uses: the request matches, the clusters and their weights, the timeout, header edits,
// the rewrite or the redirect.
type routeExpect struct {
	Kind      string // HTTPRoute or GRPCRoute: the object krm-gen renders for it
	Namespace string
	Name      string
	Mesh      bool   // a mesh route: its parent is Service (MeshService), served by a waypoint
	Service   string // mesh routes: the parent Service's host (name.ns.svc.cluster.local)
	SvcPort   int32  // mesh routes: the parent Service's port
	Matches   []matchExpect
	Backends  []backendExpect
	Timeout   time.Duration // 0: the spec sets none (not compared)
	Request   *specHeaders
	Response  *specHeaders
	Rewrite   string // prefix rewrite ("" for none)
	Redirect  *specRedirect
	// Listener, when set, is the one Gateway listener the route belongs on whatever its
	// parentRefs say ("*": every listener; the health route must answer on all of them).
	Listener string
	// HealthPath is set on the health route: on every listener, the first route that
	// matches this path must be the health route (a redirect or app route before it would
	// take the load balancer's probe).
	HealthPath string
}

// matchExpect is one request match. PathType is PathPrefix, Exact or "" (gRPC, or none:
// every path).
type matchExpect struct {
	PathType, Path string
	Method         string
	Headers        map[string]string
	Query          map[string]string
	GRPCService    string
	GRPCMethod     string
}

// backendExpect is a cluster and the weight the spec gives it.
type backendExpect struct {
	Cluster string
	Weight  uint32
}

// ID is the route's object, as the report names it.
func (e routeExpect) ID() string { return fmt.Sprintf("%s %s/%s", e.Kind, e.Namespace, e.Name) }

// String summarizes a match for the report: "/podinfo", "= /login", "/podinfo x-beta=true",
// "grpc grpc.health.v1.Health/*".
func (m matchExpect) String() string {
	var parts []string
	switch {
	case m.GRPCService != "" || m.GRPCMethod != "":
		parts = append(parts, "grpc "+or(m.GRPCService, "*")+"/"+or(m.GRPCMethod, "*"))
	case m.PathType == "Exact":
		parts = append(parts, "="+m.Path)
	case m.Path != "":
		parts = append(parts, m.Path)
	default:
		parts = append(parts, "/")
	}
	if m.Method != "" {
		parts = append(parts, m.Method)
	}
	for _, k := range sortedNames(m.Headers) {
		parts = append(parts, k+"="+m.Headers[k])
	}
	for _, k := range sortedNames(m.Query) {
		parts = append(parts, "?"+k+"="+m.Query[k])
	}
	return strings.Join(parts, " ")
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// clusterName is Istio's name of the outbound cluster of a Service port.
func clusterName(svc, ns string, port int32) string {
	return fmt.Sprintf("outbound|%d||%s.%s.svc.cluster.local", port, svc, ns)
}

// healthPort is the port of krm-gen's health responder Service (model.HealthPort).
const healthPort = 8080

// expectations turns the spec's routes into what Envoy should get: the health route, each
// spec route, each mesh route, and with gateway.http.redirectToHTTPS the redirect.
// gatewayNS is the gateway's namespace (where the redirect route lives).
func (s *specRoutes) expectations(gatewayNS string, redirectToHTTPS bool) ([]routeExpect, error) {
	healthNS, healthPath := or(s.Health.Namespace, "gateway-health"), or(s.Health.Path, "/healthz")
	out := []routeExpect{{
		Kind: "HTTPRoute", Namespace: healthNS, Name: "health-responder",
		Matches:  []matchExpect{{PathType: "PathPrefix", Path: healthPath}},
		Backends: []backendExpect{{Cluster: clusterName("health-responder", healthNS, healthPort), Weight: 1}},
		Listener: "*", HealthPath: healthPath,
	}}
	for i, r := range s.Routes {
		grpc := strings.EqualFold(r.Protocol, "GRPC")
		backends := r.Backends
		switch {
		case r.Backend != nil:
			backends = []specBackend{*r.Backend}
		case r.App != "":
			backends = []specBackend{{App: r.App}}
		}
		e := routeExpect{Kind: "HTTPRoute", Name: routeName(r), Namespace: r.Namespace}
		if grpc {
			e.Kind = "GRPCRoute"
		}
		if e.Namespace == "" && len(backends) > 0 {
			_, e.Namespace, _ = s.backend(backends[0], "", grpc)
		}
		if e.Namespace == "" {
			return nil, fmt.Errorf("spec.routes[%d] (%s): no namespace and no backend", i, e.Name)
		}
		var short []matchExpect
		if r.Path != "" {
			short = []matchExpect{{PathType: or(r.Match, "PathPrefix"), Path: r.Path}}
		}
		if err := s.fill(&e, r.specRule, short, backends, grpc); err != nil {
			return nil, fmt.Errorf("spec.routes[%d] (%s): %w", i, e.Name, err)
		}
		out = append(out, e)
	}
	for i, r := range s.MeshRoutes {
		e := routeExpect{Kind: "HTTPRoute", Name: r.Name, Namespace: r.Service.Namespace, Mesh: true,
			Service: r.Service.Name + "." + r.Service.Namespace + ".svc.cluster.local", SvcPort: r.Service.Port}
		if err := s.fill(&e, r.specRule, nil, r.Backends, false); err != nil {
			return nil, fmt.Errorf("spec.meshRoutes[%d] (%s): %w", i, e.Name, err)
		}
		out = append(out, e)
	}
	if redirectToHTTPS {
		out = append(out, routeExpect{Kind: "HTTPRoute", Namespace: gatewayNS, Name: "https-redirect",
			Matches:  []matchExpect{{PathType: "PathPrefix", Path: "/"}},
			Redirect: &specRedirect{Scheme: "https", StatusCode: 301}, Listener: "http"})
	}
	return out, nil
}

// fill sets a route's matches, backends and filters from its spec rule.
func (s *specRoutes) fill(e *routeExpect, r specRule, short []matchExpect, backends []specBackend, grpc bool) error {
	e.Matches = short
	for _, m := range r.Matches {
		me := matchExpect{Path: m.Path, Method: m.Method, Headers: m.Headers, Query: m.QueryParams}
		if m.Path != "" {
			me.PathType = or(m.Match, "PathPrefix")
		}
		if m.GRPC != nil {
			me.GRPCService, me.GRPCMethod = m.GRPC.Service, m.GRPC.Method
		}
		e.Matches = append(e.Matches, me)
	}
	if len(e.Matches) == 0 {
		e.Matches = []matchExpect{{PathType: "PathPrefix", Path: "/"}}
		if grpc {
			e.Matches = []matchExpect{{}}
		}
	}
	for _, b := range backends {
		svc, ns, port := s.backend(b, e.Namespace, grpc)
		if port == 0 {
			return fmt.Errorf("backend %s/%s: no port", ns, svc)
		}
		w := uint32(1)
		if b.Weight != nil {
			w = uint32(*b.Weight)
		}
		e.Backends = append(e.Backends, backendExpect{Cluster: clusterName(svc, ns, port), Weight: w})
	}
	if r.Timeout != "" {
		d, err := time.ParseDuration(r.Timeout)
		if err != nil {
			return fmt.Errorf("timeout %q: %w", r.Timeout, err)
		}
		e.Timeout = d
	}
	e.Request, e.Response, e.Rewrite = r.RequestHeaders, r.ResponseHeaders, r.Rewrite
	if rd := r.Redirect; rd != nil {
		c := *rd
		if c.StatusCode == 0 {
			c.StatusCode = 302
		}
		e.Redirect = &c
	}
	return nil
}

// backend resolves a spec backend to its Service: an app's (its service name and port, an
// inline app's first port, or its first gRPC port for a gRPC route), or the Service named.
func (s *specRoutes) backend(b specBackend, routeNS string, grpc bool) (svc, ns string, port int32) {
	if b.App == "" {
		return b.Service, or(b.Namespace, routeNS), b.Port
	}
	svc, ns = b.App, or(b.Namespace, routeNS)
	for _, a := range s.Apps {
		if a.Name != b.App {
			continue
		}
		svc, ns = a.Name, a.Namespace
		if a.Service != nil {
			svc, port = or(a.Service.Name, a.Name), a.Service.Port
		}
		if port == 0 && a.Port != 0 {
			port = a.Port
		}
		if port == 0 && len(a.Ports) > 0 {
			port = a.Ports[0].Port
		}
		if grpc && (a.Image != "" || len(a.Versions) > 0) {
			for _, p := range a.Ports {
				if strings.EqualFold(p.Protocol, "GRPC") {
					port = p.Port
					break
				}
			}
		}
	}
	if b.Version != "" {
		svc = b.App + "-" + b.Version // the version's own Service
	}
	if b.Port != 0 {
		port = b.Port
	}
	return svc, ns, port
}
