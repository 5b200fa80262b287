package render

import (
	"fmt"
	"maps"
	"slices"

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
		if r.Kind == model.KindGRPCRoute {
			t.add(routesFile(r.Namespace), grpcRoute(m, r))
		} else {
			t.add(routesFile(r.Namespace), httpRoute(m, r))
		}
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

// routesFile holds a namespace's routes and the ReferenceGrants other namespaces'
// routes need in it.
func routesFile(ns string) string { return DirRoutes + "/" + ns + ".yaml" }

func parentRefs(r *model.Route) []gwv1.ParentReference {
	var out []gwv1.ParentReference
	for _, p := range r.Parents {
		ref := gwv1.ParentReference{Name: gwv1.ObjectName(p.Name)}
		switch p.Kind {
		case model.KindService:
			// GAMMA: the route takes this Service port's traffic, in the Service's namespace.
			ref.Group, ref.Kind = ptr(gwv1.Group("")), ptr(gwv1.Kind(model.KindService))
			ref.Port = ptr(gwv1.PortNumber(p.Port))
		default:
			ref.Group, ref.Kind = ptr(gwv1.Group(gwv1.GroupName)), ptr(gwv1.Kind(model.KindGateway))
			ref.Namespace = ptr(gwv1.Namespace(p.Namespace))
			if p.Section != "" {
				ref.SectionName = ptr(gwv1.SectionName(p.Section))
			}
		}
		out = append(out, ref)
	}
	return out
}

func httpRoute(m *model.Model, r *model.Route) *gwv1.HTTPRoute {
	route := &gwv1.HTTPRoute{
		TypeMeta:   typeMeta(gwv1.GroupVersion.String(), model.KindHTTPRoute),
		ObjectMeta: meta(m, r.Name, r.Namespace, nil),
		Spec:       gwv1.HTTPRouteSpec{CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: parentRefs(r)}},
	}
	for _, h := range r.Hostnames {
		route.Spec.Hostnames = append(route.Spec.Hostnames, gwv1.Hostname(h))
	}
	for _, rule := range r.Rules {
		route.Spec.Rules = append(route.Spec.Rules, httpRule(r, rule))
	}
	return route
}

func grpcRoute(m *model.Model, r *model.Route) *gwv1.GRPCRoute {
	route := &gwv1.GRPCRoute{
		TypeMeta:   typeMeta(gwv1.GroupVersion.String(), model.KindGRPCRoute),
		ObjectMeta: meta(m, r.Name, r.Namespace, nil),
		Spec:       gwv1.GRPCRouteSpec{CommonRouteSpec: gwv1.CommonRouteSpec{ParentRefs: parentRefs(r)}},
	}
	for _, h := range r.Hostnames {
		route.Spec.Hostnames = append(route.Spec.Hostnames, gwv1.Hostname(h))
	}
	for _, rule := range r.Rules {
		var out gwv1.GRPCRouteRule
		for _, mt := range rule.Matches {
			gm := gwv1.GRPCRouteMatch{Headers: grpcHeaders(mt.Headers)}
			if mt.GRPCService != "" || mt.GRPCMethod != "" {
				gm.Method = &gwv1.GRPCMethodMatch{Type: ptr(gwv1.GRPCMethodMatchExact)}
				if mt.GRPCService != "" {
					gm.Method.Service = ptr(mt.GRPCService)
				}
				if mt.GRPCMethod != "" {
					gm.Method.Method = ptr(mt.GRPCMethod)
				}
			}
			out.Matches = append(out.Matches, gm)
		}
		for _, b := range rule.Backends {
			out.BackendRefs = append(out.BackendRefs, gwv1.GRPCBackendRef{BackendRef: backendRef(r, b, len(rule.Backends))})
		}
		f := rule.Filters
		if h := f.RequestHeaders; h != nil {
			out.Filters = append(out.Filters, gwv1.GRPCRouteFilter{Type: gwv1.GRPCRouteFilterRequestHeaderModifier, RequestHeaderModifier: headerFilter(h)})
		}
		if h := f.ResponseHeaders; h != nil {
			out.Filters = append(out.Filters, gwv1.GRPCRouteFilter{Type: gwv1.GRPCRouteFilterResponseHeaderModifier, ResponseHeaderModifier: headerFilter(h)})
		}
		if mr := f.Mirror; mr != nil {
			out.Filters = append(out.Filters, gwv1.GRPCRouteFilter{Type: gwv1.GRPCRouteFilterRequestMirror, RequestMirror: mirrorFilter(r, mr)})
		}
		route.Spec.Rules = append(route.Spec.Rules, out)
	}
	return route
}

// backendRef is a Service of a rule with n backends. One backend takes every request
// whatever its weight: Gateway API's default weight (1) is left implicit then.
func backendRef(r *model.Route, b model.Backend, n int) gwv1.BackendRef {
	ref := gwv1.BackendRef{BackendObjectReference: backendObjectRef(r, b)}
	if n > 1 || b.Weight != 1 {
		ref.Weight = ptr(b.Weight)
	}
	return ref
}

func backendObjectRef(r *model.Route, b model.Backend) gwv1.BackendObjectReference {
	ref := gwv1.BackendObjectReference{
		Group: ptr(gwv1.Group("")),
		Kind:  ptr(gwv1.Kind(model.KindService)),
		Name:  gwv1.ObjectName(b.Service),
		Port:  ptr(gwv1.PortNumber(b.Port)),
	}
	if r.CrossNamespace(b) {
		ref.Namespace = ptr(gwv1.Namespace(b.Namespace))
	}
	return ref
}

func httpRule(r *model.Route, rule model.Rule) gwv1.HTTPRouteRule {
	var out gwv1.HTTPRouteRule
	for _, mt := range rule.Matches {
		out.Matches = append(out.Matches, httpMatch(mt))
	}
	for _, b := range rule.Backends {
		out.BackendRefs = append(out.BackendRefs, gwv1.HTTPBackendRef{BackendRef: backendRef(r, b, len(rule.Backends))})
	}
	f := rule.Filters
	if h := f.RequestHeaders; h != nil {
		out.Filters = append(out.Filters, gwv1.HTTPRouteFilter{Type: gwv1.HTTPRouteFilterRequestHeaderModifier, RequestHeaderModifier: headerFilter(h)})
	}
	if h := f.ResponseHeaders; h != nil {
		out.Filters = append(out.Filters, gwv1.HTTPRouteFilter{Type: gwv1.HTTPRouteFilterResponseHeaderModifier, ResponseHeaderModifier: headerFilter(h)})
	}
	if f.RewritePrefix != "" {
		out.Filters = append(out.Filters, gwv1.HTTPRouteFilter{
			Type: gwv1.HTTPRouteFilterURLRewrite,
			URLRewrite: &gwv1.HTTPURLRewriteFilter{Path: &gwv1.HTTPPathModifier{
				Type: gwv1.PrefixMatchHTTPPathModifier, ReplacePrefixMatch: ptr(f.RewritePrefix),
			}},
		})
	}
	if f.RewritePath != "" {
		out.Filters = append(out.Filters, gwv1.HTTPRouteFilter{
			Type: gwv1.HTTPRouteFilterURLRewrite,
			URLRewrite: &gwv1.HTTPURLRewriteFilter{Path: &gwv1.HTTPPathModifier{
				Type: gwv1.FullPathHTTPPathModifier, ReplaceFullPath: ptr(f.RewritePath),
			}},
		})
	}
	if rd := f.Redirect; rd != nil {
		redirect := &gwv1.HTTPRequestRedirectFilter{StatusCode: ptr(rd.StatusCode)}
		if rd.Scheme != "" {
			redirect.Scheme = ptr(rd.Scheme)
		}
		if rd.Hostname != "" {
			redirect.Hostname = ptr(gwv1.PreciseHostname(rd.Hostname))
		}
		if rd.Path != "" {
			redirect.Path = &gwv1.HTTPPathModifier{Type: gwv1.FullPathHTTPPathModifier, ReplaceFullPath: ptr(rd.Path)}
		}
		if rd.Port != 0 {
			redirect.Port = ptr(gwv1.PortNumber(rd.Port))
		}
		out.Filters = append(out.Filters, gwv1.HTTPRouteFilter{Type: gwv1.HTTPRouteFilterRequestRedirect, RequestRedirect: redirect})
	}
	if mr := f.Mirror; mr != nil {
		out.Filters = append(out.Filters, gwv1.HTTPRouteFilter{Type: gwv1.HTTPRouteFilterRequestMirror, RequestMirror: mirrorFilter(r, mr)})
	}
	if rule.Timeout != "" {
		out.Timeouts = &gwv1.HTTPRouteTimeouts{Request: ptr(gwv1.Duration(rule.Timeout))}
	}
	return out
}

func headerFilter(h *model.HeaderEdits) *gwv1.HTTPHeaderFilter {
	f := &gwv1.HTTPHeaderFilter{Remove: h.Remove}
	for _, k := range slices.Sorted(maps.Keys(h.Set)) {
		f.Set = append(f.Set, gwv1.HTTPHeader{Name: gwv1.HTTPHeaderName(k), Value: h.Set[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(h.Add)) {
		f.Add = append(f.Add, gwv1.HTTPHeader{Name: gwv1.HTTPHeaderName(k), Value: h.Add[k]})
	}
	return f
}

func mirrorFilter(r *model.Route, mr *model.Mirror) *gwv1.HTTPRequestMirrorFilter {
	f := &gwv1.HTTPRequestMirrorFilter{BackendRef: backendObjectRef(r, mr.Backend)}
	if mr.Percent != 0 {
		f.Percent = ptr(mr.Percent)
	}
	return f
}

func httpMatch(mt model.Match) gwv1.HTTPRouteMatch {
	var out gwv1.HTTPRouteMatch
	if mt.Path != "" {
		typ := gwv1.PathMatchPathPrefix
		if mt.Type == schema.MatchExact {
			typ = gwv1.PathMatchExact
		}
		out.Path = &gwv1.HTTPPathMatch{Type: &typ, Value: ptr(mt.Path)}
	}
	for _, k := range slices.Sorted(maps.Keys(mt.Headers)) {
		out.Headers = append(out.Headers, gwv1.HTTPHeaderMatch{Type: ptr(gwv1.HeaderMatchExact), Name: gwv1.HTTPHeaderName(k), Value: mt.Headers[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(mt.QueryParams)) {
		out.QueryParams = append(out.QueryParams, gwv1.HTTPQueryParamMatch{Type: ptr(gwv1.QueryParamMatchExact), Name: gwv1.HTTPHeaderName(k), Value: mt.QueryParams[k]})
	}
	if mt.Method != "" {
		out.Method = ptr(gwv1.HTTPMethod(mt.Method))
	}
	return out
}

func grpcHeaders(h map[string]string) []gwv1.GRPCHeaderMatch {
	var out []gwv1.GRPCHeaderMatch
	for _, k := range slices.Sorted(maps.Keys(h)) {
		out = append(out, gwv1.GRPCHeaderMatch{Type: ptr(gwv1.GRPCHeaderMatchExact), Name: gwv1.GRPCHeaderName(k), Value: h[k]})
	}
	return out
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
