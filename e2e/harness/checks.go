package harness

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

var (
	gvkGatewayClass = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "GatewayClass"}
	gvkGateway      = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "Gateway"}
	gvkHTTPRoute    = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute"}
	gvkGRPCRoute    = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "GRPCRoute"}
	gvkAuthzPolicy  = schema.GroupVersionKind{Group: "security.istio.io", Version: "v1", Kind: "AuthorizationPolicy"}
	gvkDeployment   = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	gvkService      = schema.GroupVersionKind{Version: "v1", Kind: "Service"}
	gvkConfigMap    = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	gvkNamespace    = schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}
)

const gatewayAPIGroup = "gateway.networking.k8s.io"

// checker asserts what istiod made of the applied tree.
type checker struct {
	c           *Cluster
	r           *Report
	log         io.Writer
	applied     []AppliedObject
	pools       []Pool
	nodes       []*corev1.Node    // the Nodes standing in for the pools
	nodePool    map[string]string // node name -> pool
	gatewayPool string
	// waypointPool is where waypoints belong: spec.waypoints.nodePool, "" for the gateway's.
	waypointPool string
	istiodLog    string
	xdsAddr      string        // istiod's plain-text xDS address
	workDir      string        // the tree's work dir (xDS dumps go there)
	spec         *platformSpec // the tree's Platform spec, nil when none was found
	wait         time.Duration // how long a condition may take to appear
}

func (k *checker) ofKind(group, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, a := range k.applied {
		gvk := a.GroupVersionKind()
		if gvk.Group == group && gvk.Kind == kind {
			out = append(out, a.Unstructured)
		}
	}
	return out
}

// eventually polls f until it returns nil or the wait is over, and returns f's last error.
// After a first timeout the wait is shortened: statuses have had their time to settle.
func (k *checker) eventually(ctx context.Context, f func(context.Context) error) error {
	deadline := time.Now().Add(k.wait)
	for {
		err := f(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			if k.wait > 5*time.Second {
				k.wait = 5 * time.Second
			}
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// condErr is a failed condition check, carrying the reason to print.
type condErr struct{ reason, msg string }

func (e *condErr) Error() string { return e.msg }

func reasonOf(err error) string {
	if ce, ok := err.(*condErr); ok {
		return ce.reason
	}
	return "Error"
}

func (k *checker) report(object, condition string, err error) bool {
	if err != nil {
		k.r.Fail(object, condition, reasonOf(err), err.Error())
		return false
	}
	k.r.Pass(object, condition)
	return true
}

// wantCond checks that conds has typ with status want.
func wantCond(conds []any, typ, want string) error {
	c, ok := findCondition(conds, typ)
	if !ok {
		return &condErr{"NoCondition", fmt.Sprintf("no %s condition yet", typ)}
	}
	if c.Status != want {
		return &condErr{c.Reason, fmt.Sprintf("%s=%s (want %s): %s", typ, c.Status, want, c.Message)}
	}
	return nil
}

func (k *checker) gatewayClass(ctx context.Context) {
	err := k.eventually(ctx, func(ctx context.Context) error {
		gc, err := k.c.Get(ctx, gvkGatewayClass, "", "istio")
		if err != nil {
			return err
		}
		if gc == nil {
			return &condErr{"NotFound", "istiod did not create GatewayClass istio"}
		}
		conds, _, _ := unstructured.NestedSlice(gc.Object, "status", "conditions")
		return wantCond(conds, "Accepted", "True")
	})
	k.report("GatewayClass istio", "Accepted", err)
}

func (k *checker) gateways(ctx context.Context) {
	for _, g := range k.ofKind(gatewayAPIGroup, "Gateway") {
		id := objID(g)
		var live *unstructured.Unstructured
		err := k.eventually(ctx, func(ctx context.Context) error {
			var err error
			live, err = k.c.Get(ctx, gvkGateway, g.GetNamespace(), g.GetName())
			if err != nil || live == nil {
				return fmt.Errorf("get: %v", err)
			}
			conds, _, _ := unstructured.NestedSlice(live.Object, "status", "conditions")
			return wantCond(conds, "Accepted", "True")
		})
		k.report(id, "Accepted", err)
		listeners, _, _ := unstructured.NestedSlice(g.Object, "spec", "listeners")
		for _, l := range listeners {
			name, _ := l.(map[string]any)["name"].(string)
			err := k.eventually(ctx, func(ctx context.Context) error { return k.listenerCond(ctx, g, name, "ResolvedRefs", "True") })
			k.report(fmt.Sprintf("%s listener %s", id, name), "ResolvedRefs", err)
		}
	}
}

// listenerConditions reads the live Gateway's status conditions of one listener;
// found is false when the Gateway has no status for it yet.
func (k *checker) listenerConditions(ctx context.Context, g *unstructured.Unstructured, listener string) (conds []any, found bool, err error) {
	live, err := k.c.Get(ctx, gvkGateway, g.GetNamespace(), g.GetName())
	if err != nil || live == nil {
		return nil, false, fmt.Errorf("get %s: %v", objID(g), err)
	}
	ls, _, _ := unstructured.NestedSlice(live.Object, "status", "listeners")
	for _, l := range ls {
		lm, _ := l.(map[string]any)
		if lm["name"] == listener {
			conds, _ := lm["conditions"].([]any)
			return conds, true, nil
		}
	}
	return nil, false, nil
}

func (k *checker) listenerCond(ctx context.Context, g *unstructured.Unstructured, listener, typ, want string) error {
	conds, found, err := k.listenerConditions(ctx, g, listener)
	if err != nil {
		return err
	}
	if !found {
		return &condErr{"NoStatus", fmt.Sprintf("no status for listener %s", listener)}
	}
	return wantCond(conds, typ, want)
}

// parentRef is one spec.parentRefs entry of a route; Port is set for Service parents
// (GAMMA mesh routes).
type parentRef struct {
	Group, Kind, Namespace, Name, SectionName string
	Port                                      int64
}

func routeParents(route *unstructured.Unstructured) []parentRef {
	refs, _, _ := unstructured.NestedSlice(route.Object, "spec", "parentRefs")
	var out []parentRef
	for _, r := range refs {
		m, _ := r.(map[string]any)
		s := func(k string) string { v, _ := m[k].(string); return v }
		p := parentRef{Group: s("group"), Kind: s("kind"), Namespace: s("namespace"), Name: s("name"), SectionName: s("sectionName")}
		p.Port, _ = toInt64(m["port"])
		if p.Namespace == "" {
			p.Namespace = route.GetNamespace()
		}
		out = append(out, p)
	}
	return out
}

func (p parentRef) String() string {
	s := p.Namespace + "/" + p.Name
	if p.Kind == "Service" {
		s = "Service " + s
	}
	if p.SectionName != "" {
		s += "/" + p.SectionName
	}
	if p.Port != 0 {
		s += fmt.Sprintf(":%d", p.Port)
	}
	return s
}

// routeParentCond checks a condition of a route for one parent, as written by istiod.
func (k *checker) routeParentCond(ctx context.Context, gvk schema.GroupVersionKind, ns, name string, p parentRef, typ, want, wantReason string) error {
	live, err := k.c.Get(ctx, gvk, ns, name)
	if err != nil || live == nil {
		return fmt.Errorf("get %s %s/%s: %v", gvk.Kind, ns, name, err)
	}
	parents, _, _ := unstructured.NestedSlice(live.Object, "status", "parents")
	for _, st := range parents {
		m, _ := st.(map[string]any)
		ref, _ := m["parentRef"].(map[string]any)
		rns, _ := ref["namespace"].(string)
		if rns == "" {
			rns = ns
		}
		sec, _ := ref["sectionName"].(string)
		kind, _ := ref["kind"].(string)
		port, _ := toInt64(ref["port"])
		if ref["name"] != p.Name || rns != p.Namespace || sec != p.SectionName || orGateway(kind) != orGateway(p.Kind) || port != p.Port {
			continue
		}
		conds, _ := m["conditions"].([]any)
		if err := wantCond(conds, typ, want); err != nil {
			return err
		}
		if wantReason != "" {
			c, _ := findCondition(conds, typ)
			if c.Reason != wantReason {
				return &condErr{c.Reason, fmt.Sprintf("%s=%s with reason %s (want %s): %s", typ, c.Status, c.Reason, wantReason, c.Message)}
			}
		}
		return nil
	}
	return &condErr{"NoStatus", fmt.Sprintf("istiod wrote no status for parent %s", p)}
}

func (k *checker) routes(ctx context.Context) {
	for _, r := range k.routeObjects() {
		gvk := r.GroupVersionKind()
		for _, p := range routeParents(r) {
			obj := fmt.Sprintf("%s parent %s", objID(r), p)
			for _, typ := range []string{"Accepted", "ResolvedRefs"} {
				err := k.eventually(ctx, func(ctx context.Context) error {
					return k.routeParentCond(ctx, gvk, r.GetNamespace(), r.GetName(), p, typ, "True", "")
				})
				k.report(obj, typ, err)
			}
		}
	}
}

// gatewayInfra checks the Deployment and Service istiod generated for each Gateway against
// the node pools and the parametersRef ConfigMap's patches.
func (k *checker) gatewayInfra(ctx context.Context) {
	for _, g := range k.ofKind(gatewayAPIGroup, "Gateway") {
		class, _, _ := unstructured.NestedString(g.Object, "spec", "gatewayClassName")
		name := generatedName(g.GetName(), class)
		ns := g.GetNamespace()
		waypoint := class == waypointClass
		depID := fmt.Sprintf("Deployment %s/%s", ns, name)
		svcID := fmt.Sprintf("Service %s/%s", ns, name)

		var patches map[string]map[string]any
		pref, found, _ := unstructured.NestedMap(g.Object, "spec", "infrastructure", "parametersRef")
		if found {
			var err error
			patches, err = k.parameterPatches(ctx, ns, pref)
			if !k.report(objID(g), "ParametersRef", err) {
				continue
			}
		}

		var dep appsv1.Deployment
		err := k.eventually(ctx, func(ctx context.Context) error {
			u, err := k.generated(ctx, gvkDeployment, ns, name, "for "+objID(g))
			if err != nil {
				return err
			}
			return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &dep)
		})
		if !k.report(depID, "Generated", err) {
			continue
		}
		k.checkDeploymentPatch(depID, &dep, patches["deployment"])
		k.checkOptionalObjects(ctx, ns, name, patches)
		k.checkPlacement(depID, &dep.Spec.Template.Spec, k.poolOfGateway(class))
		k.podAdmitted(ctx, depID, ns, &dep.Spec.Template)

		var svc corev1.Service
		err = k.eventually(ctx, func(ctx context.Context) error {
			u, err := k.generated(ctx, gvkService, ns, name, "for "+objID(g))
			if err != nil {
				return err
			}
			return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &svc)
		})
		if !k.report(svcID, "Generated", err) {
			continue
		}
		k.checkServicePatch(svcID, &svc, patches["service"])
		if waypoint {
			k.report(svcID, fmt.Sprintf("Type=ClusterIP HBONE port %d (waypoint)", waypointPort), waypointService(&svc))
			continue
		}
		k.checkLoadBalancer(ctx, svcID, g, &svc, &dep)
	}
}

// generated reads an object istiod should have generated; its absence is a
// NotGenerated condition error ("istiod generated no KIND NAME <why>").
func (k *checker) generated(ctx context.Context, gvk schema.GroupVersionKind, ns, name, why string) (*unstructured.Unstructured, error) {
	u, err := k.c.Get(ctx, gvk, ns, name)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, &condErr{"NotGenerated", fmt.Sprintf("istiod generated no %s %s %s", gvk.Kind, name, why)}
	}
	return u, nil
}

// parameterPatches reads the ConfigMap a Gateway's infrastructure.parametersRef names.
func (k *checker) parameterPatches(ctx context.Context, ns string, ref map[string]any) (map[string]map[string]any, error) {
	if ref["kind"] != "ConfigMap" || (ref["group"] != nil && ref["group"] != "") {
		return nil, &condErr{"Unsupported", fmt.Sprintf("parametersRef %v/%v is not a core ConfigMap", ref["group"], ref["kind"])}
	}
	name, _ := ref["name"].(string)
	cm, err := k.c.Get(ctx, gvkConfigMap, ns, name)
	if err != nil {
		return nil, err
	}
	if cm == nil {
		return nil, &condErr{"NotFound", fmt.Sprintf("parametersRef ConfigMap %s/%s does not exist", ns, name)}
	}
	data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
	out := map[string]map[string]any{}
	for key, v := range data {
		switch key {
		case "deployment", "service", "serviceAccount", "horizontalPodAutoscaler", "podDisruptionBudget":
		default:
			return nil, &condErr{"InvalidKey", fmt.Sprintf("ConfigMap %s/%s has key %q, which istiod rejects", ns, name, key)}
		}
		m := map[string]any{}
		if err := yaml.Unmarshal([]byte(v), &m); err != nil {
			return nil, &condErr{"InvalidPatch", fmt.Sprintf("ConfigMap %s/%s key %s: %v", ns, name, key, err)}
		}
		out[key] = m
	}
	return out, nil
}

// checkOptionalObjects: istiod generates a HorizontalPodAutoscaler and a
// PodDisruptionBudget only when the parametersRef ConfigMap has their key; each must exist
// and carry the patch's spec fields.
func (k *checker) checkOptionalObjects(ctx context.Context, ns, name string, patches map[string]map[string]any) {
	for key, gvk := range map[string]schema.GroupVersionKind{
		"horizontalPodAutoscaler": {Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"},
		"podDisruptionBudget":     {Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"},
	} {
		patch, ok := patches[key]
		if !ok {
			continue
		}
		id := fmt.Sprintf("%s %s/%s", gvk.Kind, ns, name)
		err := k.eventually(ctx, func(ctx context.Context) error {
			u, err := k.generated(ctx, gvk, ns, name, "although the parametersRef ConfigMap has key "+key)
			if err != nil {
				return err
			}
			want, _, _ := unstructured.NestedMap(patch, "spec")
			for f, v := range want {
				if f == "metrics" || f == "selector" || f == "scaleTargetRef" {
					continue // lists and objects: only the scalar fields (min/max, minAvailable) are compared
				}
				got, _, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", f)
				if fmt.Sprint(got) != fmt.Sprint(v) {
					return &condErr{"PatchNotApplied", fmt.Sprintf("spec.%s is %v, the parametersRef ConfigMap says %v", f, got, v)}
				}
			}
			return nil
		})
		k.report(id, "Generated from parametersRef "+key, err)
	}
}

func (k *checker) checkDeploymentPatch(id string, dep *appsv1.Deployment, patch map[string]any) {
	if patch == nil {
		return
	}
	var want appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(patch, &want); err != nil {
		k.r.Fail(id, "ParametersPatch", "InvalidPatch", err.Error())
		return
	}
	if want.Spec.Replicas != nil {
		var err error
		got := "unset"
		if dep.Spec.Replicas != nil {
			got = fmt.Sprint(*dep.Spec.Replicas)
		}
		if got != fmt.Sprint(*want.Spec.Replicas) {
			err = &condErr{"ReplicasMismatch", fmt.Sprintf("replicas %s, the parametersRef ConfigMap says %d", got, *want.Spec.Replicas)}
		}
		k.report(id, fmt.Sprintf("Replicas=%d", *want.Spec.Replicas), err)
	}
	ps, ws := dep.Spec.Template.Spec, want.Spec.Template.Spec
	var missing []string
	for key, v := range ws.NodeSelector {
		if ps.NodeSelector[key] != v {
			missing = append(missing, fmt.Sprintf("nodeSelector %s=%s", key, v))
		}
	}
	for _, t := range ws.Tolerations {
		found := false
		for _, have := range ps.Tolerations {
			if have == t {
				found = true
			}
		}
		if !found {
			missing = append(missing, fmt.Sprintf("toleration %s %s %s:%s", t.Key, t.Operator, t.Value, t.Effect))
		}
	}
	var err error
	if len(missing) > 0 {
		err = &condErr{"PatchNotApplied", "generated pod template lacks " + strings.Join(missing, ", ")}
	}
	k.report(id, "ParametersPatchApplied", err)
}

// checkPlacement asserts the pods land on the given pool and only there. With no pool
// given, it asserts they fit some node.
func (k *checker) checkPlacement(id string, spec *corev1.PodSpec, pool string) {
	if len(k.pools) == 0 {
		return
	}
	var on, off []string
	var why []string
	for _, p := range k.pools {
		ok, reason := fits(spec, p.Node())
		if ok {
			on = append(on, p.Name)
		} else {
			off = append(off, p.Name)
			why = append(why, p.Name+": "+reason)
		}
	}
	var err error
	cond := "Schedulable"
	switch {
	case pool != "":
		cond = "ScheduledOnPool " + pool
		if !contains(on, pool) {
			err = &condErr{"Unschedulable", fmt.Sprintf("pods do not fit pool %s (%s)", pool, strings.Join(why, "; "))}
		} else if len(on) > 1 {
			err = &condErr{"NotPinned", fmt.Sprintf("pods fit pools %v, not only %s: nodeSelector/affinity does not pin them", on, pool)}
		}
	case len(on) == 0:
		err = &condErr{"Unschedulable", "pods fit no node pool: " + strings.Join(why, "; ")}
	}
	k.report(id, cond, err)
}

func (k *checker) checkServicePatch(id string, svc *corev1.Service, patch map[string]any) {
	if patch == nil {
		return
	}
	var want corev1.Service
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(patch, &want); err != nil {
		k.r.Fail(id, "ParametersPatch", "InvalidPatch", err.Error())
		return
	}
	var diffs []string
	for key, v := range want.Annotations {
		if got, ok := svc.Annotations[key]; !ok || got != v {
			diffs = append(diffs, fmt.Sprintf("annotation %s=%q (have %q)", key, v, got))
		}
	}
	if want.Spec.Type != "" && want.Spec.Type != svc.Spec.Type {
		diffs = append(diffs, fmt.Sprintf("type %s (have %s)", want.Spec.Type, svc.Spec.Type))
	}
	if want.Spec.ExternalTrafficPolicy != "" && want.Spec.ExternalTrafficPolicy != svc.Spec.ExternalTrafficPolicy {
		diffs = append(diffs, fmt.Sprintf("externalTrafficPolicy %s (have %s)", want.Spec.ExternalTrafficPolicy, svc.Spec.ExternalTrafficPolicy))
	}
	sort.Strings(diffs)
	var err error
	if len(diffs) > 0 {
		err = &condErr{"PatchNotApplied", "generated Service lacks " + strings.Join(diffs, ", ")}
	}
	k.report(id, "ParametersPatchApplied", err)
}

const awsLB = "service.beta.kubernetes.io/aws-load-balancer-"

// checkLoadBalancer asserts the provider's load balancer settings on the generated Service:
// AWS NLB annotations with the health check on Istio's status port; Azure internal LB with
// externalTrafficPolicy Local; or ClusterIP plus a TargetGroupBinding (no NLB).
func (k *checker) checkLoadBalancer(ctx context.Context, id string, g *unstructured.Unstructured, svc *corev1.Service, dep *appsv1.Deployment) {
	a := svc.Annotations
	hasAWS := false
	for key := range a {
		if strings.HasPrefix(key, awsLB) {
			hasAWS = true
		}
	}
	switch {
	case svc.Spec.Type == corev1.ServiceTypeClusterIP:
		var tgbs []string
		for _, t := range k.ofKind("elbv2.k8s.aws", "TargetGroupBinding") {
			sn, _, _ := unstructured.NestedString(t.Object, "spec", "serviceRef", "name")
			if t.GetNamespace() != svc.Namespace || sn != svc.Name {
				continue
			}
			port, _, _ := unstructured.NestedFieldNoCopy(t.Object, "spec", "serviceRef", "port")
			ok := false
			for _, p := range svc.Spec.Ports {
				if fmt.Sprint(port) == fmt.Sprint(p.Port) || fmt.Sprint(port) == p.Name {
					ok = true
				}
			}
			if !ok {
				k.r.Fail(objID(t), "ServiceRefResolved", "NoSuchPort", fmt.Sprintf("serviceRef port %v is not a port of %s (ports %v)", port, id, svcPorts(svc)))
				continue
			}
			tgbs = append(tgbs, objID(t))
			k.r.Pass(objID(t), "ServiceRefResolved")
		}
		var err error
		if len(tgbs) == 0 {
			err = &condErr{"NoTargetGroupBinding", "ClusterIP gateway Service but no TargetGroupBinding binds a target group to it: nothing sends traffic to the gateway"}
		}
		k.report(id, "Type=ClusterIP bound by TargetGroupBinding", err)
	case hasAWS:
		want := map[string]string{
			awsLB + "type":                 "external",
			awsLB + "nlb-target-type":      "ip",
			awsLB + "healthcheck-protocol": "HTTP",
			awsLB + "healthcheck-port":     "15021",
			awsLB + "healthcheck-path":     "/healthz/ready",
		}
		var diffs []string
		for key, v := range want {
			if !strings.EqualFold(a[key], v) {
				diffs = append(diffs, fmt.Sprintf("%s=%q (have %q)", key, v, a[key]))
			}
		}
		if a[awsLB+"scheme"] == "" {
			diffs = append(diffs, awsLB+"scheme unset (set it explicitly)")
		}
		// Pinned NLB addresses: one private IPv4 per subnet, in the same order.
		if ips := a[awsLB+"private-ipv4-addresses"]; ips != "" {
			nIPs, nSubnets := len(strings.Split(ips, ",")), len(strings.Split(a[awsLB+"subnets"], ","))
			if a[awsLB+"subnets"] == "" || nIPs != nSubnets {
				diffs = append(diffs, fmt.Sprintf("%d private-ipv4-addresses for %d subnets (need one per subnet)", nIPs, nSubnets))
			}
			if a[awsLB+"scheme"] != "internal" {
				diffs = append(diffs, "private-ipv4-addresses need scheme internal")
			}
		}
		sort.Strings(diffs)
		var err error
		if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
			diffs = append(diffs, "type "+string(svc.Spec.Type)+" (want LoadBalancer)")
		}
		if len(diffs) > 0 {
			err = &condErr{"LoadBalancerSettings", "NLB settings: " + strings.Join(diffs, ", ")}
		}
		k.report(id, "NLBHealthCheck 15021 /healthz/ready", err)
		k.report(id, "HealthCheckServedByGateway", probeServes(dep, "15021", "/healthz/ready"))
		nsObj, _ := k.c.Get(ctx, gvkNamespace, "", svc.Namespace)
		var nsErr error
		if nsObj == nil || nsObj.GetLabels()["elbv2.k8s.aws/pod-readiness-gate-inject"] != "enabled" {
			nsErr = &condErr{"MissingLabel", fmt.Sprintf("namespace %s lacks elbv2.k8s.aws/pod-readiness-gate-inject=enabled (needed for IP targets)", svc.Namespace)}
		}
		k.report("Namespace "+svc.Namespace, "PodReadinessGateInject", nsErr)
	case a["service.beta.kubernetes.io/azure-load-balancer-internal"] != "":
		var diffs []string
		if a["service.beta.kubernetes.io/azure-load-balancer-internal"] != "true" {
			diffs = append(diffs, "azure-load-balancer-internal is not \"true\"")
		}
		if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
			diffs = append(diffs, "type "+string(svc.Spec.Type)+" (want LoadBalancer)")
		}
		if svc.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyLocal {
			diffs = append(diffs, fmt.Sprintf("externalTrafficPolicy %q (want Local: with Cluster Azure probes GET / on the node port and marks every backend down)", svc.Spec.ExternalTrafficPolicy))
		}
		var err error
		if len(diffs) > 0 {
			err = &condErr{"LoadBalancerSettings", strings.Join(diffs, ", ")}
		}
		k.report(id, "AzureInternalLB externalTrafficPolicy=Local", err)
	default:
		k.r.Fail(id, "LoadBalancerSettings", "Unknown", fmt.Sprintf("type %s with no AWS or Azure load-balancer annotations: annotations %v", svc.Spec.Type, a))
	}
}

func svcPorts(svc *corev1.Service) []string {
	var out []string
	for _, p := range svc.Spec.Ports {
		out = append(out, fmt.Sprintf("%s:%d", p.Name, p.Port))
	}
	return out
}

// probeServes checks that the gateway pods answer on port/path (their readiness probe),
// so the load balancer's health check reaches something real.
func probeServes(dep *appsv1.Deployment, port, path string) error {
	for _, c := range dep.Spec.Template.Spec.Containers {
		if p := c.ReadinessProbe; p != nil && p.HTTPGet != nil && p.HTTPGet.Port.String() == port && p.HTTPGet.Path == path {
			return nil
		}
		for _, cp := range c.Ports {
			if fmt.Sprint(cp.ContainerPort) == port {
				return nil
			}
		}
	}
	return &condErr{"NotServed", fmt.Sprintf("no container of the gateway pods serves %s on port %s", path, port)}
}

// podAdmitted creates a Pod from a pod template with dryRun=All: the apiserver runs
// admission (Pod Security at the namespace's level, webhooks) without storing it.
func (k *checker) podAdmitted(ctx context.Context, id, ns string, tmpl *corev1.PodTemplateSpec) {
	pod := &corev1.Pod{ObjectMeta: *tmpl.ObjectMeta.DeepCopy(), Spec: *tmpl.Spec.DeepCopy()}
	pod.Name = "e2e-admission-probe"
	pod.Namespace = ns
	pod.Spec.NodeName = ""
	level := "privileged (no enforce label)"
	if nsObj, _ := k.c.Get(ctx, gvkNamespace, "", ns); nsObj != nil {
		if l, ok := nsObj.GetLabels()["pod-security.kubernetes.io/enforce"]; ok {
			level = l
		}
	}
	n := k.c.warningCount()
	_, err := k.c.Kube.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: FieldManager})
	if err == nil {
		if w := k.c.warningsSince(n); len(w) > 0 {
			err = &condErr{"Warning", strings.Join(w, "; ")}
		}
	} else {
		err = &condErr{"Forbidden", err.Error()}
	}
	k.report(id, "PodAdmitted (Pod Security "+level+", webhooks)", err)
}

// workloads checks every applied Deployment/StatefulSet/DaemonSet: its pods are admitted
// and fit a node pool (DaemonSets: every pool).
func (k *checker) workloads(ctx context.Context) {
	for _, a := range k.applied {
		kind := a.GetKind()
		if a.GroupVersionKind().Group != "apps" || (kind != "Deployment" && kind != "StatefulSet" && kind != "DaemonSet") {
			continue
		}
		tmplMap, found, _ := unstructured.NestedMap(a.Unstructured.Object, "spec", "template")
		if !found {
			continue
		}
		var tmpl corev1.PodTemplateSpec
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(tmplMap, &tmpl); err != nil {
			k.r.Fail(a.ID(), "PodTemplate", "Invalid", err.Error())
			continue
		}
		k.podAdmitted(ctx, a.ID(), a.GetNamespace(), &tmpl)
		if len(k.pools) == 0 {
			continue
		}
		if kind == "DaemonSet" {
			var miss []string
			for _, p := range k.pools {
				if ok, why := fits(&tmpl.Spec, p.Node()); !ok {
					miss = append(miss, p.Name+": "+why)
				}
			}
			var err error
			if len(miss) > 0 {
				err = &condErr{"Unschedulable", "does not run on every pool: " + strings.Join(miss, "; ")}
			}
			k.report(a.ID(), "RunsOnEveryPool", err)
			continue
		}
		k.checkPlacement(a.ID(), &tmpl.Spec, "")
	}
}

// referenceGrants deletes each cross-namespace ReferenceGrant that a route (or a Gateway
// listener) depends on, expects ResolvedRefs=False/RefNotPermitted, restores it and
// expects ResolvedRefs=True again.
func (k *checker) referenceGrants(ctx context.Context) {
	grants := k.ofKind(gatewayAPIGroup, "ReferenceGrant")
	for _, rg := range grants {
		users := k.grantUsers(rg)
		if len(users) == 0 {
			k.r.Fail(objID(rg), "Used", "Unused", "no HTTPRoute backendRef or Gateway certificateRef relies on this ReferenceGrant")
			continue
		}
		ri, _, err := k.c.Resource(ctx, rg.GroupVersionKind(), rg.GetNamespace())
		if err == nil {
			err = ri.Delete(ctx, rg.GetName(), metav1.DeleteOptions{})
		}
		if !k.report(objID(rg), "Deleted", err) {
			continue
		}
		for _, u := range users {
			err := k.eventually(ctx, func(ctx context.Context) error { return u.cond(ctx, "False", "RefNotPermitted") })
			k.report(u.id+" without "+objID(rg), "ResolvedRefs=False RefNotPermitted", err)
		}
		if _, err := k.c.Apply(ctx, rg); !k.report(objID(rg), "Restored", err) {
			continue
		}
		for _, u := range users {
			err := k.eventually(ctx, func(ctx context.Context) error { return u.cond(ctx, "True", "") })
			k.report(u.id+" with "+objID(rg)+" restored", "ResolvedRefs=True", err)
		}
	}
}

type grantUser struct {
	id   string
	cond func(ctx context.Context, status, reason string) error
}

// grantUsers finds the routes and Gateway listeners whose cross-namespace references rg
// permits (same rules as the Gateway API: from group/kind/namespace, to group/kind/name).
func (k *checker) grantUsers(rg *unstructured.Unstructured) []grantUser {
	froms, _, _ := unstructured.NestedSlice(rg.Object, "spec", "from")
	tos, _, _ := unstructured.NestedSlice(rg.Object, "spec", "to")
	permits := func(fromGroup, fromKind, fromNS, toGroup, toKind, toName string) bool {
		okFrom := false
		for _, f := range froms {
			m, _ := f.(map[string]any)
			if m["group"] == fromGroup && m["kind"] == fromKind && m["namespace"] == fromNS {
				okFrom = true
			}
		}
		for _, t := range tos {
			m, _ := t.(map[string]any)
			name, _ := m["name"].(string)
			g, _ := m["group"].(string)
			if okFrom && g == toGroup && m["kind"] == toKind && (name == "" || name == toName) {
				return true
			}
		}
		return false
	}
	var users []grantUser
	for _, r := range k.ofKind(gatewayAPIGroup, "HTTPRoute") {
		uses := false
		rules, _, _ := unstructured.NestedSlice(r.Object, "spec", "rules")
		for _, rule := range rules {
			refs, _ := rule.(map[string]any)["backendRefs"].([]any)
			for _, br := range refs {
				m, _ := br.(map[string]any)
				ns, _ := m["namespace"].(string)
				g, _ := m["group"].(string)
				kind, _ := m["kind"].(string)
				if kind == "" {
					kind = "Service"
				}
				name, _ := m["name"].(string)
				if ns != "" && ns != r.GetNamespace() && ns == rg.GetNamespace() && permits(gatewayAPIGroup, "HTTPRoute", r.GetNamespace(), g, kind, name) {
					uses = true
				}
			}
		}
		if !uses {
			continue
		}
		for _, p := range routeParents(r) {
			r, p := r, p
			users = append(users, grantUser{
				id: fmt.Sprintf("%s parent %s", objID(r), p),
				cond: func(ctx context.Context, status, reason string) error {
					return k.routeParentCond(ctx, gvkHTTPRoute, r.GetNamespace(), r.GetName(), p, "ResolvedRefs", status, reason)
				},
			})
		}
	}
	for _, g := range k.ofKind(gatewayAPIGroup, "Gateway") {
		listeners, _, _ := unstructured.NestedSlice(g.Object, "spec", "listeners")
		for _, l := range listeners {
			lm, _ := l.(map[string]any)
			lname, _ := lm["name"].(string)
			refs, _, _ := unstructured.NestedSlice(lm, "tls", "certificateRefs")
			for _, cr := range refs {
				m, _ := cr.(map[string]any)
				ns, _ := m["namespace"].(string)
				name, _ := m["name"].(string)
				kind, _ := m["kind"].(string)
				if kind == "" {
					kind = "Secret"
				}
				gr, _ := m["group"].(string)
				if ns != "" && ns != g.GetNamespace() && ns == rg.GetNamespace() && permits(gatewayAPIGroup, "Gateway", g.GetNamespace(), gr, kind, name) {
					g, lname := g, lname
					users = append(users, grantUser{
						id: fmt.Sprintf("%s listener %s", objID(g), lname),
						cond: func(ctx context.Context, status, reason string) error {
							if err := k.listenerCond(ctx, g, lname, "ResolvedRefs", status); err != nil {
								return err
							}
							if reason != "" {
								return k.listenerReason(ctx, g, lname, "ResolvedRefs", reason)
							}
							return nil
						},
					})
				}
			}
		}
	}
	return users
}

func (k *checker) listenerReason(ctx context.Context, g *unstructured.Unstructured, listener, typ, reason string) error {
	conds, found, err := k.listenerConditions(ctx, g, listener)
	if err != nil {
		return err
	}
	if !found {
		return &condErr{"NoStatus", "no listener status"}
	}
	c, _ := findCondition(conds, typ)
	if c.Reason != reason {
		return &condErr{c.Reason, fmt.Sprintf("%s reason %s (want %s): %s", typ, c.Reason, reason, c.Message)}
	}
	return nil
}

// unlabelledRoute attaches a probe HTTPRoute from a namespace krm-gen did not label to
// each Gateway: listeners must restrict routes to selected namespaces, so istiod must
// refuse it (Accepted=False, NotAllowedByListeners).
func (k *checker) unlabelledRoute(ctx context.Context) {
	for _, g := range k.ofKind(gatewayAPIGroup, "Gateway") {
		if class, _, _ := unstructured.NestedString(g.Object, "spec", "gatewayClassName"); class == waypointClass {
			continue // a waypoint takes mesh routes (Service parents), not routes attached to it
		}
		listeners, _, _ := unstructured.NestedSlice(g.Object, "spec", "listeners")
		for _, l := range listeners {
			lm, _ := l.(map[string]any)
			from, _, _ := unstructured.NestedString(lm, "allowedRoutes", "namespaces", "from")
			if from == "All" {
				k.r.Fail(fmt.Sprintf("%s listener %v", objID(g), lm["name"]), "AllowedRoutes", "AllNamespaces", "listener admits routes from every namespace")
			}
		}
		ns := "e2e-unlabelled"
		nsObj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}
		route := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
			"metadata": map[string]any{"name": "e2e-probe-" + g.GetName(), "namespace": ns},
			"spec": map[string]any{
				"parentRefs": []any{map[string]any{"name": g.GetName(), "namespace": g.GetNamespace()}},
				"rules":      []any{map[string]any{"matches": []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": "/e2e-probe"}}}}},
			},
		}}
		for _, o := range []*unstructured.Unstructured{nsObj, route} {
			if _, err := k.c.Apply(ctx, o); err != nil {
				k.r.Fail(objID(o), "Applied", "ApplyError", err.Error())
				return
			}
		}
		p := parentRef{Namespace: g.GetNamespace(), Name: g.GetName()}
		err := k.eventually(ctx, func(ctx context.Context) error {
			return k.routeParentCond(ctx, gvkHTTPRoute, ns, route.GetName(), p, "Accepted", "False", "NotAllowedByListeners")
		})
		k.report(fmt.Sprintf("%s (probe from unlabelled namespace) parent %s", objID(route), p), "Accepted=False NotAllowedByListeners", err)
		if ri, _, err := k.c.Resource(ctx, gvkHTTPRoute, ns); err == nil {
			_ = ri.Delete(ctx, route.GetName(), metav1.DeleteOptions{})
		}
	}
}

var istiodSecurityLog = regexp.MustCompile(`(?i)\s(error|warn)\s.*(authorizationpolic|peerauthentication)`)

// istiodSecurity checks istiod's log for complaints about the mesh security policies.
func (k *checker) istiodSecurity() {
	var policies []string
	for _, a := range k.applied {
		if g := a.GroupVersionKind().Group; g == "security.istio.io" {
			policies = append(policies, a.ID())
		}
	}
	if len(policies) == 0 || k.istiodLog == "" {
		return
	}
	data, err := os.ReadFile(k.istiodLog)
	if err != nil {
		k.r.Fail("istiod", "LogReadable", "Error", err.Error())
		return
	}
	var bad []string
	for _, line := range strings.Split(string(data), "\n") {
		if istiodSecurityLog.MatchString(line) {
			bad = append(bad, line)
		}
	}
	var err2 error
	if len(bad) > 0 {
		err2 = &condErr{"IstiodComplained", strings.Join(bad, " | ")}
	}
	k.report(fmt.Sprintf("istiod (%d PeerAuthentication/AuthorizationPolicy objects)", len(policies)), "NoPolicyErrorsInLog", err2)
}
