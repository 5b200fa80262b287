package render

import (
	"fmt"

	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// maxGrantTargets is the Gateway API limit of ReferenceGrant spec.to entries.
const maxGrantTargets = 16

func routes(m *model.Model, t *Tree) error {
	// One file per namespace (the model lists routes by namespace and name).
	for i := range m.Routes {
		r := &m.Routes[i]
		t.add(routesFile(r.Namespace), httpRoute(m, r))
	}
	for _, g := range m.Grants {
		file := routesFile(g.Namespace)
		if g.ToKind == model.KindSecret {
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
		Kind:      ptr(gwv1.Kind(model.KindGateway)),
		Namespace: ptr(gwv1.Namespace(m.Gateway.Namespace)),
		Name:      gwv1.ObjectName(m.Gateway.Name),
	}
	if section != "" {
		ref.SectionName = ptr(gwv1.SectionName(section))
	}
	return ref
}

func httpRoute(m *model.Model, r *model.Route) *gwv1.HTTPRoute {
	route := &gwv1.HTTPRoute{
		TypeMeta:   typeMeta(gwv1.GroupVersion.String(), model.KindHTTPRoute),
		ObjectMeta: meta(m, r.Name, r.Namespace, nil),
		Spec: gwv1.HTTPRouteSpec{
			CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: []gwv1.ParentReference{parentRef(m, r.Section)}},
		},
	}
	for _, h := range r.Hostnames {
		route.Spec.Hostnames = append(route.Spec.Hostnames, gwv1.Hostname(h))
	}
	for _, rule := range r.Rules {
		route.Spec.Rules = append(route.Spec.Rules, httpRule(r, rule))
	}
	return route
}

func httpRule(r *model.Route, rule model.Rule) gwv1.HTTPRouteRule {
	var out gwv1.HTTPRouteRule
	for _, mt := range rule.Matches {
		out.Matches = append(out.Matches, httpMatch(mt))
	}
	for _, b := range rule.Backends {
		ref := gwv1.HTTPBackendRef{BackendRef: gwv1.BackendRef{BackendObjectReference: gwv1.BackendObjectReference{
			Group: ptr(gwv1.Group("")),
			Kind:  ptr(gwv1.Kind(model.KindService)),
			Name:  gwv1.ObjectName(b.Service),
			Port:  ptr(gwv1.PortNumber(b.Port)),
		}}}
		if r.CrossNamespace(b) {
			ref.Namespace = ptr(gwv1.Namespace(b.Namespace))
		}
		// One backend takes every request whatever its weight: Gateway API's default
		// weight (1) is left implicit then.
		if len(rule.Backends) > 1 || b.Weight != 1 {
			ref.Weight = ptr(b.Weight)
		}
		out.BackendRefs = append(out.BackendRefs, ref)
	}
	f := rule.Filters
	if f.RewritePrefix != "" {
		out.Filters = append(out.Filters, gwv1.HTTPRouteFilter{
			Type: gwv1.HTTPRouteFilterURLRewrite,
			URLRewrite: &gwv1.HTTPURLRewriteFilter{Path: &gwv1.HTTPPathModifier{
				Type: gwv1.PrefixMatchHTTPPathModifier, ReplacePrefixMatch: ptr(f.RewritePrefix),
			}},
		})
	}
	if rd := f.Redirect; rd != nil {
		redirect := &gwv1.HTTPRequestRedirectFilter{Scheme: ptr(rd.Scheme), StatusCode: ptr(rd.StatusCode)}
		if rd.Port != 0 {
			redirect.Port = ptr(gwv1.PortNumber(rd.Port))
		}
		out.Filters = append(out.Filters, gwv1.HTTPRouteFilter{Type: gwv1.HTTPRouteFilterRequestRedirect, RequestRedirect: redirect})
	}
	return out
}

func httpMatch(mt model.Match) gwv1.HTTPRouteMatch {
	typ := gwv1.PathMatchPathPrefix
	if mt.Type == schema.MatchExact {
		typ = gwv1.PathMatchExact
	}
	return gwv1.HTTPRouteMatch{Path: &gwv1.HTTPPathMatch{Type: &typ, Value: ptr(mt.Path)}}
}

// referenceGrant uses v1 where the Gateway API release serves it in the standard
// channel (v1.5+), v1beta1 before; Istio reads both (same stored objects).
func referenceGrant(m *model.Model, g model.Grant, name string) *gwv1.ReferenceGrant {
	version := "gateway.networking.k8s.io/v1beta1"
	if m.GatewayAPIAtLeast(5) {
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
