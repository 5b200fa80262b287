package harness

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/structpb"
	"istio.io/istio/pilot/pkg/model"
	v3 "istio.io/istio/pilot/pkg/xds/v3"
	"istio.io/istio/pkg/adsc"
	"istio.io/istio/pkg/config/constants"
	"istio.io/istio/pkg/wellknown"
)

// xdsNode is who the harness claims to be on istiod's xDS port: the node identity and
// metadata a pod's istio-proxy (pilot-agent) would send.
type xdsNode struct {
	Type      string // router (ingress gateway) or waypoint: the container's "proxy <type>" arg
	IP        string
	PodName   string
	Namespace string
	Meta      map[string]any // node metadata (ISTIO_META_* without the prefix, LABELS, NAMESPACE, ...)
}

// xdsSnapshot is what istiod sent one proxy: listeners, the route configurations they
// name (RDS) and clusters, by name.
type xdsSnapshot struct {
	Listeners map[string]*listener.Listener
	Routes    map[string]*route.RouteConfiguration
	Clusters  map[string]*cluster.Cluster
}

// rdsNames lists the route configuration names the listeners' HTTP connection managers
// load over RDS.
func (s *xdsSnapshot) rdsNames() []string {
	seen := map[string]bool{}
	for _, l := range s.Listeners {
		for _, name := range listenerRDSNames(l) {
			seen[name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// listenerRDSNames returns the RDS route names of every HTTP connection manager of l.
func listenerRDSNames(l *listener.Listener) []string {
	var out []string
	for _, fc := range l.GetFilterChains() {
		for _, f := range fc.GetFilters() {
			if m := httpConnectionManager(f); m != nil && m.GetRds() != nil {
				out = append(out, m.GetRds().GetRouteConfigName())
			}
		}
	}
	return out
}

// httpConnectionManager decodes a network filter's HTTP connection manager config, nil
// for other filters.
func httpConnectionManager(f *listener.Filter) *hcm.HttpConnectionManager {
	if f.GetName() != wellknown.HTTPConnectionManager || f.GetTypedConfig() == nil {
		return nil
	}
	m := &hcm.HttpConnectionManager{}
	if err := f.GetTypedConfig().UnmarshalTo(m); err != nil {
		return nil
	}
	return m
}

// fetchXDS connects to istiod's plain-text xDS address (15010 in a cluster) as node,
// over istio's delta ADS client (pkg/adsc), subscribes to every listener and cluster and
// to the route configurations the listeners name, and returns them once all have arrived.
func fetchXDS(ctx context.Context, addr string, node xdsNode, timeout time.Duration) (*xdsSnapshot, error) {
	meta, err := structpb.NewStruct(node.Meta)
	if err != nil {
		return nil, fmt.Errorf("node metadata: %w", err)
	}
	snap := &xdsSnapshot{Listeners: map[string]*listener.Listener{}, Routes: map[string]*route.RouteConfiguration{}, Clusters: map[string]*cluster.Cluster{}}
	var mu sync.Mutex
	onListener := adsc.Register(func(hc adsc.HandlerContext, name, _ string, l *listener.Listener, ev adsc.Event) {
		mu.Lock()
		defer mu.Unlock()
		if ev == adsc.EventDelete {
			delete(snap.Listeners, name)
			return
		}
		snap.Listeners[name] = l
		hc.RegisterDependency(v3.RouteType, listenerRDSNames(l)...)
	})
	onRoute := adsc.Register(func(_ adsc.HandlerContext, name, _ string, r *route.RouteConfiguration, ev adsc.Event) {
		mu.Lock()
		defer mu.Unlock()
		if ev == adsc.EventDelete {
			delete(snap.Routes, name)
			return
		}
		snap.Routes[name] = r
	})
	onCluster := adsc.Register(func(_ adsc.HandlerContext, name, _ string, c *cluster.Cluster, ev adsc.Event) {
		mu.Lock()
		defer mu.Unlock()
		if ev == adsc.EventDelete {
			delete(snap.Clusters, name)
			return
		}
		snap.Clusters[name] = c
	})
	cfg := &adsc.DeltaADSConfig{Config: adsc.Config{
		ClientName: "e2e-" + node.PodName,
		Namespace:  node.Namespace,
		Workload:   node.PodName,
		IP:         node.IP,
		NodeType:   model.NodeType(node.Type),
		Meta:       meta,
	}}
	client := adsc.NewDelta(addr, cfg,
		onListener, adsc.Watch[*listener.Listener]("*"),
		onCluster, adsc.Watch[*cluster.Cluster]("*"),
		onRoute)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go client.Run(runCtx)
	defer client.Close()

	deadline := time.After(timeout)
	select {
	case <-client.Synced():
	case <-deadline:
		return nil, fmt.Errorf("no listeners and clusters from istiod at %s for node %s within %s", addr, nodeID(node), timeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Routes follow the listeners (RDS); wait until every name a listener uses has come.
	for {
		mu.Lock()
		var missing []string
		for _, n := range snap.rdsNames() {
			if snap.Routes[n] == nil {
				missing = append(missing, n)
			}
		}
		mu.Unlock()
		if len(missing) == 0 {
			break
		}
		select {
		case <-deadline:
			return nil, fmt.Errorf("istiod sent no route configuration %v for node %s within %s", missing, nodeID(node), timeout)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	// A short quiet period: a push may still be on its way right after the first sync.
	time.Sleep(time.Second)
	mu.Lock()
	defer mu.Unlock()
	out := &xdsSnapshot{Listeners: map[string]*listener.Listener{}, Routes: map[string]*route.RouteConfiguration{}, Clusters: map[string]*cluster.Cluster{}}
	for k, v := range snap.Listeners {
		out.Listeners[k] = v
	}
	for k, v := range snap.Routes {
		out.Routes[k] = v
	}
	for k, v := range snap.Clusters {
		out.Clusters[k] = v
	}
	return out, nil
}

// nodeID is the xDS node ID istio-proxy sends: TYPE~IP~POD.NS~NS.svc.cluster.local.
func nodeID(n xdsNode) string {
	return fmt.Sprintf("%s~%s~%s.%s~%s.svc.%s", n.Type, n.IP, n.PodName, n.Namespace, n.Namespace, constants.DefaultClusterLocalDomain)
}
