// Package model resolves a validated Platform spec into what the renderers need:
// derived names, node pools turned into selectors and tolerations, routes resolved
// to backends, and the references that cross namespaces.
package model

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Labels krm-gen puts on what it renders.
const (
	LabelManagedBy     = "app.kubernetes.io/managed-by"
	ManagedBy          = "krm-gen"
	LabelPartOf        = "app.kubernetes.io/part-of"
	LabelName          = "app.kubernetes.io/name"
	LabelGatewayAccess = "krm-gen.dev/gateway"
	LabelDataplaneMode = "istio.io/dataplane-mode"
)

// Placement is where a workload runs: the node selector and tolerations of a pool.
type Placement struct {
	Pool         string
	NodeSelector map[string]string
	Tolerations  []corev1.Toleration
}

// Namespace is a namespace the platform manages, with what it holds.
type Namespace struct {
	Name        string
	Ambient     bool   // labelled istio.io/dataplane-mode: ambient
	PodSecurity string // Pod Security level to enforce
	HasRoutes   bool   // holds HTTPRoutes: may attach to the gateway
	HasApps     bool   // holds rendered workloads: gets an AuthorizationPolicy
	IsGateway   bool
	// Managed namespaces are created and labelled by krm-gen; the others (backend or
	// certificate namespaces holding nothing krm-gen renders but a ReferenceGrant)
	// belong to someone else and are only referenced.
	Managed bool
}

// App is an inline workload with its placement resolved.
type App struct {
	schema.App
	Placement Placement
	Health    bool // the rendered health responder
}

// Route is one HTTPRoute, resolved to its backend Service.
type Route struct {
	Name             string
	Namespace        string
	Path             string
	Match            string
	Hostnames        []string
	Rewrite          string
	Service          string
	ServiceNamespace string
	Port             int32
	Health           bool
}

// CrossNamespace reports whether the route's backend is in another namespace.
func (r Route) CrossNamespace() bool { return r.Namespace != r.ServiceNamespace }

// Grant is one ReferenceGrant: it lives in the target namespace and lets one
// kind in one namespace refer to the named objects of one kind.
type Grant struct {
	Namespace     string
	FromGroup     string
	FromKind      string
	FromNamespace string
	ToGroup       string
	ToKind        string
	ToNames       []string
}

// Name is the ReferenceGrant's object name.
func (g Grant) Name() string {
	return fmt.Sprintf("allow-%s-from-%s", strings.ToLower(g.ToKind), g.FromNamespace)
}

// Model is the resolved platform.
type Model struct {
	Spec        *schema.Platform
	Name        string
	Pools       map[string]Placement
	Gateway     Gateway
	Namespaces  []Namespace
	Apps        []App   // by name, so no output depends on the spec's order
	Routes      []Route // by namespace, then name
	Grants      []Grant
	Environment string // "" for the base spec
	TreePath    string // repository path of the rendered tree (spec.git.path[/env])
}

// Gateway is the resolved gateway.
type Gateway struct {
	schema.Gateway
	ServiceName string // <name>-istio: Deployment, Service and ServiceAccount
	Principal   string // SPIFFE identity of the gateway pods
	Placement   Placement
	ParamsName  string // the parametersRef ConfigMap
}

// IstioSystemNamespace is where the Istio control plane is installed.
const IstioSystemNamespace = "istio-system"

// Build resolves a defaulted, validated spec. It assumes Validate found no errors.
func Build(p *schema.Platform) *Model {
	s := &p.Spec
	m := &Model{Spec: p, Name: p.Metadata.Name, Pools: map[string]Placement{}, TreePath: s.Git.Path}
	for name, pool := range s.NodePools {
		m.Pools[name] = placement(name, pool)
	}
	g := s.Gateway
	m.Gateway = Gateway{
		Gateway:     g,
		ServiceName: g.Name + schema.GatewayServiceSuffix,
		Principal:   fmt.Sprintf("cluster.local/ns/%s/sa/%s%s", g.Namespace, g.Name, schema.GatewayServiceSuffix),
		Placement:   m.Pools[g.NodePool],
		ParamsName:  g.Name + "-params",
	}

	m.Apps = append(m.Apps, healthApp(s, m.Pools[s.Health.NodePool]))
	for _, a := range s.Apps {
		m.Apps = append(m.Apps, App{App: a, Placement: m.Pools[a.NodePool]})
	}
	slices.SortStableFunc(m.Apps, func(a, b App) int { return cmp.Compare(a.Name, b.Name) })
	m.Routes = resolveRoutes(s)
	slices.SortStableFunc(m.Routes, func(a, b Route) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	m.Grants = grants(m)
	m.Namespaces = namespaces(m)
	return m
}

func placement(name string, pool schema.NodePool) Placement {
	pl := Placement{Pool: name, NodeSelector: pool.Labels}
	for _, t := range pool.Taints {
		tol := corev1.Toleration{Key: t.Key, Operator: corev1.TolerationOpEqual, Value: t.Value, Effect: corev1.TaintEffect(t.Effect)}
		if t.Value == "" {
			tol.Operator = corev1.TolerationOpExists
		}
		pl.Tolerations = append(pl.Tolerations, tol)
	}
	return pl
}

// HealthPort is the port the health responder listens on.
const HealthPort = 8080

func healthApp(s *schema.Spec, pl Placement) App {
	conf := fmt.Sprintf(`server {
    listen %d;
    server_name _;
    default_type text/plain;
    location = %s { return 200 "ok\n"; }
    location %s/ { return 200 "ok\n"; }
    location = /ready { return 200 "ok\n"; }
    location = /live { return 200 "ok\n"; }
    location / { return 404 "not found\n"; }
}
`, HealthPort, s.Health.Path, strings.TrimSuffix(s.Health.Path, "/"))
	return App{
		Health:    true,
		Placement: pl,
		App: schema.App{
			Name:          schema.HealthResponderName,
			Namespace:     s.Health.Namespace,
			NodePool:      s.Health.NodePool,
			Image:         s.Health.Image,
			Port:          HealthPort,
			Replicas:      2,
			Probe:         &schema.Probe{Path: "/ready"},
			Files:         []schema.File{{Path: "/etc/nginx/conf.d/default.conf", Content: conf}},
			WritablePaths: []string{"/tmp"},
			PodSecurity:   schema.PodSecurityRestricted,
			Resources: &schema.Resources{
				Requests: map[string]string{"cpu": "10m", "memory": "16Mi"},
				Limits:   map[string]string{"cpu": "100m", "memory": "64Mi"},
			},
		},
	}
}

func resolveRoutes(s *schema.Spec) []Route {
	apps := map[string]schema.App{}
	for _, a := range s.Apps {
		apps[a.Name] = a
	}
	out := []Route{{
		Name: schema.HealthResponderName, Namespace: s.Health.Namespace, Path: s.Health.Path, Match: schema.MatchPathPrefix,
		Service: schema.HealthResponderName, ServiceNamespace: s.Health.Namespace, Port: HealthPort, Health: true,
	}}
	for _, r := range s.Routes {
		rt := Route{Name: r.Name, Namespace: r.Namespace, Path: r.Path, Match: r.Match, Hostnames: r.Hostnames, Rewrite: r.Rewrite}
		if r.Backend != nil {
			rt.Service, rt.ServiceNamespace, rt.Port = r.Backend.Service, r.Backend.Namespace, r.Backend.Port
		} else {
			a := apps[r.App]
			rt.Service, rt.ServiceNamespace, rt.Port = a.Name, a.Namespace, a.Port
		}
		out = append(out, rt)
	}
	return out
}

// grants returns one ReferenceGrant per (target namespace, source namespace, kind),
// scoped to the named objects, exactly where a reference crosses namespaces.
func grants(m *Model) []Grant {
	type key struct{ ns, from, kind string }
	names := map[key]map[string]bool{}
	add := func(k key, name string) {
		if names[k] == nil {
			names[k] = map[string]bool{}
		}
		names[k][name] = true
	}
	for _, r := range m.Routes {
		if r.CrossNamespace() {
			add(key{r.ServiceNamespace, r.Namespace, "Service"}, r.Service)
		}
	}
	if h := m.Gateway.HTTPS; h != nil && h.CertificateNamespace != m.Gateway.Namespace {
		add(key{h.CertificateNamespace, m.Gateway.Namespace, "Secret"}, h.CertificateSecret)
	}
	out := make([]Grant, 0, len(names))
	for k, set := range names {
		g := Grant{Namespace: k.ns, FromNamespace: k.from, FromGroup: "gateway.networking.k8s.io", FromKind: "HTTPRoute", ToKind: k.kind}
		if k.kind == "Secret" {
			g.FromKind = "Gateway"
		}
		for n := range set {
			g.ToNames = append(g.ToNames, n)
		}
		sort.Strings(g.ToNames)
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.ToKind != b.ToKind {
			return a.ToKind < b.ToKind
		}
		return a.FromNamespace < b.FromNamespace
	})
	return out
}

func namespaces(m *Model) []Namespace {
	byName := map[string]*Namespace{}
	get := func(name string) *Namespace {
		if ns, ok := byName[name]; ok {
			return ns
		}
		ns := &Namespace{Name: name, PodSecurity: schema.PodSecurityRestricted, Ambient: true}
		byName[name] = ns
		return ns
	}
	managed := func(name string) *Namespace {
		ns := get(name)
		ns.Managed = true
		return ns
	}
	// The gateway's namespace is labelled ambient like the others: istiod marks the
	// gateway pods istio.io/dataplane-mode=none, so ztunnel does not capture them.
	gw := managed(m.Gateway.Namespace)
	gw.IsGateway = true
	if h := m.Gateway.HTTPS; h != nil {
		get(h.CertificateNamespace)
	}
	for _, a := range m.Apps {
		ns := managed(a.Namespace)
		ns.HasApps = true
		ns.PodSecurity = a.PodSecurity
	}
	for _, r := range m.Routes {
		managed(r.Namespace).HasRoutes = true
		get(r.ServiceNamespace)
	}
	if m.Gateway.HTTP != nil && m.Gateway.HTTP.RedirectToHTTPS {
		gw.HasRoutes = true // the redirect route lives in the gateway's namespace
	}
	out := make([]Namespace, 0, len(byName))
	for _, ns := range byName {
		out = append(out, *ns)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// NamespaceNames lists the platform's namespaces, sorted.
func (m *Model) NamespaceNames() []string {
	out := make([]string, len(m.Namespaces))
	for i, ns := range m.Namespaces {
		out[i] = ns.Name
	}
	return out
}
