package model

import (
	"cmp"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Waypoint names: istioctl's default name, and what Istio names its objects (the
// istio-waypoint class adds no suffix, so the ServiceAccount is the Gateway's name).
const (
	WaypointName       = "waypoint"
	WaypointClassName  = "istio-waypoint"
	WaypointListener   = "mesh"
	WaypointPort       = 15008
	LabelUseWaypoint   = "istio.io/use-waypoint"
	waypointParamsName = WaypointName + paramsSuffix
)

// Defaults of a waypoint's istio-proxy container.
var waypointResourceDefaults = schema.Resources{
	Requests: map[string]string{"cpu": "100m", "memory": "128Mi"},
	Limits:   map[string]string{"cpu": "1", "memory": "512Mi"},
}

// Waypoint is the L7 proxy of one namespace: a Gateway of class istio-waypoint that
// the namespace's Services send their mesh traffic through.
type Waypoint struct {
	Name       string
	Namespace  string
	Principal  string // SPIFFE identity of the waypoint pods: what app pods see as the caller
	ParamsName string // the parametersRef ConfigMap
	Placement  Placement
	Replicas   int32
	Resources  corev1.ResourceRequirements
}

// waypoints gives a waypoint to every namespace that needs L7 in the mesh: one with a
// mesh route, or with an app whose callers are narrowed to paths or methods.
func waypoints(s *schema.Spec, m *Model) []Waypoint {
	if s.Waypoints.Disabled {
		return nil
	}
	need := map[string]bool{}
	for _, r := range m.Routes {
		if r.Mesh {
			need[r.Namespace] = true
		}
	}
	for _, a := range m.Apps {
		if a.L7Callers() {
			need[a.Namespace] = true
		}
	}
	pool := or(s.Waypoints.NodePool, s.Gateway.NodePool)
	var out []Waypoint
	for ns := range need {
		out = append(out, Waypoint{
			Name:       WaypointName,
			Namespace:  ns,
			Principal:  fmt.Sprintf("cluster.local/ns/%s/sa/%s", ns, WaypointName),
			ParamsName: waypointParamsName,
			Placement:  m.Pool(pool).Placement,
			Replicas:   s.Waypoints.Replicas,
			Resources:  requirements(s.Waypoints.Resources, waypointResourceDefaults),
		})
	}
	slices.SortFunc(out, func(a, b Waypoint) int { return cmp.Compare(a.Namespace, b.Namespace) })
	return out
}

// Waypoint returns the waypoint of namespace ns, or nil.
func (m *Model) Waypoint(ns string) *Waypoint {
	for i := range m.Waypoints {
		if m.Waypoints[i].Namespace == ns {
			return &m.Waypoints[i]
		}
	}
	return nil
}

// L7Callers reports whether some of the app's callers are narrowed to paths or methods.
func (a *App) L7Callers() bool {
	return slices.ContainsFunc(a.AllowFrom, func(s schema.Source) bool { return len(s.Paths) > 0 || len(s.Methods) > 0 })
}
