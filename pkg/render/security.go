package render

import (
	"slices"
	"sort"

	apisecurity "istio.io/api/security/v1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"

	"github.com/krm-gen/krm-gen/pkg/model"
)

// security renders ambient zero-trust policy: mesh-wide mTLS, and in every namespace
// with rendered workloads an L4 ALLOW policy for the gateway's identity, the
// namespace's own workloads and the extra sources the spec names.
func security(m *model.Model, t *Tree) error {
	mode := apisecurity.PeerAuthentication_MutualTLS_STRICT
	if m.Spec.Spec.Security.MTLS == "PERMISSIVE" {
		mode = apisecurity.PeerAuthentication_MutualTLS_PERMISSIVE
	}
	pa := &securityv1.PeerAuthentication{
		TypeMeta:   typeMeta(securityv1.SchemeGroupVersion.String(), "PeerAuthentication"),
		ObjectMeta: meta(m, "default", model.IstioSystemNamespace, nil),
	}
	pa.Spec.Mtls = &apisecurity.PeerAuthentication_MutualTLS{Mode: mode}
	t.add(DirSecurity+"/"+model.IstioSystemNamespace+"/peerauthentication-default.yaml", pa)

	for _, ns := range m.Namespaces {
		if !ns.HasApps || !ns.Ambient {
			continue
		}
		t.add(DirSecurity+"/"+ns.Name+"/authorizationpolicy-allow-gateway.yaml", authorizationPolicy(m, ns.Name))
	}
	return nil
}

func authorizationPolicy(m *model.Model, ns string) *securityv1.AuthorizationPolicy {
	ap := &securityv1.AuthorizationPolicy{
		TypeMeta:   typeMeta(securityv1.SchemeGroupVersion.String(), "AuthorizationPolicy"),
		ObjectMeta: meta(m, "allow-gateway", ns, nil),
	}
	ap.Spec.Action = apisecurity.AuthorizationPolicy_ALLOW
	from := func(src *apisecurity.Source) *apisecurity.Rule {
		return &apisecurity.Rule{From: []*apisecurity.Rule_From{{Source: src}}}
	}
	ap.Spec.Rules = []*apisecurity.Rule{
		from(&apisecurity.Source{Principals: []string{m.Gateway.Principal}}),
		from(&apisecurity.Source{Namespaces: []string{ns}}),
	}
	// Extra sources named by the namespace's apps, deduplicated and sorted.
	var principals, namespaces, blocks []string
	for _, a := range m.AppsIn(ns) {
		for _, s := range a.AllowFrom {
			switch {
			case s.ServiceAccount != "":
				principals = append(principals, "cluster.local/ns/"+s.Namespace+"/sa/"+s.ServiceAccount)
			case s.Namespace != "" && s.Namespace != ns:
				namespaces = append(namespaces, s.Namespace)
			}
			blocks = append(blocks, s.IPBlocks...)
		}
	}
	if principals = uniqueSorted(principals); len(principals) > 0 {
		ap.Spec.Rules = append(ap.Spec.Rules, from(&apisecurity.Source{Principals: principals}))
	}
	if namespaces = uniqueSorted(namespaces); len(namespaces) > 0 {
		ap.Spec.Rules = append(ap.Spec.Rules, from(&apisecurity.Source{Namespaces: namespaces}))
	}
	if blocks = uniqueSorted(blocks); len(blocks) > 0 {
		ap.Spec.Rules = append(ap.Spec.Rules, from(&apisecurity.Source{IpBlocks: blocks}))
	}
	return ap
}

func uniqueSorted(s []string) []string {
	sort.Strings(s)
	return slices.Compact(s)
}
