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
func (m *Model) Check() field.ErrorList {
	var errs field.ErrorList
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
		if nameOK && len(a.Application) > maxNameLength {
			add(field.Invalid(a.Field.Child("name"), a.Name, fmt.Sprintf("too long: derived Application name %q exceeds %d characters", a.Application, maxNameLength)))
		}
	}
	errs = append(errs, m.checkRoutes()...)
	return errs
}

// checkRoutes: a spec route must not take the name of a route krm-gen renders or of
// another route in its namespace, and must not serve what another route or the health
// route serves.
func (m *Model) checkRoutes() field.ErrorList {
	var errs field.ErrorList
	reserved := map[string]string{
		m.Health.Namespace + "/" + HealthResponderName: "the rendered health route",
		m.Gateway.Namespace + "/" + RedirectRouteName:  "the rendered HTTP-to-HTTPS redirect",
	}
	type matchKey struct {
		hosts string
		match Match
	}
	names := map[string]*field.Path{}
	served := map[matchKey]*field.Path{}
	for _, r := range m.specRoutes() {
		if validLabel(r.Name) {
			id := r.Namespace + "/" + r.Name
			if what, ok := reserved[id]; ok {
				errs = append(errs, field.Invalid(r.Field.Child("name"), r.Name, fmt.Sprintf("is the name of %s in namespace %q; set another name", what, r.Namespace)))
			}
			if first, isDup := names[id]; isDup {
				errs = append(errs, schema.Duplicate(r.Field.Child("name"), r.Name, fmt.Sprintf("%s has the same HTTPRoute name in namespace %q; set name on one of them", first, r.Namespace)))
			} else {
				names[id] = r.Field
			}
		}
		hosts := slices.Clone(r.Hostnames)
		sort.Strings(hosts)
		for _, rule := range r.Rules {
			for _, mt := range rule.Matches {
				if schema.HTTPPath(mt.Path) != "" {
					continue // reported by validation
				}
				key := matchKey{strings.Join(hosts, ","), mt}
				if first, isDup := served[key]; isDup {
					errs = append(errs, schema.Duplicate(r.Field.Child("path"), mt.Path, fmt.Sprintf("conflicts with %s: same hostnames, match and path", first)))
				} else {
					served[key] = r.Field
				}
				if mt.Path == m.Health.Path {
					errs = append(errs, field.Invalid(r.Field.Child("path"), mt.Path, fmt.Sprintf("shadows the health path %s (spec.health.path): the load balancer's probe would hit this app", m.Health.Path)))
				}
			}
		}
	}
	return errs
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
