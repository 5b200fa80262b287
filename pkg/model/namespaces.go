package model

import (
	"cmp"
	"slices"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Namespace labels krm-gen sets.
const (
	LabelPSAEnforce        = "pod-security.kubernetes.io/enforce"
	LabelPSAEnforceVersion = "pod-security.kubernetes.io/enforce-version"
	LabelPSAWarn           = "pod-security.kubernetes.io/warn"
	LabelPSAAudit          = "pod-security.kubernetes.io/audit"
	LabelReadinessGate     = "elbv2.k8s.aws/pod-readiness-gate-inject"
)

// Namespace is a namespace the platform uses, with what it holds.
type Namespace struct {
	Name        string
	PodSecurity schema.PodSecurityLevel // the lowest level any of its apps needs
	HasRoutes   bool                    // holds routes that attach to the gateway
	Waypoint    *Waypoint               // its Services' mesh traffic goes through this waypoint
	HasApps     bool                    // holds apps: gets the gateway-only AuthorizationPolicy
	IsGateway   bool
	// MeshCallers are the other namespaces' waypoints whose mesh routes send requests
	// to Services here (requests arrive from their pods, with their identity), by namespace.
	MeshCallers []Waypoint
	// Managed namespaces are created and labelled by krm-gen; the others (backend or
	// certificate namespaces holding nothing krm-gen renders but a ReferenceGrant)
	// belong to someone else and are only referenced.
	Managed bool
	Labels  map[string]string // what krm-gen labels a managed namespace with
}

func namespaces(m *Model) []Namespace {
	byName := map[string]*Namespace{}
	get := func(name string) *Namespace {
		if ns, ok := byName[name]; ok {
			return ns
		}
		ns := &Namespace{Name: name, PodSecurity: schema.PodSecurityRestricted}
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
	managed(m.Gateway.Namespace).IsGateway = true
	for _, s := range m.Gateway.TLSSecrets() {
		get(s.Namespace)
	}
	for _, a := range m.Apps {
		ns := managed(a.Namespace)
		ns.HasApps = true
		ns.PodSecurity = ns.PodSecurity.Lowest(a.PodSecurity)
	}
	for i := range m.Routes {
		r := &m.Routes[i]
		ns := managed(r.Namespace)
		ns.HasRoutes = ns.HasRoutes || !r.Mesh
		for _, b := range r.References() {
			get(b.Namespace)
		}
	}
	for i := range m.Waypoints {
		managed(m.Waypoints[i].Namespace).Waypoint = &m.Waypoints[i]
	}
	for i := range m.Routes {
		r := &m.Routes[i]
		w := byName[r.Namespace].Waypoint
		if !r.Mesh || w == nil {
			continue
		}
		for _, b := range r.References() {
			if ns := get(b.Namespace); b.Namespace != r.Namespace && !slices.ContainsFunc(ns.MeshCallers, func(c Waypoint) bool { return c.Namespace == w.Namespace }) {
				ns.MeshCallers = append(ns.MeshCallers, *w)
			}
		}
	}
	out := make([]Namespace, 0, len(byName))
	for _, ns := range byName {
		slices.SortFunc(ns.MeshCallers, func(a, b Waypoint) int { return cmp.Compare(a.Namespace, b.Namespace) })
		if ns.Managed {
			ns.Labels = namespaceLabels(m, ns)
		}
		out = append(out, *ns)
	}
	slices.SortFunc(out, func(a, b Namespace) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

func namespaceLabels(m *Model, ns *Namespace) map[string]string {
	l := map[string]string{
		LabelPSAEnforce:        string(ns.PodSecurity),
		LabelPSAEnforceVersion: "latest",
		// Users are warned at the enforced level: a level lowered explicitly (the spec
		// warns once) would otherwise warn on every apply. The audit log keeps
		// recording what restricted would refuse.
		LabelPSAWarn:       string(ns.PodSecurity),
		LabelPSAAudit:      string(schema.PodSecurityRestricted),
		LabelDataplaneMode: "ambient",
	}
	if ns.HasRoutes {
		l[LabelGatewayAccess] = m.Gateway.Name
	}
	if ns.Waypoint != nil {
		l[LabelUseWaypoint] = ns.Waypoint.Name
	}
	if ns.IsGateway && m.Provider == schema.ProviderEKS {
		// The LB controller registers pod IPs; readiness gates keep rollouts safe.
		l[LabelReadinessGate] = "enabled"
	}
	return l
}
