package render

import (
	apisecurity "istio.io/api/security/v1"
	apitype "istio.io/api/type/v1beta1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// security renders ambient zero-trust policy: mesh-wide mTLS; in every namespace with
// apps an L4 ALLOW policy for the gateway's identity and the namespace's own workloads
// (enforced by ztunnel) and, behind it, default-deny NetworkPolicies (enforced by the
// CNI, see networkPolicies); per app, a policy for the extra callers the spec names. In a
// namespace with a waypoint, mesh traffic to its Services arrives with the waypoint's
// identity, so ztunnel admits the waypoint and the caller checks move to the waypoint
// (policies with targetRefs): there, L7 rules (paths, methods) are enforced too.
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
		t.add(securityFile(ns.Name), authorizationPolicy(m, ns))
		for _, np := range networkPolicies(m, ns) {
			t.add(securityFile(ns.Name), np)
		}
		if ns.Waypoint != nil {
			t.add(securityFile(ns.Name), waypointPolicy(m, ns))
		}
	}
	for _, a := range m.Apps {
		if len(a.AllowFrom) > 0 {
			for _, ap := range appCallersPolicies(m, a) {
				t.add(securityFile(a.Namespace), ap)
			}
		}
	}
	return nil
}

// securityFile holds a namespace's Istio security policies.
func securityFile(ns string) string { return DirSecurity + "/" + ns + ".yaml" }

func policy(m *model.Model, name, ns string, extra map[string]string) *securityv1.AuthorizationPolicy {
	ap := &securityv1.AuthorizationPolicy{
		TypeMeta:   typeMeta(securityv1.SchemeGroupVersion.String(), "AuthorizationPolicy"),
		ObjectMeta: meta(m, name, ns, extra),
	}
	ap.Spec.Action = apisecurity.AuthorizationPolicy_ALLOW
	return ap
}

// authorizationPolicy is the namespace's ztunnel (L4) policy.
func authorizationPolicy(m *model.Model, ns model.Namespace) *securityv1.AuthorizationPolicy {
	ap := policy(m, "allow-gateway", ns.Name, nil)
	ap.Spec.Rules = []*apisecurity.Rule{
		from(&apisecurity.Source{Principals: []string{m.Gateway.Principal}}),
		from(&apisecurity.Source{Namespaces: []string{ns.Name}}),
	}
	if w := ns.Waypoint; w != nil {
		ap.Spec.Rules = append(ap.Spec.Rules, from(&apisecurity.Source{Principals: []string{w.Principal}}))
	}
	if p := meshCallerPrincipals(ns); len(p) > 0 {
		// Mesh routes of other namespaces send here through their waypoints.
		ap.Spec.Rules = append(ap.Spec.Rules, from(&apisecurity.Source{Principals: p}))
	}
	return ap
}

// waypointPolicy admits the namespace's own workloads at its waypoint (where ztunnel
// now sees the waypoint instead of them); apps' callers are added per app.
func waypointPolicy(m *model.Model, ns model.Namespace) *securityv1.AuthorizationPolicy {
	ap := policy(m, "allow-namespace-at-waypoint", ns.Name, nil)
	ap.Spec.TargetRefs = []*apitype.PolicyTargetReference{{Group: gwv1.GroupName, Kind: model.KindGateway, Name: ns.Waypoint.Name}}
	ap.Spec.Rules = []*apisecurity.Rule{from(&apisecurity.Source{Namespaces: []string{ns.Name}})}
	if p := meshCallerPrincipals(ns); len(p) > 0 {
		// Mesh routes of other namespaces send here through their waypoints.
		ap.Spec.Rules = append(ap.Spec.Rules, from(&apisecurity.Source{Principals: p}))
	}
	return ap
}

// appCallersPolicies let the extra sources an app names reach that app only: one
// rule per source, whose fields must all match. Without a waypoint, one policy at
// ztunnel selects the app's pods. With one, mesh traffic to the app's Service arrives
// through the waypoint: a policy targeting the Service checks every source there (a
// source's paths and methods become the rule's operation), and the L4-only sources
// keep a ztunnel policy on the pods too (when their labels are known), for what does
// not pass the waypoint (pod IPs, ipBlocks callers outside the mesh). L7 sources get none: a request that skips
// the waypoint cannot have its path checked, so ztunnel refuses it.
func appCallersPolicies(m *model.Model, a model.App) []*securityv1.AuthorizationPolicy {
	name := "allow-" + a.Name + "-callers"
	labels := map[string]string{model.LabelName: a.Name}
	atPods := func(name string) *securityv1.AuthorizationPolicy {
		ap := policy(m, name, a.Namespace, labels)
		ap.Spec.Selector = &apitype.WorkloadSelector{MatchLabels: a.PodSelector}
		return ap
	}
	if m.Waypoint(a.Namespace) == nil {
		ap := atPods(name)
		for _, s := range a.AllowFrom {
			ap.Spec.Rules = append(ap.Spec.Rules, from(callerSource(s)))
		}
		return []*securityv1.AuthorizationPolicy{ap}
	}
	atWaypoint := policy(m, name, a.Namespace, labels)
	atWaypoint.Spec.TargetRefs = []*apitype.PolicyTargetReference{{Group: "", Kind: model.KindService, Name: a.Service.Name}}
	if a.Inline != nil { // callers may call one version's Service too
		for _, d := range a.Inline.Deployments {
			if d.Service != "" {
				atWaypoint.Spec.TargetRefs = append(atWaypoint.Spec.TargetRefs, &apitype.PolicyTargetReference{Group: "", Kind: model.KindService, Name: d.Service})
			}
		}
	}
	l4 := atPods(name + "-l4")
	for _, s := range a.AllowFrom {
		rule := from(callerSource(s))
		if len(s.Paths) > 0 || len(s.Methods) > 0 {
			rule.To = []*apisecurity.Rule_To{{Operation: &apisecurity.Operation{Paths: s.Paths, Methods: s.Methods}}}
		} else {
			l4.Spec.Rules = append(l4.Spec.Rules, from(callerSource(s)))
		}
		atWaypoint.Spec.Rules = append(atWaypoint.Spec.Rules, rule)
	}
	if len(l4.Spec.Rules) == 0 || len(a.PodSelector) == 0 {
		// An external app without podSelector: its pods cannot be selected, so its
		// callers reach it only through the waypoint.
		return []*securityv1.AuthorizationPolicy{atWaypoint}
	}
	return []*securityv1.AuthorizationPolicy{atWaypoint, l4}
}

// callerSource is who an allowFrom entry names: a service account, a namespace, IP blocks.
func callerSource(s schema.Source) *apisecurity.Source {
	src := &apisecurity.Source{IpBlocks: s.IPBlocks}
	switch {
	case s.ServiceAccount != "":
		src.Principals = []string{"cluster.local/ns/" + s.Namespace + "/sa/" + s.ServiceAccount}
	case s.Namespace != "":
		src.Namespaces = []string{s.Namespace}
	}
	return src
}

// meshCallerPrincipals are the identities of the waypoints that send here.
func meshCallerPrincipals(ns model.Namespace) []string {
	var p []string
	for _, w := range ns.MeshCallers {
		p = append(p, w.Principal)
	}
	return p
}

func from(src *apisecurity.Source) *apisecurity.Rule {
	return &apisecurity.Rule{From: []*apisecurity.Rule_From{{Source: src}}}
}
