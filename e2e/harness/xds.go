package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/encoding/protojson"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// xds connects to istiod as the Envoy of each Gateway's first pod (the ingress gateway's
// and each waypoint's), fetches what istiod would send it, and checks every route of the
// spec in it: the listeners and hostnames come from the route krm-gen rendered (its
// parentRefs and hostnames, which environments may change), what the route does (matches,
// backends and weights, timeout, header edits, rewrite, redirect) from the spec itself,
// so a route edited after rendering shows as a mismatch.
func (k *checker) xds(ctx context.Context) {
	if k.xdsAddr == "" || k.spec == nil {
		return
	}
	gwNS := ""
	snaps := map[string]*xdsSnapshot{} // Gateway ns/name -> its proxy's configuration
	for _, g := range k.ofKind(gatewayAPIGroup, "Gateway") {
		class, _, _ := unstructured.NestedString(g.Object, "spec", "gatewayClassName")
		if class != "istio" && class != waypointClass {
			continue
		}
		if class == "istio" && gwNS == "" {
			gwNS = g.GetNamespace()
		}
		if snap, ok := k.gatewaySnapshot(ctx, g.GetNamespace(), g.GetName(), class); ok {
			snaps[g.GetNamespace()+"/"+g.GetName()] = snap
		}
	}
	redirect := k.spec.Spec.Gateway.HTTP != nil && k.spec.Spec.Gateway.HTTP.RedirectToHTTPS
	exps, err := k.spec.Spec.specRoutes.expectations(gwNS, redirect)
	if !k.report("routes of "+k.spec.File, "ResolvedForXDS", err) {
		return
	}
	for _, e := range exps {
		obj := k.appliedObject(gatewayAPIGroup, e.Kind, e.Namespace, e.Name)
		if obj == nil {
			k.r.Fail("xds "+e.ID(), "Rendered", "NotApplied", "the tree applied no "+e.ID()+" for this route of the spec")
			continue
		}
		if e.Mesh {
			k.xdsMeshRoute(ctx, e, snaps)
			continue
		}
		hostnames, _, _ := unstructured.NestedStringSlice(obj.Object, "spec", "hostnames")
		for _, p := range routeParents(obj) {
			if orGateway(p.Kind) != "Gateway" {
				continue
			}
			snap := snaps[p.Namespace+"/"+p.Name]
			gw := k.appliedObject(gatewayAPIGroup, "Gateway", p.Namespace, p.Name)
			if snap == nil || gw == nil {
				k.r.Fail("xds "+e.ID(), "Fetched", "NoSnapshot", "no xDS configuration of Gateway "+p.String())
				continue
			}
			section := p.SectionName
			switch e.Listener {
			case "":
			case "*":
				section = ""
			default:
				section = e.Listener
			}
			for _, l := range gatewayListeners(gw, section) {
				k.xdsCheck(e, "xds "+l.name, snap, snap.gatewayTables(l.port), hostnames, false)
			}
		}
	}
}

// xdsMeshRoute checks a mesh route in the configuration of the waypoint serving its
// parent Service (the Service's, else its namespace's istio.io/use-waypoint).
func (k *checker) xdsMeshRoute(ctx context.Context, e routeExpect, snaps map[string]*xdsSnapshot) {
	ns := e.Namespace
	svcName := strings.TrimSuffix(e.Service, "."+ns+".svc.cluster.local")
	wp := ""
	if svc, err := k.c.Get(ctx, gvkService, ns, svcName); err == nil && svc != nil {
		wp = svc.GetLabels()[labelUseWaypoint]
	}
	if nsObj, err := k.c.Get(ctx, gvkNamespace, "", ns); wp == "" && err == nil && nsObj != nil {
		wp = nsObj.GetLabels()[labelUseWaypoint]
	}
	label := fmt.Sprintf("xds waypoint %s/%s %s:%d", ns, wp, svcName, e.SvcPort)
	snap := snaps[ns+"/"+wp]
	if wp == "" || snap == nil {
		k.r.Fail(label+" "+e.ID(), "Fetched", "NoWaypoint", fmt.Sprintf("no waypoint configuration for Service %s/%s (use-waypoint %q)", ns, svcName, wp))
		return
	}
	var tables []*route.RouteConfiguration
	if rc := snap.waypointTable(e.Service, e.SvcPort); rc != nil {
		tables = append(tables, rc)
	}
	k.xdsCheck(e, label, snap, tables, nil, true)
}

// xdsCheck reports one route in the route configurations of one listener (or waypoint
// Service): one line, "xds <listener> <matches> -> <clusters> (<route>)".
func (k *checker) xdsCheck(e routeExpect, label string, snap *xdsSnapshot, tables []*route.RouteConfiguration, hostnames []string, waypoint bool) {
	var matches []string
	for _, m := range e.Matches {
		matches = append(matches, m.String())
	}
	obj := label + " " + strings.Join(matches, " | ")
	if len(tables) == 0 {
		k.r.Fail(obj, "-> ("+e.ID()+")", "NoRouteConfiguration", "the proxy has no route configuration for this listener")
		return
	}
	clusters := map[string]bool{}
	for n := range snap.Clusters {
		clusters[n] = true
	}
	var summary string
	var problems []string
	for _, rc := range tables {
		s, ps := compareRoute(rc, e, hostnames, clusters, waypoint)
		if s != "" {
			summary = s
		}
		problems = append(problems, ps...)
	}
	cond := fmt.Sprintf("-> %s (%s)", summary, e.ID())
	if len(problems) > 0 {
		k.r.Fail(obj, cond, "XDSMismatch", strings.Join(problems, "; "))
		return
	}
	k.r.Pass(obj, cond)
}

// appliedObject returns the object of kind group/kind ns/name the tree applied, nil if none.
func (k *checker) appliedObject(group, kind, ns, name string) *unstructured.Unstructured {
	for _, o := range k.ofKind(group, kind) {
		if o.GetNamespace() == ns && o.GetName() == name {
			return o
		}
	}
	return nil
}

// gwListener is a Gateway listener's name and port.
type gwListener struct {
	name string
	port uint32
}

// gatewayListeners returns the listeners of gateway a route attaches to through section
// ("" for every listener).
func gatewayListeners(gw *unstructured.Unstructured, section string) []gwListener {
	ls, _, _ := unstructured.NestedSlice(gw.Object, "spec", "listeners")
	var out []gwListener
	for _, l := range ls {
		m, _ := l.(map[string]any)
		name, _ := m["name"].(string)
		port, _ := toInt64(m["port"])
		if section == "" || section == name {
			out = append(out, gwListener{name, uint32(port)})
		}
	}
	return out
}

// toInt64 reads a number decoded from YAML or JSON (int64, float64 or int).
func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		return int64(n), true
	}
	return 0, false
}

// gatewaySnapshot fetches the xDS configuration istiod serves the first pod of the
// Deployment it generated for Gateway ns/name, and keeps it as xds-<ns>-<name>.json in
// the work dir.
func (k *checker) gatewaySnapshot(ctx context.Context, ns, name, class string) (*xdsSnapshot, bool) {
	id := fmt.Sprintf("xDS of Gateway %s/%s", ns, name)
	pods, err := k.c.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: gatewayNameLabel + "=" + name})
	if err != nil || len(pods.Items) == 0 {
		k.r.Fail(id, "Fetched", "NoPod", fmt.Sprintf("no pod of the Deployment istiod generated (%v)", err))
		return nil, false
	}
	node, err := nodeFromPod(firstPod(pods.Items))
	if err != nil {
		k.r.Fail(id, "Fetched", "NoProxy", err.Error())
		return nil, false
	}
	snap, err := fetchXDS(ctx, k.xdsAddr, node, 60*time.Second)
	if !k.report(fmt.Sprintf("%s (as %s, class %s)", id, nodeID(node), class), "Fetched", err) {
		return nil, false
	}
	k.dumpSnapshot(filepath.Join(k.workDir, fmt.Sprintf("xds-%s-%s.json", ns, name)), snap)
	fmt.Fprintf(k.log, "%s: %d listeners, %d route configurations, %d clusters\n", id, len(snap.Listeners), len(snap.Routes), len(snap.Clusters))
	return snap, true
}

// dumpSnapshot writes the snapshot as JSON (listeners, routes, cluster names), for -keep.
func (k *checker) dumpSnapshot(path string, s *xdsSnapshot) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(k.log, "note: %v\n", err)
		return
	}
	defer f.Close()
	m := protojson.MarshalOptions{Multiline: true, Indent: "  "}
	for _, n := range sortedNames(s.Listeners) {
		b, _ := m.Marshal(s.Listeners[n])
		fmt.Fprintf(f, "// listener %s\n%s\n", n, b)
	}
	for _, n := range sortedNames(s.Routes) {
		b, _ := m.Marshal(s.Routes[n])
		fmt.Fprintf(f, "// route configuration %s\n%s\n", n, b)
	}
	for _, n := range sortedNames(s.Clusters) {
		fmt.Fprintf(f, "// cluster %s\n", n)
	}
}

func sortedNames[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
