package importer

import (
	"fmt"
	"reflect"

	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// routes reads HTTPRoutes and GRPCRoutes: routes on the gateway, mesh routes on a
// Service, the HTTP -> HTTPS redirect.
func (b *builder) routes() {
	b.assignServices()
	for _, o := range b.ofKind("HTTPRoute", "GRPCRoute") {
		if o.used || o.Group() != gwv1.GroupName {
			continue
		}
		o.used = true
		if o.Kind == "GRPCRoute" {
			var r gwv1.GRPCRoute
			if err := o.decodeInto(&r); err != nil {
				b.lose(o, "", "cannot be read as a GRPCRoute: %v", err)
				continue
			}
			b.grpcRoute(o, &r)
			continue
		}
		var r gwv1.HTTPRoute
		if err := o.decodeInto(&r); err != nil {
			b.lose(o, "", "cannot be read as an HTTPRoute: %v", err)
			continue
		}
		b.httpRoute(o, &r)
	}
}

// assignServices gives each external app the Service its routes reach: the one named
// after the app, else the first its namespace's routes reach.
func (b *builder) assignServices() {
	type svc struct {
		ns, name string
		port     int32
	}
	var refs []svc
	for _, o := range b.ofKind("HTTPRoute", "GRPCRoute") {
		if isHealthRoute(o) || hasServiceParent(o) {
			continue
		}
		rules, _ := lookup(o.Raw, "spec", "rules").([]any)
		for _, r := range rules {
			rm, _ := r.(map[string]any)
			br, _ := rm["backendRefs"].([]any)
			for _, x := range br {
				xm, _ := x.(map[string]any)
				if k := str(xm["kind"]); k != "" && k != "Service" {
					continue
				}
				ns := or(str(xm["namespace"]), o.Namespace)
				port, _ := xm["port"].(float64)
				refs = append(refs, svc{ns, str(xm["name"]), int32(port)})
			}
		}
	}
	taken := func(ns, name string) bool {
		_, a := b.inlineSvc[ns+"/"+name]
		_, c := b.extSvc[ns+"/"+name]
		return a || c
	}
	for pass := range 2 {
		for i := range b.p.Spec.Apps {
			a := &b.p.Spec.Apps[i]
			if a.Inline() || a.Service != nil {
				continue
			}
			for _, r := range refs {
				if r.ns != a.Namespace || taken(r.ns, r.name) || (pass == 0 && r.name != a.Name) {
					continue
				}
				a.Service = &schema.AppService{Name: r.name, Port: r.port}
				b.extSvc[r.ns+"/"+r.name] = a.Name
				b.appPort[a.Name] = r.port
				break
			}
		}
	}
}

func hasServiceParent(o *Object) bool {
	ps, _ := lookup(o.Raw, "spec", "parentRefs").([]any)
	for _, p := range ps {
		pm, _ := p.(map[string]any)
		if str(pm["kind"]) == "Service" {
			return true
		}
	}
	return false
}

// isRedirect says whether a rule is krm-gen's HTTP -> HTTPS redirect.
func isRedirect(r gwv1.HTTPRouteRule) bool {
	if len(r.Matches) > 0 || len(r.BackendRefs) > 0 || len(r.Filters) != 1 {
		return false
	}
	f := r.Filters[0]
	return f.Type == gwv1.HTTPRouteFilterRequestRedirect && f.RequestRedirect != nil &&
		f.RequestRedirect.Scheme != nil && *f.RequestRedirect.Scheme == "https" && f.RequestRedirect.Path == nil && f.RequestRedirect.Hostname == nil
}

func (b *builder) httpRoute(o *Object, r *gwv1.HTTPRoute) {
	if len(r.Spec.Rules) == 1 && isRedirect(r.Spec.Rules[0]) && b.p.Spec.Gateway.HTTP != nil && b.p.Spec.Gateway.HTTPS != nil {
		b.p.Spec.Gateway.HTTP.RedirectToHTTPS = true
		if r.Name != "https-redirect" || r.Namespace != b.p.Spec.Gateway.Namespace {
			o.renamed = "HTTPRoute " + b.p.Spec.Gateway.Namespace + "/https-redirect"
			b.differ("%s: the HTTP -> HTTPS redirect becomes HTTPRoute %s/https-redirect (every path but the health path)", o.Ref(), b.p.Spec.Gateway.Namespace)
		}
		return
	}
	mesh, parent := b.parent(o, r.Spec.ParentRefs)
	hosts := make([]string, len(r.Spec.Hostnames))
	for i, h := range r.Spec.Hostnames {
		hosts[i] = string(h)
	}
	groups := mergeRules(r.Spec.Rules)
	if len(groups) > 1 {
		o.renamed = fmt.Sprintf("HTTPRoutes %s/%s-1 to -%d, one per rule", r.Namespace, r.Name, len(groups))
	}
	for gi, g := range groups {
		name := r.Name
		if len(groups) > 1 {
			name = r.Name + "-" + itoa(gi+1)
		}
		var rule schema.Rule
		for _, i := range g {
			f := "spec.rules[" + itoa(i) + "]"
			for j, m := range r.Spec.Rules[i].Matches {
				rule.Matches = append(rule.Matches, b.httpMatch(o, f+".matches["+itoa(j)+"]", m))
			}
		}
		first := r.Spec.Rules[g[0]]
		f := "spec.rules[" + itoa(g[0]) + "]"
		for j, br := range first.BackendRefs {
			rule.Backends = append(rule.Backends, b.backend(o, f+".backendRefs["+itoa(j)+"]", br.BackendRef, r.Namespace))
			if len(br.Filters) > 0 {
				b.lose(o, f+".backendRefs["+itoa(j)+"].filters", "backend filters are not carried over")
			}
		}
		if t := first.Timeouts; t != nil {
			if t.Request != nil {
				rule.Timeout = string(*t.Request)
			}
			if t.BackendRequest != nil {
				b.lose(o, f+".timeouts.backendRequest", "not carried over (timeout is the request timeout)")
			}
		}
		if first.Retry != nil {
			b.lose(o, f+".retry", "retries are not carried over")
		}
		if first.SessionPersistence != nil {
			b.lose(o, f+".sessionPersistence", "not carried over")
		}
		for j, flt := range first.Filters {
			b.httpFilter(o, f+".filters["+itoa(j)+"]", flt, &rule, r.Namespace)
		}
		if len(groups) > 1 {
			b.differ("%s: rule %d becomes HTTPRoute %s/%s (a spec route holds one rule)", o.Ref(), g[0]+1, r.Namespace, name)
		}
		if mesh {
			for i := range rule.Backends {
				if bk := &rule.Backends[i]; bk.Namespace == parent.Namespace {
					bk.Namespace = ""
				}
			}
			b.p.Spec.MeshRoutes = append(b.p.Spec.MeshRoutes, schema.MeshRoute{Name: name, Service: parent, Rule: rule})
			if len(hosts) > 0 {
				b.lose(o, "spec.hostnames", "mesh routes match every host of their Service")
			}
			continue
		}
		b.addRoute(schema.Route{Name: name, Hostnames: hosts, Namespace: r.Namespace, Rule: rule})
	}
}

// mergeRules groups rules that differ only in their one match (krm-gen splits a
// rewrite route with several matches into one rule per match).
func mergeRules(rules []gwv1.HTTPRouteRule) [][]int {
	if len(rules) == 0 {
		return [][]int{{}}
	}
	same := true
	for _, r := range rules[1:] {
		a, c := r, rules[0]
		a.Matches, c.Matches = nil, nil
		a.Name, c.Name = nil, nil
		if len(r.Matches) != 1 || len(rules[0].Matches) != 1 || !reflect.DeepEqual(a, c) {
			same = false
		}
	}
	if same {
		all := make([]int, len(rules))
		for i := range rules {
			all[i] = i
		}
		return [][]int{all}
	}
	out := make([][]int, len(rules))
	for i := range rules {
		out[i] = []int{i}
	}
	return out
}

// parent reads a route's parent: the gateway, or a Service (a mesh route).
func (b *builder) parent(o *Object, refs []gwv1.ParentReference) (mesh bool, svc schema.ServicePort) {
	if len(refs) > 1 {
		b.lose(o, "spec.parentRefs", "the route attaches to the gateway (or its Service) once; other parents are dropped")
	}
	for i, p := range refs {
		if p.Kind != nil && *p.Kind == "Service" {
			ns := o.Namespace
			if p.Namespace != nil {
				ns = string(*p.Namespace)
			}
			port := int32(0)
			if p.Port != nil {
				port = int32(*p.Port)
			}
			return true, schema.ServicePort{Name: string(p.Name), Namespace: ns, Port: port}
		}
		g := b.p.Spec.Gateway
		if string(p.Name) != g.Name {
			b.lose(o, "spec.parentRefs["+itoa(i)+"]", "parent %s is not the imported Gateway %s: the route attaches to it", p.Name, g.Name)
		}
	}
	return false, svc
}

// backend maps a backendRef to an app (when its Service is an app's) or a Service.
func (b *builder) backend(o *Object, f string, ref gwv1.BackendRef, ns string) schema.RouteBackend {
	if ref.Kind != nil && *ref.Kind != "Service" {
		b.lose(o, f, "backend kind %s: only Services", *ref.Kind)
	}
	if ref.Namespace != nil {
		ns = string(*ref.Namespace)
	}
	port := int32(0)
	if ref.Port != nil {
		port = int32(*ref.Port)
	}
	out := schema.RouteBackend{Weight: ref.Weight}
	key := ns + "/" + string(ref.Name)
	if a, ok := b.inlineSvc[key]; ok {
		out.App, out.Version = a, b.versionSvc[key]
	} else if a, ok := b.extSvc[key]; ok {
		out.App = a
	}
	if out.App != "" {
		if target, ok := b.svcPorts[out.App][port]; ok {
			port = target
		}
		if port != b.appPort[out.App] {
			out.Port = port
		}
		return out
	}
	out.Service, out.Namespace, out.Port = string(ref.Name), ns, port
	return out
}

func (b *builder) httpMatch(o *Object, f string, m gwv1.HTTPRouteMatch) schema.RouteMatch {
	var out schema.RouteMatch
	if p := m.Path; p != nil && p.Value != nil {
		out.Path = *p.Value
		if p.Type != nil {
			switch *p.Type {
			case gwv1.PathMatchExact:
				out.Match = schema.MatchExact
			case gwv1.PathMatchRegularExpression:
				b.lose(o, f+".path", "regular expression %q: only prefix and exact paths; import keeps it as a prefix", out.Path)
			}
		}
	}
	for _, h := range m.Headers {
		if h.Type != nil && *h.Type != gwv1.HeaderMatchExact {
			b.lose(o, f+".headers", "header %s: only exact values", h.Name)
			continue
		}
		if out.Headers == nil {
			out.Headers = map[string]string{}
		}
		out.Headers[string(h.Name)] = h.Value
	}
	for _, q := range m.QueryParams {
		if q.Type != nil && *q.Type != gwv1.QueryParamMatchExact {
			b.lose(o, f+".queryParams", "query parameter %s: only exact values", q.Name)
			continue
		}
		if out.QueryParams == nil {
			out.QueryParams = map[string]string{}
		}
		out.QueryParams[string(q.Name)] = q.Value
	}
	if m.Method != nil {
		out.Method = schema.HTTPMethod(*m.Method)
	}
	return out
}

func (b *builder) httpFilter(o *Object, f string, flt gwv1.HTTPRouteFilter, rule *schema.Rule, ns string) {
	switch flt.Type {
	case gwv1.HTTPRouteFilterRequestHeaderModifier:
		rule.RequestHeaders = headers(flt.RequestHeaderModifier)
	case gwv1.HTTPRouteFilterResponseHeaderModifier:
		rule.ResponseHeaders = headers(flt.ResponseHeaderModifier)
	case gwv1.HTTPRouteFilterURLRewrite:
		rw := flt.URLRewrite
		if rw.Hostname != nil {
			b.lose(o, f+".urlRewrite.hostname", "host rewrites are not carried over")
		}
		if p := rw.Path; p != nil {
			switch {
			case p.ReplacePrefixMatch != nil:
				rule.Rewrite = *p.ReplacePrefixMatch
			case p.ReplaceFullPath != nil:
				rule.Rewrite = *p.ReplaceFullPath
			}
		}
	case gwv1.HTTPRouteFilterRequestRedirect:
		rd := flt.RequestRedirect
		out := &schema.RouteRedirect{}
		if rd.Scheme != nil {
			out.Scheme = *rd.Scheme
		}
		if rd.Hostname != nil {
			out.Hostname = string(*rd.Hostname)
		}
		if rd.Port != nil {
			out.Port = int32(*rd.Port)
		}
		if rd.StatusCode != nil && *rd.StatusCode != 302 {
			out.StatusCode = *rd.StatusCode
		}
		if p := rd.Path; p != nil {
			if p.ReplaceFullPath != nil {
				out.Path = *p.ReplaceFullPath
			} else {
				b.lose(o, f+".requestRedirect.path", "prefix redirects are not carried over (only a full path)")
			}
		}
		rule.Redirect = out
	case gwv1.HTTPRouteFilterRequestMirror:
		rule.Mirror = b.mirror(o, f, flt.RequestMirror, ns)
	default:
		b.lose(o, f, "filter %s is not carried over", flt.Type)
	}
}

// mirror reads a RequestMirror filter (of an HTTPRoute or a GRPCRoute, at field f) as
// the rule's mirror: its backend as route backends are read, its percent.
func (b *builder) mirror(o *Object, f string, m *gwv1.HTTPRequestMirrorFilter, ns string) *schema.RouteMirror {
	mb := b.backend(o, f+".requestMirror.backendRef", gwv1.BackendRef{BackendObjectReference: m.BackendRef}, ns)
	out := &schema.RouteMirror{App: mb.App, Version: mb.Version, Service: mb.Service, Namespace: mb.Namespace, Port: mb.Port}
	if m.Percent != nil {
		out.Percent = *m.Percent
	}
	if m.Fraction != nil {
		b.lose(o, f+".requestMirror.fraction", "only percent")
	}
	return out
}

func headers(h *gwv1.HTTPHeaderFilter) *schema.HeaderFilter {
	if h == nil {
		return nil
	}
	out := &schema.HeaderFilter{Remove: h.Remove}
	for _, x := range h.Set {
		if out.Set == nil {
			out.Set = map[string]string{}
		}
		out.Set[string(x.Name)] = x.Value
	}
	for _, x := range h.Add {
		if out.Add == nil {
			out.Add = map[string]string{}
		}
		out.Add[string(x.Name)] = x.Value
	}
	return out
}
