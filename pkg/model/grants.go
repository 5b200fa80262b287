package model

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Group and kinds a ReferenceGrant names.
const (
	GatewayAPIGroup = "gateway.networking.k8s.io"
	KindHTTPRoute   = "HTTPRoute"
	KindGateway     = "Gateway"
	KindService     = "Service"
	KindSecret      = "Secret"
)

// Grant is one ReferenceGrant: it lives in the target namespace and lets one kind in
// one namespace refer to the named objects of one kind.
type Grant struct {
	Namespace     string
	FromGroup     string
	FromKind      string
	FromNamespace string
	ToGroup       string
	ToKind        string
	ToNames       []string // sorted
}

// Name is the ReferenceGrant's object name (allow-service-from-<ns>; GRPCRoutes get
// their own grant, allow-service-from-<ns>-grpc, so HTTPRoute grants keep their names).
func (g Grant) Name() string {
	n := fmt.Sprintf("allow-%s-from-%s", strings.ToLower(g.ToKind), g.FromNamespace)
	if g.FromKind == KindGRPCRoute {
		n += "-grpc"
	}
	return n
}

// grants returns one ReferenceGrant per (target namespace, source namespace, kind),
// scoped to the named objects, exactly where a reference crosses namespaces: a
// route's backend in another namespace, the gateway's certificate in another one.
func grants(m *Model) []Grant {
	type key struct{ ns, from, fromKind, kind string }
	names := map[key]map[string]bool{}
	add := func(k key, name string) {
		if names[k] == nil {
			names[k] = map[string]bool{}
		}
		names[k][name] = true
	}
	for i := range m.Routes {
		r := &m.Routes[i]
		for _, b := range r.References() {
			if r.CrossNamespace(b) {
				add(key{b.Namespace, r.Namespace, r.Kind, KindService}, b.Service)
			}
		}
	}
	for _, s := range m.Gateway.TLSSecrets() {
		if s.Namespace != m.Gateway.Namespace {
			add(key{s.Namespace, m.Gateway.Namespace, KindGateway, KindSecret}, s.Name)
		}
	}
	out := make([]Grant, 0, len(names))
	for k, set := range names {
		g := Grant{Namespace: k.ns, FromGroup: GatewayAPIGroup, FromKind: k.fromKind, FromNamespace: k.from, ToKind: k.kind}
		for n := range set {
			g.ToNames = append(g.ToNames, n)
		}
		sort.Strings(g.ToNames)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Grant) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.ToKind, b.ToKind), cmp.Compare(a.FromNamespace, b.FromNamespace), cmp.Compare(a.FromKind, b.FromKind))
	})
	return out
}
