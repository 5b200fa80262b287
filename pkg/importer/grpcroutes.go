package importer

import (
	"fmt"

	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// grpcRoute reads a GRPCRoute: one spec route (protocol GRPC) per rule.
func (b *builder) grpcRoute(o *Object, r *gwv1.GRPCRoute) {
	b.parent(o, r.Spec.ParentRefs)
	hosts := make([]string, len(r.Spec.Hostnames))
	for i, h := range r.Spec.Hostnames {
		hosts[i] = string(h)
	}
	for i, ru := range r.Spec.Rules {
		name := r.Name
		if len(r.Spec.Rules) > 1 {
			name = r.Name + "-" + itoa(i+1)
			o.renamed = fmt.Sprintf("GRPCRoutes %s/%s-1 to -%d, one per rule", r.Namespace, r.Name, len(r.Spec.Rules))
			b.differ("%s: rule %d becomes GRPCRoute %s/%s (a spec route holds one rule)", o.Ref(), i+1, r.Namespace, name)
		}
		f := "spec.rules[" + itoa(i) + "]"
		var rule schema.Rule
		for j, m := range ru.Matches {
			var rm schema.RouteMatch
			if m.Method != nil {
				if m.Method.Type != nil && *m.Method.Type != gwv1.GRPCMethodMatchExact {
					b.lose(o, f+".matches["+itoa(j)+"].method", "only exact methods")
				}
				rm.GRPC = &schema.GRPCMatch{}
				if m.Method.Service != nil {
					rm.GRPC.Service = *m.Method.Service
				}
				if m.Method.Method != nil {
					rm.GRPC.Method = *m.Method.Method
				}
			}
			for _, h := range m.Headers {
				if rm.Headers == nil {
					rm.Headers = map[string]string{}
				}
				rm.Headers[string(h.Name)] = h.Value
			}
			rule.Matches = append(rule.Matches, rm)
		}
		for j, br := range ru.BackendRefs {
			rule.Backends = append(rule.Backends, b.backend(o, f+".backendRefs["+itoa(j)+"]", br.BackendRef, r.Namespace))
		}
		for j, flt := range ru.Filters {
			ff := f + ".filters[" + itoa(j) + "]"
			switch flt.Type {
			case gwv1.GRPCRouteFilterRequestHeaderModifier:
				rule.RequestHeaders = headers(flt.RequestHeaderModifier)
			case gwv1.GRPCRouteFilterResponseHeaderModifier:
				rule.ResponseHeaders = headers(flt.ResponseHeaderModifier)
			case gwv1.GRPCRouteFilterRequestMirror:
				rule.Mirror = b.mirror(o, ff, flt.RequestMirror, r.Namespace)
			default:
				b.lose(o, ff, "filter %s is not carried over", flt.Type)
			}
		}
		b.addRoute(schema.Route{Name: name, Protocol: schema.RouteGRPC, Hostnames: hosts, Namespace: r.Namespace, Rule: rule})
	}
}

// addRoute adds a route in its shortest form: fields equal to their defaults (the
// name from the path, the namespace from the backend) are left out.
func (b *builder) addRoute(r schema.Route) {
	if len(r.Hostnames) == 0 {
		r.Hostnames = nil
	}
	if len(r.Matches) == 1 && r.Matches[0].Method == "" && len(r.Matches[0].Headers) == 0 && len(r.Matches[0].QueryParams) == 0 && r.Matches[0].GRPC == nil && r.Matches[0].Path != "" {
		r.Path, r.Match = r.Matches[0].Path, r.Matches[0].Match
		r.Matches = nil
	}
	if len(r.Backends) == 1 && r.Backends[0].Weight == nil {
		bk := r.Backends[0]
		switch {
		case bk.App != "" && bk.Port == 0 && bk.Version == "": // the short form names no version
			r.App, r.Backends = bk.App, nil
		case bk.Service != "" && bk.Port != 0:
			r.Backend, r.Backends = &schema.Backend{Service: bk.Service, Namespace: bk.Namespace, Port: bk.Port}, nil
		}
	}
	if r.Protocol == schema.RouteHTTP {
		r.Protocol = ""
	}
	// Drop what defaults to the same values.
	probe := r
	probe.Name = ""
	if b.defaultNamespace(probe) == r.Namespace {
		r.Namespace = ""
	}
	if schema.RouteName(probe) == r.Name {
		r.Name = ""
	}
	for i := range r.Backends {
		if bk := &r.Backends[i]; r.Namespace != "" && bk.Service != "" && bk.Namespace == r.Namespace {
			bk.Namespace = ""
		}
	}
	b.p.Spec.Routes = append(b.p.Spec.Routes, r)
}

// defaultNamespace is the namespace the spec gives a route without one: its first
// backend's (schema.Platform.Default).
func (b *builder) defaultNamespace(r schema.Route) string {
	appNS := func(name string) string {
		for _, a := range b.p.Spec.Apps {
			if a.Name == name {
				return a.Namespace
			}
		}
		return ""
	}
	switch {
	case r.Backend != nil:
		return r.Backend.Namespace
	case r.App != "":
		return appNS(r.App)
	case len(r.Backends) > 0 && r.Backends[0].App != "":
		return appNS(r.Backends[0].App)
	case len(r.Backends) > 0:
		return r.Backends[0].Namespace
	}
	return ""
}
