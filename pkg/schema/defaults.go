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
		r.Match = or(r.Match, MatchPathPrefix)
		if r.Namespace == "" {
			if r.Backend != nil {
				r.Namespace = r.Backend.Namespace
			} else {
				r.Namespace = appNS[r.App]
			}
		}
		r.Name = or(r.Name, RouteNameFromPath(r.Path))
	}
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
