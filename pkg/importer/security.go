package importer

import (
	"strings"

	securityv1 "istio.io/client-go/pkg/apis/security/v1"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Policies krm-gen writes itself in every app namespace.
var derivedPolicies = map[string]bool{"allow-gateway": true, "allow-namespace-at-waypoint": true}

// security reads mesh-wide mTLS and each app's extra callers; the rest of the input's
// policies are replaced by krm-gen's (reported as differences).
func (b *builder) security() {
	for _, o := range b.ofKind("PeerAuthentication") {
		o.used = true
		mode := str(lookup(o.Raw, "spec", "mtls", "mode"))
		if o.Name == "default" && o.Namespace == "istio-system" {
			if mode == string(schema.MTLSPermissive) {
				b.p.Spec.Security.MTLS = schema.MTLSPermissive
			}
			continue
		}
		b.differ("%s: replaced by the mesh-wide one in istio-system (mode %s)", o.Ref(), or(string(b.p.Spec.Security.MTLS), "STRICT"))
	}
	for _, o := range b.ofKind("AuthorizationPolicy") {
		o.used = true
		if derivedPolicies[o.Name] {
			continue
		}
		name, ok := strings.CutPrefix(o.Name, "allow-")
		name, l4 := strings.CutSuffix(name, "-callers-l4")
		if l4 && b.find("AuthorizationPolicy", o.Namespace, "allow-"+name+"-callers") != nil {
			// The L4 twin krm-gen renders beside the waypoint's policy: its callers are
			// the waypoint policy's without paths and methods, read there.
			if a := b.app(name, o.Namespace); a != nil && !a.Inline() {
				var ap securityv1.AuthorizationPolicy
				if o.decodeInto(&ap) == nil && ap.Spec.GetSelector() != nil {
					a.PodSelector = ap.Spec.GetSelector().GetMatchLabels()
				}
			}
			continue
		}
		name, ok2 := strings.CutSuffix(strings.TrimPrefix(o.Name, "allow-"), "-callers")
		a := b.app(name, o.Namespace)
		if !ok || !ok2 || a == nil {
			b.lose(o, "", "not carried over: krm-gen writes one gateway-only ALLOW policy per app namespace, plus allowFrom per app")
			continue
		}
		var ap securityv1.AuthorizationPolicy
		if err := o.decodeInto(&ap); err != nil {
			b.lose(o, "", "cannot be read as an AuthorizationPolicy: %v", err)
			continue
		}
		if sel := ap.Spec.GetSelector(); sel != nil && !a.Inline() {
			a.PodSelector = sel.GetMatchLabels()
		}
		for _, r := range ap.Spec.GetRules() {
			for _, f := range r.GetFrom() {
				src := f.GetSource()
				s := schema.Source{IPBlocks: src.GetIpBlocks()}
				if ns := src.GetNamespaces(); len(ns) > 0 {
					s.Namespace = ns[0]
				}
				if p := src.GetPrincipals(); len(p) > 0 {
					parts := strings.Split(p[0], "/")
					if len(parts) == 5 && parts[1] == "ns" && parts[3] == "sa" {
						s.Namespace, s.ServiceAccount = parts[2], parts[4]
					}
				}
				for _, t := range r.GetTo() {
					if op := t.GetOperation(); op != nil {
						s.Paths, s.Methods = op.GetPaths(), op.GetMethods()
					}
				}
				a.AllowFrom = append(a.AllowFrom, s)
			}
		}
	}
	for _, o := range b.ofKind("ReferenceGrant", "Namespace", "AppProject", "ServiceAccount") {
		o.used = true // derived: krm-gen computes them from the spec
	}
}

// app returns the imported app called name in ns, or nil.
func (b *builder) app(name, ns string) *schema.App {
	for i := range b.p.Spec.Apps {
		if a := &b.p.Spec.Apps[i]; a.Name == name && a.Namespace == ns {
			return a
		}
	}
	return nil
}

// waypoints reads the waypoints' placement and replicas (krm-gen adds a waypoint to
// every namespace that needs one).
func (b *builder) waypoints() {
	_, wps := b.gatewayObjects()
	for _, o := range wps {
		o.used = true
		ref := str(lookup(o.Raw, "spec", "infrastructure", "parametersRef", "name"))
		if ref == "" {
			continue
		}
		if pp := b.params(o, "ConfigMap", o.Namespace, ref); pp != nil {
			w := &b.p.Spec.Waypoints
			if pp.pool != b.p.Spec.Gateway.NodePool {
				w.NodePool = pp.pool
			}
			if pp.replicas != 2 {
				w.Replicas = pp.replicas
			}
			w.Resources = resourcesOf(pp.raw, waypointDefaults)
		}
	}
}
