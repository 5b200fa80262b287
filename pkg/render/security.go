package render

import (
	apisecurity "istio.io/api/security/v1"
	apitype "istio.io/api/type/v1beta1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"

	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// security renders ambient zero-trust policy: mesh-wide mTLS; in every namespace with
// rendered workloads an L4 ALLOW policy for the gateway's identity and the namespace's
// own workloads; and per app, a policy for the extra callers the spec names.
func security(m *model.Model, t *Tree) error {
	mode := apisecurity.PeerAuthentication_MutualTLS_STRICT
	if m.MTLS == schema.MTLSPermissive {
		mode = apisecurity.PeerAuthentication_MutualTLS_PERMISSIVE
	}
	pa := &securityv1.PeerAuthentication{
		TypeMeta:   typeMeta(securityv1.SchemeGroupVersion.String(), "PeerAuthentication"),
		ObjectMeta: meta(m, "default", model.IstioSystemNamespace, nil),
	}
	pa.Spec.Mtls = &apisecurity.PeerAuthentication_MutualTLS{Mode: mode}
	t.add(securityFile(model.IstioSystemNamespace), pa)

	for _, ns := range m.Namespaces {
		if !ns.HasApps {
			continue
		}
		t.add(securityFile(ns.Name), authorizationPolicy(m, ns.Name))
	}
	for _, a := range m.Apps {
		if len(a.AllowFrom) > 0 {
			t.add(securityFile(a.Namespace), appCallersPolicy(m, a))
		}
	}
	return nil
}

// securityFile holds a namespace's Istio security policies.
func securityFile(ns string) string { return DirSecurity + "/" + ns + ".yaml" }

func authorizationPolicy(m *model.Model, ns string) *securityv1.AuthorizationPolicy {
	ap := &securityv1.AuthorizationPolicy{
		TypeMeta:   typeMeta(securityv1.SchemeGroupVersion.String(), "AuthorizationPolicy"),
		ObjectMeta: meta(m, "allow-gateway", ns, nil),
	}
	ap.Spec.Action = apisecurity.AuthorizationPolicy_ALLOW
	ap.Spec.Rules = []*apisecurity.Rule{
		from(&apisecurity.Source{Principals: []string{m.Gateway.Principal}}),
		from(&apisecurity.Source{Namespaces: []string{ns}}),
	}
	return ap
}

// appCallersPolicy lets the extra sources an app names reach that app only: one
// rule per source, whose fields must all match.
func appCallersPolicy(m *model.Model, a model.App) *securityv1.AuthorizationPolicy {
	ap := &securityv1.AuthorizationPolicy{
		TypeMeta:   typeMeta(securityv1.SchemeGroupVersion.String(), "AuthorizationPolicy"),
		ObjectMeta: meta(m, "allow-"+a.Name+"-callers", a.Namespace, map[string]string{model.LabelName: a.Name}),
	}
	ap.Spec.Selector = &apitype.WorkloadSelector{MatchLabels: a.PodSelector}
	ap.Spec.Action = apisecurity.AuthorizationPolicy_ALLOW
	for _, s := range a.AllowFrom {
		src := &apisecurity.Source{IpBlocks: s.IPBlocks}
		switch {
		case s.ServiceAccount != "":
			src.Principals = []string{"cluster.local/ns/" + s.Namespace + "/sa/" + s.ServiceAccount}
		case s.Namespace != "":
			src.Namespaces = []string{s.Namespace}
		}
		ap.Spec.Rules = append(ap.Spec.Rules, from(src))
	}
	return ap
}

func from(src *apisecurity.Source) *apisecurity.Rule {
	return &apisecurity.Rule{From: []*apisecurity.Rule_From{{Source: src}}}
}
