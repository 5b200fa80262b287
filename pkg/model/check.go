package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// maxNameLength bounds the names krm-gen derives: DNS-1123 labels (Applications,
// the objects Istio generates for the gateway).
const maxNameLength = 63

// Check reports the problems only the resolved platform shows: derived names over
// Kubernetes' limits, names the platform's own objects take, and routes that conflict
// with each other or with the health path. Names derived from a spec value that is
// itself invalid are not checked: validation reports that value.
func (m *Model) Check() (errs, warns field.ErrorList) {
	add := func(e *field.Error) { errs = append(errs, e) }
	nameOK := validLabel(m.Name)
	if n := m.Application(PartGatewayAPICRDs); nameOK && len(n) > maxNameLength {
		add(field.Invalid(field.NewPath("metadata", "name"), m.Name, fmt.Sprintf("too long: derived Application name %q exceeds %d characters", n, maxNameLength)))
	}
	if g := m.Gateway; validLabel(g.Name) && len(g.ServiceName) > maxNameLength {
		add(field.Invalid(field.NewPath("spec", "gateway", "name"), g.Name, fmt.Sprintf("too long: Istio names the gateway's Deployment, Service and ServiceAccount %q, which exceeds %d characters", g.ServiceName, maxNameLength)))
	}
	for _, a := range m.Apps {
		if a.Field == nil || len(validation.IsDNS1035Label(a.Name)) > 0 {
			continue
		}
		if a.Name == HealthResponderName {
			add(field.Invalid(a.Field.Child("name"), a.Name, "is reserved for the rendered health responder"))
		}
		if a.Inline != nil && a.Namespace == m.Health.Namespace {
			for j, d := range a.Inline.Deployments {
				if d.Name != "" && d.Deployment == HealthResponderName {
					add(field.Invalid(a.Field.Child("versions").Index(j).Child("name"), d.Name,
						fmt.Sprintf("names the version's Deployment and Service %s, the rendered health responder's in namespace %s", d.Deployment, a.Namespace)))
				}
			}
		}
		if nameOK && len(a.Application) > maxNameLength {
			add(field.Invalid(a.Field.Child("name"), a.Name, fmt.Sprintf("too long: derived Application name %q exceeds %d characters", a.Application, maxNameLength)))
		}
		if a.Inline == nil && len(a.Egress) > 0 && len(a.PodSelector) == 0 {
			add(field.Required(a.Field.Child("podSelector"), "egress opens connections from the app's pods only: an external app's pods carry labels krm-gen does not set, so name them here"))
		}
		if a.Inline == nil && len(a.AllowFrom) > 0 {
			switch waypoint := m.Waypoint(a.Namespace) != nil; {
			case !waypoint && len(a.PodSelector) == 0:
				add(field.Required(a.Field.Child("podSelector"), "allowFrom admits callers to the app's pods only: an external app's pods carry labels krm-gen does not set, so name them here"))
			case waypoint && len(a.PodSelector) > 0:
				warns = append(warns, field.Forbidden(a.Field.Child("podSelector"), fmt.Sprintf("not used: namespace %s has a waypoint, which checks the app's callers at its Service (%s)", a.Namespace, a.Service.Name)))
			}
		}
	}
	errs = append(errs, m.checkRoutes()...)
	return errs, warns
}

// checkRoutes: a spec route must not take the name of a route krm-gen renders or of
// another route of its kind in its namespace, and must not serve what another route or
// the health route serves.
func (m *Model) checkRoutes() field.ErrorList {
	var errs field.ErrorList
	reserved := map[string]string{
		m.Health.Namespace + "/" + HealthResponderName: "the rendered health route",
		m.Gateway.Namespace + "/" + RedirectRouteName:  "the rendered HTTP-to-HTTPS redirect",
	}
	names := map[string]*field.Path{}
	served := map[string]*field.Path{}
	for _, r := range m.specRoutes() {
		what := "HTTPRoute"
		if r.Kind == KindGRPCRoute {
			what = "GRPCRoute"
		}
		if validLabel(r.Name) {
			id := r.Namespace + "/" + r.Name
			if desc, ok := reserved[id]; ok && r.Kind == KindHTTPRoute {
				errs = append(errs, field.Invalid(r.Field.Child("name"), r.Name, fmt.Sprintf("is the name of %s in namespace %q; set another name", desc, r.Namespace)))
			}
			if first, isDup := names[r.Kind+"/"+id]; isDup {
				errs = append(errs, schema.Duplicate(r.Field.Child("name"), r.Name, fmt.Sprintf("%s has the same %s name in namespace %q; set name on one of them", first, what, r.Namespace)))
			} else {
				names[r.Kind+"/"+id] = r.Field
			}
		}
		if len(r.Parents) == 0 {
			errs = append(errs, field.Invalid(r.Field.Child("hostnames"), strings.Join(r.Hostnames, ","), "matches none of the gateway's listener hostnames (spec.gateway.https.certificates): the route would never be attached"))
		}
		hosts := slices.Clone(r.Hostnames)
		sort.Strings(hosts)
		parent := ""
		if r.Mesh {
			parent = fmt.Sprintf("%s/%s:%d", r.Parents[0].Namespace, r.Parents[0].Name, r.Parents[0].Port)
		}
		for _, rule := range r.Rules {
			matches := rule.Matches
			if len(matches) == 0 {
				matches = []Match{{}} // no match takes every request, as PathPrefix /
			}
			for k, mt := range matches {
				if mt.Path != "" && schema.HTTPPath(mt.Path) != "" {
					continue // reported by validation
				}
				at := r.Field.Child("matches").Index(k)
				switch {
				case len(rule.Matches) == 0:
					at = r.Field
				case r.shortPath(k):
					at = r.Field.Child("path")
				}
				key := r.Kind + "\x00" + parent + "\x00" + strings.Join(hosts, ",") + "\x00" + mt.key()
				if first, isDup := served[key]; isDup {
					errs = append(errs, schema.Duplicate(at, mt.Path, fmt.Sprintf("conflicts with %s: same hostnames, match and path", first)))
				} else {
					served[key] = r.Field
				}
				if !r.Mesh && r.Kind == KindHTTPRoute && mt.Path == m.Health.Path && mt.unconditional() {
					errs = append(errs, field.Invalid(at, mt.Path, fmt.Sprintf("shadows the health path %s (spec.health.path): the load balancer's probe would hit this app", m.Health.Path)))
				}
			}
		}
	}
	return errs
}

// key identifies what a match matches: two equal keys on the same hostnames conflict.
func (mt Match) key() string {
	path, typ := mt.Path, mt.Type
	if path == "" && mt.GRPCService == "" && mt.GRPCMethod == "" {
		path, typ = "/", schema.MatchPathPrefix // Gateway API's default match
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s %s/%s", typ, path, mt.Method, mt.GRPCService, mt.GRPCMethod)
	for _, part := range []map[string]string{mt.Headers, mt.QueryParams} {
		b.WriteString(" |")
		for _, k := range sortedKeys(part) {
			fmt.Fprintf(&b, " %s=%s", strings.ToLower(k), part[k])
		}
	}
	return b.String()
}

// unconditional: the match takes any request on its path (the load balancer's probe too).
func (mt Match) unconditional() bool {
	return len(mt.Headers) == 0 && len(mt.QueryParams) == 0 && (mt.Method == "" || mt.Method == "GET")
}

// shortPath reports whether match k of the route's rule came from the route's short
// form path (reported at .path) rather than from matches[k].
func (r *Route) shortPath(k int) bool { return r.short && k == 0 }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// specRoutes are the routes of the spec, in spec order.
func (m *Model) specRoutes() []*Route {
	var out []*Route
	for i := range m.Routes {
		if m.Routes[i].Field != nil {
			out = append(out, &m.Routes[i])
		}
	}
	slices.SortFunc(out, func(a, b *Route) int { return a.index - b.index })
	return out
}

func validLabel(s string) bool { return s != "" && len(validation.IsDNS1123Label(s)) == 0 }
