package schema

import (
	"regexp"
	"strings"
)

// Defaults applied to a spec before validation.
const (
	DefaultGatewayAPIVersion = "v1.6.3"
	DefaultIstioVersion      = "1.31.0"
	DefaultArgoCDNamespace   = "argocd"
	DefaultArgoCDServer      = "https://kubernetes.default.svc"
	DefaultGatewayNamespace  = "istio-ingress"
	DefaultHealthPath        = "/healthz"
	DefaultHealthNamespace   = "gateway-health"
	DefaultHealthImage       = "nginxinc/nginx-unprivileged:1.27-alpine"
	DefaultRevision          = "main"
	DefaultVPCCIDR           = "10.0.0.0/16"
)

// Default fills the optional fields the user left empty whose defaults are constants,
// and the identity of each route (its name and namespace). Names derived from other
// names (the gateway's, its certificate Secret, Applications, projects) are the
// model's. Default is idempotent.
func (p *Platform) Default() {
	s := &p.Spec
	s.Provider = or(s.Provider, ProviderEKS)
	s.Git.Revision = or(s.Git.Revision, DefaultRevision)
	s.Versions.GatewayAPI = or(s.Versions.GatewayAPI, DefaultGatewayAPIVersion)
	s.Versions.Istio = or(s.Versions.Istio, DefaultIstioVersion)
	s.ArgoCD.Namespace = or(s.ArgoCD.Namespace, DefaultArgoCDNamespace)
	s.ArgoCD.Server = or(s.ArgoCD.Server, DefaultArgoCDServer)
	s.Security.MTLS = or(s.Security.MTLS, MTLSStrict)
	s.Security.NetworkPolicy.Egress = or(s.Security.NetworkPolicy.Egress, EgressRestricted)
	if s.Provider == ProviderEKS {
		s.Network.VPCCIDR = or(s.Network.VPCCIDR, DefaultVPCCIDR)
	}

	g := &s.Gateway
	g.Namespace = or(g.Namespace, DefaultGatewayNamespace)
	if g.Replicas == 0 {
		g.Replicas = 2
	}
	if g.HTTP != nil && g.HTTP.Port == 0 {
		g.HTTP.Port = 80
	}
	if g.HTTPS != nil {
		if g.HTTPS.Port == 0 {
			g.HTTPS.Port = 443
		}
	}
	g.LoadBalancer.Scheme = or(g.LoadBalancer.Scheme, SchemeInternal)
	if s.Provider == ProviderEKS {
		g.LoadBalancer.Mode = or(g.LoadBalancer.Mode, ModeNLB)
	}

	h := &s.Health
	h.Path = or(h.Path, DefaultHealthPath)
	h.Namespace = or(h.Namespace, DefaultHealthNamespace)
	h.Image = or(h.Image, DefaultHealthImage)

	for i := range s.Apps {
		a := &s.Apps[i]
		a.PodSecurity = or(a.PodSecurity, PodSecurityRestricted)
		if !a.Inline() {
			continue // its chart or folder decides the rest
		}
		if a.Replicas == 0 {
			a.Replicas = 1
		}
		if a.WritablePaths == nil {
			a.WritablePaths = []string{"/tmp"}
		}
		for j := range a.Ports {
			a.Ports[j].Protocol = or(a.Ports[j].Protocol, ProtocolHTTP)
		}
	}
	appNS := map[string]string{}
	for _, a := range s.Apps {
		appNS[a.Name] = a.Namespace
	}
	for i := range s.Routes {
		r := &s.Routes[i]
		r.Protocol = or(r.Protocol, RouteHTTP)
		if r.Path != "" || len(r.Matches) == 0 {
			r.Match = or(r.Match, MatchPathPrefix)
		}
		if r.Namespace == "" {
			switch {
			case r.Backend != nil:
				r.Namespace = r.Backend.Namespace
			case r.App != "":
				r.Namespace = appNS[r.App]
			case len(r.Backends) > 0 && r.Backends[0].App != "":
				r.Namespace = appNS[r.Backends[0].App]
			case len(r.Backends) > 0:
				r.Namespace = r.Backends[0].Namespace
			}
		}
		r.Name = or(r.Name, RouteName(*r))
		r.Rule.defaults(r.Namespace, appNS)
	}
	for i := range s.MeshRoutes {
		r := &s.MeshRoutes[i]
		r.Rule.defaults(r.Service.Namespace, appNS)
	}
	if s.Waypoints.Replicas == 0 {
		s.Waypoints.Replicas = 2
	}
}

// defaults fills a rule's matches and backends: path matches are prefixes, a backend's
// namespace is its app's or the route's, its weight 1.
func (r *Rule) defaults(ns string, appNS map[string]string) {
	for j := range r.Matches {
		if m := &r.Matches[j]; m.Path != "" {
			m.Match = or(m.Match, MatchPathPrefix)
		}
	}
	for j := range r.Backends {
		b := &r.Backends[j]
		if b.Namespace == "" {
			if b.App != "" {
				b.Namespace = appNS[b.App]
			} else {
				b.Namespace = ns
			}
		}
		if b.Weight == nil {
			one := int32(1)
			b.Weight = &one
		}
	}
	if m := r.Mirror; m != nil && m.Namespace == "" {
		if m.App != "" {
			m.Namespace = appNS[m.App]
		} else {
			m.Namespace = ns
		}
	}
}

// RouteName is a route's default name: from its first path ("/api/users" ->
// "api-users"), or a gRPC route's first service ("shop.v1.Cart" -> "shop-v1-cart").
func RouteName(r Route) string {
	p := r.Path
	if p == "" && len(r.Matches) > 0 {
		p = r.Matches[0].Path
		if g := r.Matches[0].GRPC; p == "" && g != nil {
			p = g.Service + "/" + g.Method
		}
	}
	return RouteNameFromPath(p)
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

// RouteNameFromPath derives an HTTPRoute name from a path: "/api/users" -> "api-users".
func RouteNameFromPath(path string) string {
	name := strings.Trim(nonAlnum.ReplaceAllString(strings.ToLower(path), "-"), "-")
	if len(name) > 50 {
		name = strings.TrimRight(name[:50], "-")
	}
	if name == "" {
		return "root"
	}
	if name[0] >= '0' && name[0] <= '9' {
		name = "r-" + name
	}
	return name
}

func or[T ~string](v, def T) T {
	if v == "" {
		return def
	}
	return v
}
