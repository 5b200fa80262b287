package harness

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Istio's names for waypoints and the ambient status it writes (istio.io/istio
// pilot/pkg/config/kube/gateway/conditions.go, pilot/pkg/model/service.go,
// pilot/pkg/serviceregistry/ambient/policies.go at the pinned commit).
const (
	waypointClass = "istio-waypoint"
	waypointPort  = 15008
	// labelUseWaypoint on a Service or its namespace names the waypoint serving it.
	labelUseWaypoint = "istio.io/use-waypoint"
	// condResolvedWaypoints is a route parent condition istiod writes in ambient mode. Its
	// status is always True: a missing waypoint only changes the message (conditions.go
	// sets the message, not the error), so the message is what must be checked.
	condResolvedWaypoints = "ResolvedWaypoints"
	msgWaypointsResolved  = "All waypoints resolved"
	// condWaypointBound is istiod's condition on a Service served by a waypoint.
	condWaypointBound = "istio.io/WaypointBound"
	// condWaypointAccepted is istiod's condition on an AuthorizationPolicy with targetRefs.
	condWaypointAccepted = "WaypointAccepted"
)

// generatedName is what istiod names the Deployment, Service and ServiceAccount of a
// Gateway (gatewaycommon.GetDefaultName): <name>-<class>, except for the classes whose
// objects take the Gateway's own name (istio-waypoint, istio-east-west, ...).
func generatedName(gateway, class string) string {
	switch class {
	case waypointClass, "istio-east-west", "istio-remote":
		return gateway
	}
	return gateway + "-" + class
}

// orGateway defaults an empty parentRef kind to Gateway, as the Gateway API does.
func orGateway(kind string) string {
	if kind == "" {
		return "Gateway"
	}
	return kind
}

// poolOfGateway is the node pool the Deployment istiod generates for a Gateway of class
// belongs to: spec.gateway.nodePool for the ingress gateway, spec.waypoints.nodePool (by
// default the gateway's) for waypoints.
func (k *checker) poolOfGateway(class string) string {
	if class == waypointClass && k.waypointPool != "" {
		return k.waypointPool
	}
	return k.gatewayPool
}

// waypointService checks the Service istiod generated for a waypoint: ClusterIP with the
// HBONE port, what ztunnel sends the namespace's mesh traffic to.
func waypointService(svc *corev1.Service) error {
	if svc.Spec.Type != corev1.ServiceTypeClusterIP && svc.Spec.Type != "" {
		return &condErr{"WrongType", fmt.Sprintf("type %s (want ClusterIP)", svc.Spec.Type)}
	}
	for _, p := range svc.Spec.Ports {
		if p.Port == waypointPort {
			return nil
		}
	}
	return &condErr{"NoHBONEPort", fmt.Sprintf("ports %v have no %d", svcPorts(svc), waypointPort)}
}

// routeObjects lists the applied HTTPRoutes and GRPCRoutes.
func (k *checker) routeObjects() []*unstructured.Unstructured {
	return append(k.ofKind(gatewayAPIGroup, "HTTPRoute"), k.ofKind(gatewayAPIGroup, "GRPCRoute")...)
}

// meshRoutes checks the routes whose parent is a Service (GAMMA, east-west): istiod
// found a waypoint for each parent (ResolvedWaypoints with "All waypoints resolved"), and
// the parent Service or its namespace names a waypoint Gateway the tree applied.
func (k *checker) meshRoutes(ctx context.Context) {
	for _, r := range k.routeObjects() {
		gvk := r.GroupVersionKind()
		for _, p := range routeParents(r) {
			if p.Kind != "Service" {
				continue
			}
			obj := fmt.Sprintf("%s parent %s", objID(r), p)
			err := k.eventually(ctx, func(ctx context.Context) error {
				return k.routeParentMessage(ctx, gvk, r.GetNamespace(), r.GetName(), p, condResolvedWaypoints, msgWaypointsResolved)
			})
			k.report(obj, condResolvedWaypoints+" ("+msgWaypointsResolved+")", err)
			k.report(fmt.Sprintf("Service %s/%s (parent of %s)", p.Namespace, p.Name, objID(r)), "UsesAppliedWaypoint", k.usesAppliedWaypoint(ctx, p.Namespace, p.Name))
		}
	}
}

// routeParentMessage checks that a route's condition for parent p is True with message msg.
func (k *checker) routeParentMessage(ctx context.Context, g schema.GroupVersionKind, ns, name string, p parentRef, typ, msg string) error {
	if err := k.routeParentCond(ctx, g, ns, name, p, typ, "True", ""); err != nil {
		return err
	}
	live, err := k.c.Get(ctx, g, ns, name)
	if err != nil || live == nil {
		return fmt.Errorf("get %s %s/%s: %v", g.Kind, ns, name, err)
	}
	parents, _, _ := unstructured.NestedSlice(live.Object, "status", "parents")
	for _, st := range parents {
		m, _ := st.(map[string]any)
		ref, _ := m["parentRef"].(map[string]any)
		if ref["name"] != p.Name || orGateway(fmt.Sprint(ref["kind"])) != orGateway(p.Kind) {
			continue
		}
		conds, _ := m["conditions"].([]any)
		if c, _ := findCondition(conds, typ); c.Message != msg {
			return &condErr{"WaypointNotResolved", fmt.Sprintf("%s=%s reason %s: %s (want %q)", typ, c.Status, c.Reason, c.Message, msg)}
		}
	}
	return nil
}

// usesAppliedWaypoint checks that Service ns/name, or its namespace, carries
// istio.io/use-waypoint naming a Gateway of class istio-waypoint the tree applied in the
// namespace.
func (k *checker) usesAppliedWaypoint(ctx context.Context, ns, name string) error {
	svc, err := k.c.Get(ctx, gvkService, ns, name)
	if err != nil || svc == nil {
		return &condErr{"NotFound", fmt.Sprintf("Service %s/%s: %v", ns, name, err)}
	}
	wp, where := svc.GetLabels()[labelUseWaypoint], "Service"
	if wp == "" {
		nsObj, err := k.c.Get(ctx, gvkNamespace, "", ns)
		if err != nil || nsObj == nil {
			return fmt.Errorf("get Namespace %s: %v", ns, err)
		}
		wp, where = nsObj.GetLabels()[labelUseWaypoint], "Namespace "+ns
	}
	if wp == "" {
		return &condErr{"MissingUseWaypointLabel", fmt.Sprintf("neither the Service nor Namespace %s has label %s: no waypoint serves it, so its mesh routes and L7 policies are not enforced", ns, labelUseWaypoint)}
	}
	for _, g := range k.ofKind(gatewayAPIGroup, "Gateway") {
		class, _, _ := unstructured.NestedString(g.Object, "spec", "gatewayClassName")
		if g.GetNamespace() == ns && g.GetName() == wp && class == waypointClass {
			return nil
		}
	}
	return &condErr{"NoSuchWaypoint", fmt.Sprintf("%s has %s=%s, but the tree applies no Gateway %s/%s of class %s", where, labelUseWaypoint, wp, ns, wp, waypointClass)}
}

// waypointBindings checks the ambient status istiod writes: every Service the tree applied
// in a namespace labelled istio.io/use-waypoint (and every Service a mesh route or an
// AuthorizationPolicy targets) is bound to its waypoint (istio.io/WaypointBound=True),
// and every AuthorizationPolicy with targetRefs is accepted by a waypoint
// (WaypointAccepted=True).
func (k *checker) waypointBindings(ctx context.Context) {
	want := map[string]string{} // ns/name -> why
	for _, n := range k.ofKind("", "Namespace") {
		if n.GetLabels()[labelUseWaypoint] == "" {
			continue
		}
		for _, s := range k.ofKind("", "Service") {
			if s.GetNamespace() == n.GetName() {
				want[s.GetNamespace()+"/"+s.GetName()] = "in Namespace " + n.GetName() + " labelled " + labelUseWaypoint
			}
		}
	}
	for _, r := range k.routeObjects() {
		for _, p := range routeParents(r) {
			if p.Kind == "Service" {
				want[p.Namespace+"/"+p.Name] = "parent of " + objID(r)
			}
		}
	}
	policies := k.ofKind("security.istio.io", "AuthorizationPolicy")
	for _, pol := range policies {
		refs, _, _ := unstructured.NestedSlice(pol.Object, "spec", "targetRefs")
		for _, t := range refs {
			m, _ := t.(map[string]any)
			if m["kind"] == "Service" {
				ns, _ := m["namespace"].(string)
				if ns == "" {
					ns = pol.GetNamespace()
				}
				want[fmt.Sprintf("%s/%v", ns, m["name"])] = "target of " + objID(pol)
			}
		}
	}
	keys := make([]string, 0, len(want))
	for key := range want {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		ns, name, _ := strings.Cut(key, "/")
		err := k.eventually(ctx, func(ctx context.Context) error { return k.statusCond(ctx, gvkService, ns, name, condWaypointBound) })
		k.report(fmt.Sprintf("Service %s (%s)", key, want[key]), condWaypointBound, err)
	}
	for _, pol := range policies {
		if refs, _, _ := unstructured.NestedSlice(pol.Object, "spec", "targetRefs"); len(refs) == 0 {
			continue
		}
		err := k.eventually(ctx, func(ctx context.Context) error {
			return k.statusCond(ctx, gvkAuthzPolicy, pol.GetNamespace(), pol.GetName(), condWaypointAccepted)
		})
		k.report(objID(pol)+" (targetRefs)", condWaypointAccepted, err)
	}
}

// statusCond checks that the live object's status condition typ is True.
func (k *checker) statusCond(ctx context.Context, g schema.GroupVersionKind, ns, name, typ string) error {
	live, err := k.c.Get(ctx, g, ns, name)
	if err != nil || live == nil {
		return &condErr{"NotFound", fmt.Sprintf("get %s %s/%s: %v", g.Kind, ns, name, err)}
	}
	conds, _, _ := unstructured.NestedSlice(live.Object, "status", "conditions")
	return wantCond(conds, typ, "True")
}
