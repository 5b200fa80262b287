package render

import (
	"fmt"
	"net/http"

	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// redirectRouteName is the HTTPRoute sending plain HTTP to HTTPS.
const redirectRouteName = schema.RedirectRouteName

// maxGrantTargets is the Gateway API limit of ReferenceGrant spec.to entries.
const maxGrantTargets = 16

func routes(m *model.Model, t *Tree) error {
	redirect := m.Gateway.HTTP != nil && m.Gateway.HTTP.RedirectToHTTPS
	// One file per namespace (the model lists routes by namespace and name).
	for _, r := range m.Routes {
		// With the redirect on, app routes attach to HTTPS only; the health route stays
		// on every listener so the load balancer's probe is answered either way.
		section := ""
		if redirect && !r.Health {
			section = ListenerHTTPS
		}
		t.add(routesFile(r.Namespace), httpRoute(m, r, section))
	}
	if redirect {
		t.add(routesFile(m.Gateway.Namespace), redirectRoute(m))
	}
	for _, g := range m.Grants {
		file := routesFile(g.Namespace)
		if g.ToKind == "Secret" {
			// The gateway's own grant (to its certificate's namespace) ships with it.
			file = DirGateway + "/" + g.Namespace + "/" + fileName("referencegrant", g.Name())
		}
		// A ReferenceGrant lists at most 16 targets: split larger sets.
		for i := 0; i < len(g.ToNames); i += maxGrantTargets {
			part := g
			part.ToNames = g.ToNames[i:min(i+maxGrantTargets, len(g.ToNames))]
			name := g.Name()
			if i > 0 {
				name = fmt.Sprintf("%s-%d", name, i/maxGrantTargets+1)
			}
			t.add(file, referenceGrant(m, part, name))
		}
	}
	return nil
}

// routesFile holds a namespace's HTTPRoutes and the ReferenceGrants other
// namespaces' routes need in it.
func routesFile(ns string) string { return DirRoutes + "/" + ns + ".yaml" }

func parentRef(m *model.Model, section string) gwv1.ParentReference {
	ref := gwv1.ParentReference{
		Group:     ptr(gwv1.Group(gwv1.GroupName)),
		Kind:      ptr(gwv1.Kind("Gateway")),
		Namespace: ptr(gwv1.Namespace(m.Gateway.Namespace)),
		Name:      gwv1.ObjectName(m.Gateway.Name),
	}
	if section != "" {
		ref.SectionName = ptr(gwv1.SectionName(section))
	}
	return ref
}

func httpRoute(m *model.Model, r model.Route, section string) *gwv1.HTTPRoute {
	match := gwv1.PathMatchPathPrefix
	if r.Match == schema.MatchExact {
		match = gwv1.PathMatchExact
	}
	backend := gwv1.HTTPBackendRef{BackendRef: gwv1.BackendRef{BackendObjectReference: gwv1.BackendObjectReference{
		Group: ptr(gwv1.Group("")),
		Kind:  ptr(gwv1.Kind("Service")),
		Name:  gwv1.ObjectName(r.Service),
		Port:  ptr(gwv1.PortNumber(r.Port)),
	}}}
	if r.CrossNamespace() {
		backend.Namespace = ptr(gwv1.Namespace(r.ServiceNamespace))
	}
	rule := gwv1.HTTPRouteRule{
		Matches:     []gwv1.HTTPRouteMatch{{Path: &gwv1.HTTPPathMatch{Type: &match, Value: ptr(r.Path)}}},
		BackendRefs: []gwv1.HTTPBackendRef{backend},
	}
	if r.Rewrite != "" {
		rule.Filters = []gwv1.HTTPRouteFilter{{
			Type: gwv1.HTTPRouteFilterURLRewrite,
			URLRewrite: &gwv1.HTTPURLRewriteFilter{Path: &gwv1.HTTPPathModifier{
				Type: gwv1.PrefixMatchHTTPPathModifier, ReplacePrefixMatch: ptr(r.Rewrite),
			}},
		}}
	}
	route := &gwv1.HTTPRoute{
		TypeMeta:   typeMeta(gwv1.GroupVersion.String(), "HTTPRoute"),
		ObjectMeta: meta(m, r.Name, r.Namespace, nil),
		Spec: gwv1.HTTPRouteSpec{
			CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: []gwv1.ParentReference{parentRef(m, section)}},
			Rules:           []gwv1.HTTPRouteRule{rule},
		},
	}
	for _, h := range r.Hostnames {
		route.Spec.Hostnames = append(route.Spec.Hostnames, gwv1.Hostname(h))
	}
	return route
}

// redirectRoute answers plain HTTP with a redirect to HTTPS; the more specific health
// route still wins for the health path.
func redirectRoute(m *model.Model) *gwv1.HTTPRoute {
	redirect := &gwv1.HTTPRequestRedirectFilter{Scheme: ptr("https"), StatusCode: ptr(http.StatusMovedPermanently)}
	if p := m.Gateway.HTTPS.Port; p != 443 {
		redirect.Port = ptr(gwv1.PortNumber(p))
	}
	return &gwv1.HTTPRoute{
		TypeMeta:   typeMeta(gwv1.GroupVersion.String(), "HTTPRoute"),
		ObjectMeta: meta(m, redirectRouteName, m.Gateway.Namespace, nil),
		Spec: gwv1.HTTPRouteSpec{
			CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: []gwv1.ParentReference{parentRef(m, ListenerHTTP)}},
			Rules: []gwv1.HTTPRouteRule{{
				Filters: []gwv1.HTTPRouteFilter{{Type: gwv1.HTTPRouteFilterRequestRedirect, RequestRedirect: redirect}},
			}},
		},
	}
}

// referenceGrant uses v1 where the Gateway API release serves it in the standard
// channel (v1.5+), v1beta1 before; Istio reads both (same stored objects).
func referenceGrant(m *model.Model, g model.Grant, name string) *gwv1.ReferenceGrant {
	version := "gateway.networking.k8s.io/v1beta1"
	if m.Spec.GatewayAPIAtLeast(5) {
		version = "gateway.networking.k8s.io/v1"
	}
	rg := &gwv1.ReferenceGrant{
		TypeMeta:   typeMeta(version, "ReferenceGrant"),
		ObjectMeta: meta(m, name, g.Namespace, nil),
		Spec: gwv1.ReferenceGrantSpec{
			From: []gwv1.ReferenceGrantFrom{{Group: gwv1.Group(g.FromGroup), Kind: gwv1.Kind(g.FromKind), Namespace: gwv1.Namespace(g.FromNamespace)}},
		},
	}
	for _, n := range g.ToNames {
		rg.Spec.To = append(rg.Spec.To, gwv1.ReferenceGrantTo{Group: gwv1.Group(g.ToGroup), Kind: gwv1.Kind(g.ToKind), Name: ptr(gwv1.ObjectName(n))})
	}
	return rg
}
