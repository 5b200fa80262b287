package model

import (
	"cmp"
	"net/http"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Route is one HTTPRoute: where it attaches, the hostnames it serves and its rules.
type Route struct {
	Name      string
	Namespace string
	Field     *field.Path // spec.routes[i]; nil for the routes krm-gen adds itself
	Hostnames []string
	Section   string // the Gateway listener it attaches to ("" for every listener)
	Rules     []Rule
	Health    bool // the health route: every listener, never redirected
	index     int  // position in spec.routes
}

// Rule is one rule of a route: requests matching any of Matches go to Backends
// (weighted), through Filters.
type Rule struct {
	Matches  []Match
	Backends []Backend
	Filters  Filters
}

// Match is one way a request matches a rule; its conditions are ANDed.
type Match struct {
	Path string
	Type schema.PathMatch
}

// Backend is a Service a rule forwards a share of its requests to.
type Backend struct {
	Service   string
	Namespace string
	Port      int32
	Weight    int32
}

// Filters change a rule's requests on their way.
type Filters struct {
	// RewritePrefix replaces the matched path prefix before forwarding ("" for none).
	RewritePrefix string
	// Redirect answers with a redirect instead of forwarding.
	Redirect *Redirect
}

// Redirect is an HTTP redirect answer.
type Redirect struct {
	Scheme     string
	Port       int32 // 0: the scheme's default port
	StatusCode int
}

// CrossNamespace reports whether b is in another namespace than the route.
func (r *Route) CrossNamespace(b Backend) bool { return b.Namespace != r.Namespace }

func routes(s *schema.Spec, m *Model) []Route {
	out := []Route{{
		Name: HealthResponderName, Namespace: m.Health.Namespace, Health: true,
		Rules: []Rule{{
			Matches:  []Match{{Path: m.Health.Path, Type: schema.MatchPathPrefix}},
			Backends: []Backend{{Service: HealthResponderName, Namespace: m.Health.Namespace, Port: HealthPort, Weight: 1}},
		}},
	}}
	// With the redirect on, app routes attach to HTTPS only; the health route stays on
	// every listener so the load balancer's probe is answered either way.
	section := ""
	if m.Gateway.RedirectToHTTPS {
		section = ListenerHTTPS
	}
	for i, r := range s.Routes {
		rt := Route{
			Name:      r.Name,
			Namespace: r.Namespace,
			Field:     field.NewPath("spec", "routes").Index(i),
			Hostnames: r.Hostnames,
			Section:   section,
			Rules:     []Rule{specRule(r, m)},
			index:     i,
		}
		out = append(out, rt)
	}
	if m.Gateway.RedirectToHTTPS {
		out = append(out, redirectRoute(m))
	}
	slices.SortStableFunc(out, func(a, b Route) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// specRule is a spec route's one rule: its path is the match, its app or backend the
// one backend (weight 1).
func specRule(r schema.Route, m *Model) Rule {
	rule := Rule{
		Matches: []Match{{Path: r.Path, Type: r.Match}},
		Filters: Filters{RewritePrefix: r.Rewrite},
	}
	switch {
	case r.Backend != nil:
		rule.Backends = []Backend{{Service: r.Backend.Service, Namespace: r.Backend.Namespace, Port: r.Backend.Port, Weight: 1}}
	case m.App(r.App) != nil:
		a := m.App(r.App)
		rule.Backends = []Backend{{Service: a.Service.Name, Namespace: a.Namespace, Port: a.Service.Port, Weight: 1}}
	}
	return rule
}

// redirectRoute answers plain HTTP with a redirect to HTTPS; the more specific health
// route still wins for the health path.
func redirectRoute(m *Model) Route {
	rd := &Redirect{Scheme: "https", StatusCode: http.StatusMovedPermanently}
	if l := m.Gateway.Listener(ListenerHTTPS); l != nil && l.Port != 443 {
		rd.Port = l.Port
	}
	return Route{
		Name: RedirectRouteName, Namespace: m.Gateway.Namespace, Section: ListenerHTTP,
		Rules: []Rule{{Filters: Filters{Redirect: rd}}},
	}
}
