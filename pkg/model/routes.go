package model

import (
	"cmp"
	"net/http"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Route kinds krm-gen renders.
const (
	KindGRPCRoute = "GRPCRoute"
)

// Route is one HTTPRoute or GRPCRoute: where it attaches, the hostnames it serves and
// its rules.
type Route struct {
	Name      string
	Namespace string
	Field     *field.Path // spec.routes[i] or spec.meshRoutes[i]; nil for the routes krm-gen adds itself
	Kind      string      // KindHTTPRoute or KindGRPCRoute
	Hostnames []string
	Parents   []Parent
	Rules     []Rule
	Health    bool // the health route: every listener, never redirected
	Mesh      bool // east-west: its parent is a Service, its waypoint serves it
	index     int  // position in spec.routes (then spec.meshRoutes)
	short     bool // its first match is the spec's short form path
}

// Parent is what a route attaches to: a Gateway (listener) or a Service (port).
type Parent struct {
	Kind      string // KindGateway or KindService
	Name      string
	Namespace string
	Section   string // Gateway: the listener ("" for every listener)
	Port      int32  // Service: the port
}

// Rule is one rule of a route: requests matching any of Matches go to Backends
// (weighted), through Filters.
type Rule struct {
	Matches  []Match
	Backends []Backend
	Filters  Filters
	Timeout  string // the request timeout, a Gateway API duration ("" for none)
}

// Match is one way a request matches a rule; its conditions are ANDed (exact values).
type Match struct {
	Path        string
	Type        schema.PathMatch // "" when the match has no path
	Method      schema.HTTPMethod
	Headers     map[string]string
	QueryParams map[string]string
	GRPCService string
	GRPCMethod  string
}

// Backend is a Service a rule forwards a share of its requests to.
type Backend struct {
	Service   string
	Namespace string
	Port      int32
	Weight    int32
}

// Filters change a rule's requests (or answers) on their way.
type Filters struct {
	RewritePrefix   string       // replaces the matched path prefix before forwarding
	RewritePath     string       // replaces the whole path (an Exact match's rewrite)
	Redirect        *Redirect    // answers with a redirect instead of forwarding
	RequestHeaders  *HeaderEdits // before forwarding
	ResponseHeaders *HeaderEdits // in the answer
	Mirror          *Mirror      // a copy of a share of the requests
}

// Redirect is an HTTP redirect answer.
type Redirect struct {
	Scheme     string
	Hostname   string
	Path       string // replaces the whole path ("" keeps it)
	Port       int32  // 0: the scheme's default port
	StatusCode int
}

// HeaderEdits set, add and remove headers.
type HeaderEdits struct {
	Set, Add map[string]string
	Remove   []string
}

// Mirror sends a copy of Percent of the requests to Backend.
type Mirror struct {
	Backend Backend
	Percent int32 // 0: every request
}

// CrossNamespace reports whether b is in another namespace than the route.
func (r *Route) CrossNamespace(b Backend) bool { return b.Namespace != r.Namespace }

// References are the Services a route's rules send requests to: backends and mirrors.
func (r *Route) References() []Backend {
	var out []Backend
	for _, rule := range r.Rules {
		out = append(out, rule.Backends...)
		if m := rule.Filters.Mirror; m != nil {
			out = append(out, m.Backend)
		}
	}
	return out
}

func routes(s *schema.Spec, m *Model) []Route {
	out := []Route{{
		Name: HealthResponderName, Namespace: m.Health.Namespace, Kind: KindHTTPRoute, Health: true,
		Parents: []Parent{m.gatewayParent("")},
		Rules: []Rule{{
			Matches:  []Match{{Path: m.Health.Path, Type: schema.MatchPathPrefix}},
			Backends: []Backend{{Service: HealthResponderName, Namespace: m.Health.Namespace, Port: HealthPort, Weight: 1}},
		}},
	}}
	for i, r := range s.Routes {
		rt := Route{
			Name:      r.Name,
			Namespace: r.Namespace,
			Field:     field.NewPath("spec", "routes").Index(i),
			Kind:      KindHTTPRoute,
			Hostnames: r.Hostnames,
			Parents:   m.ingressParents(r.Hostnames),
			Rules:     splitRewrite(specRule(r, m)),
			index:     i,
			short:     r.Path != "",
		}
		if r.Protocol == schema.RouteGRPC {
			rt.Kind = KindGRPCRoute
		}
		out = append(out, rt)
	}
	for i, r := range s.MeshRoutes {
		out = append(out, Route{
			Name:      r.Name,
			Namespace: r.Service.Namespace,
			Field:     field.NewPath("spec", "meshRoutes").Index(i),
			Kind:      KindHTTPRoute,
			Parents:   []Parent{{Kind: KindService, Name: r.Service.Name, Namespace: r.Service.Namespace, Port: r.Service.Port}},
			Rules:     splitRewrite(rule(r.Rule, nil, schema.RouteHTTP, m)),
			Mesh:      true,
			index:     len(s.Routes) + i,
		})
	}
	if m.Gateway.RedirectToHTTPS {
		out = append(out, redirectRoute(m))
	}
	slices.SortStableFunc(out, func(a, b Route) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

// gatewayParent is the gateway, at one listener ("" for all).
func (m *Model) gatewayParent(section string) Parent {
	return Parent{Kind: KindGateway, Name: m.Gateway.Name, Namespace: m.Gateway.Namespace, Section: section}
}

// ingressParents are where a spec route attaches to the gateway: with the redirect on,
// its HTTPS listener only (the health route stays on every listener, so the load
// balancer's probe is answered either way); with a listener per hostname, each HTTPS
// listener whose hostname the route's hostnames can match.
func (m *Model) ingressParents(hostnames []string) []Parent {
	var https []Listener
	for _, l := range m.Gateway.Listeners {
		if l.HTTPS {
			https = append(https, l)
		}
	}
	if len(https) <= 1 {
		if m.Gateway.RedirectToHTTPS {
			return []Parent{m.gatewayParent(ListenerHTTPS)}
		}
		return []Parent{m.gatewayParent("")}
	}
	var out []Parent
	for _, l := range https {
		if len(hostnames) == 0 || slices.ContainsFunc(hostnames, func(h string) bool { return l.Hostname == "" || schema.HostnamesIntersect(l.Hostname, h) }) {
			out = append(out, m.gatewayParent(l.Name))
		}
	}
	return out
}

// specRule is a spec route's one rule: the short forms (path and match; app or
// backend) are one match and one backend of weight 1.
func specRule(r schema.Route, m *Model) Rule {
	var short []Match
	if r.Path != "" {
		short = []Match{{Path: r.Path, Type: r.Match}}
	}
	var backends []schema.RouteBackend
	switch {
	case r.Backend != nil:
		backends = []schema.RouteBackend{{Service: r.Backend.Service, Namespace: r.Backend.Namespace, Port: r.Backend.Port}}
	case r.App != "":
		backends = []schema.RouteBackend{{App: r.App}}
	}
	out := rule(r.Rule, short, r.Protocol, m)
	for _, b := range backends {
		out.Backends = append(out.Backends, m.backend(b, r.Protocol, 1))
	}
	return out
}

// splitRewrite: Gateway API rewrites a prefix only in a rule with exactly one
// PathPrefix match, so a rule with a rewrite and several matches becomes one rule per
// match; an Exact match's whole path is what matched, so it is replaced whole.
func splitRewrite(rl Rule) []Rule {
	if rl.Filters.RewritePrefix == "" || (len(rl.Matches) == 1 && rl.Matches[0].Type == schema.MatchPathPrefix) {
		return []Rule{rl}
	}
	out := make([]Rule, 0, len(rl.Matches))
	for _, mt := range rl.Matches {
		one := rl
		if mt.Path == "" {
			mt.Path, mt.Type = "/", schema.MatchPathPrefix // Gateway API's default, made explicit
		}
		one.Matches = []Match{mt}
		if mt.Type == schema.MatchExact {
			one.Filters.RewritePrefix, one.Filters.RewritePath = "", rl.Filters.RewritePrefix
		}
		out = append(out, one)
	}
	return out
}

// rule resolves a spec rule: matches, backends to Services, filters.
func rule(r schema.Rule, matches []Match, proto schema.RouteProtocol, m *Model) Rule {
	out := Rule{Matches: matches, Timeout: r.Timeout}
	for _, sm := range r.Matches {
		mt := Match{Path: sm.Path, Type: sm.Match, Method: sm.Method, Headers: sm.Headers, QueryParams: sm.QueryParams}
		if g := sm.GRPC; g != nil {
			mt.GRPCService, mt.GRPCMethod = g.Service, g.Method
		}
		out.Matches = append(out.Matches, mt)
	}
	for _, b := range r.Backends {
		w := int32(1)
		if b.Weight != nil {
			w = *b.Weight
		}
		out.Backends = append(out.Backends, m.backend(b, proto, w))
	}
	f := &out.Filters
	f.RewritePrefix = r.Rewrite
	if rd := r.Redirect; rd != nil {
		f.Redirect = &Redirect{Scheme: rd.Scheme, Hostname: rd.Hostname, Path: rd.Path, Port: rd.Port, StatusCode: rd.StatusCode}
		if f.Redirect.StatusCode == 0 {
			f.Redirect.StatusCode = http.StatusFound
		}
	}
	f.RequestHeaders = headerEdits(r.RequestHeaders)
	f.ResponseHeaders = headerEdits(r.ResponseHeaders)
	if mr := r.Mirror; mr != nil {
		f.Mirror = &Mirror{
			Backend: m.backend(schema.RouteBackend{App: mr.App, Version: mr.Version, Service: mr.Service, Namespace: mr.Namespace, Port: mr.Port}, proto, 1),
			Percent: mr.Percent,
		}
	}
	return out
}

func headerEdits(h *schema.HeaderFilter) *HeaderEdits {
	if h == nil || (len(h.Set) == 0 && len(h.Add) == 0 && len(h.Remove) == 0) {
		return nil
	}
	return &HeaderEdits{Set: h.Set, Add: h.Add, Remove: h.Remove}
}

// backend resolves an app to its Service (a gRPC route to the app's first GRPC or HTTP2 port)
// and keeps an existing Service as it is.
func (m *Model) backend(b schema.RouteBackend, proto schema.RouteProtocol, weight int32) Backend {
	if b.App == "" {
		return Backend{Service: b.Service, Namespace: b.Namespace, Port: b.Port, Weight: weight}
	}
	a := m.App(b.App)
	if a == nil {
		return Backend{Service: b.App, Namespace: b.Namespace, Port: b.Port, Weight: weight}
	}
	port := a.Service.Port
	if proto == schema.RouteGRPC && a.Inline != nil {
		for _, p := range a.Inline.Ports {
			if p.Protocol.H2() {
				port = p.Port
				break
			}
		}
	}
	if b.Port != 0 {
		port = b.Port
	}
	svc := a.Service.Name
	if b.Version != "" && a.Inline != nil {
		for _, d := range a.Inline.Deployments {
			if d.Name == b.Version {
				svc = d.Service
			}
		}
	}
	return Backend{Service: svc, Namespace: a.Namespace, Port: port, Weight: weight}
}

// redirectRoute answers plain HTTP with a redirect to HTTPS; the more specific health
// route still wins for the health path.
func redirectRoute(m *Model) Route {
	rd := &Redirect{Scheme: "https", StatusCode: http.StatusMovedPermanently}
	if l := m.Gateway.Listener(ListenerHTTPS); l != nil && l.Port != 443 {
		rd.Port = l.Port
	} else if l == nil {
		for _, l := range m.Gateway.Listeners {
			if l.HTTPS && l.Port != 443 {
				rd.Port = l.Port
				break
			}
		}
	}
	return Route{
		Name: RedirectRouteName, Namespace: m.Gateway.Namespace, Kind: KindHTTPRoute,
		Parents: []Parent{m.gatewayParent(ListenerHTTP)},
		Rules:   []Rule{{Filters: Filters{Redirect: rd}}},
	}
}
