package model

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// HealthPort is the port the health responder listens on.
const HealthPort = 8080

// Defaults for inline apps that set no resources: small, bounded.
var appResourceDefaults = schema.Resources{
	Requests: map[string]string{"cpu": "50m", "memory": "64Mi"},
	Limits:   map[string]string{"cpu": "500m", "memory": "256Mi"},
}

// App is one workload of the platform, whatever its source: its Application,
// namespace, placement, callers and the Service routes reach.
type App struct {
	Name        string
	Namespace   string
	Field       *field.Path // spec.apps[i]; nil for the health responder
	Application string      // its Argo CD Application
	Placement   Placement
	PodSecurity schema.PodSecurityLevel
	AllowFrom   []schema.Source
	Service     ServiceRef // the Service that `app:` routes reach
	Inline      *Inline    // the pods krm-gen renders; the only source so far
	Health      bool       // the rendered health responder
}

// ServiceRef is a Service and the port routes use.
type ServiceRef struct {
	Name string
	Port int32
}

// Inline is an app whose pods krm-gen renders itself from the spec's Workload.
type Inline struct {
	schema.Workload
	Requirements corev1.ResourceRequirements // Workload.Resources completed from the defaults
}

func apps(s *schema.Spec, m *Model) []App {
	out := []App{healthApp(s, m)}
	for i, a := range s.Apps {
		app := App{
			Name:        a.Name,
			Namespace:   a.Namespace,
			Field:       field.NewPath("spec", "apps").Index(i),
			Application: m.Application(appPart(a.Name)),
			Placement:   m.Pool(a.NodePool).Placement,
			PodSecurity: a.PodSecurity,
			AllowFrom:   a.AllowFrom,
			Service:     ServiceRef{Name: a.Name, Port: a.Port},
			Inline:      &Inline{Workload: a.Workload, Requirements: requirements(a.Resources, appResourceDefaults)},
		}
		out = append(out, app)
	}
	slices.SortStableFunc(out, func(a, b App) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// healthApp is the nginx that answers the load balancer's probe on the health path.
func healthApp(s *schema.Spec, m *Model) App {
	conf := fmt.Sprintf(`server {
    listen %d;
    server_name _;
    default_type text/plain;
    location = %s { return 200 "ok\n"; }
    location %s/ { return 200 "ok\n"; }
    location = /ready { return 200 "ok\n"; }
    location = /live { return 200 "ok\n"; }
    location / { return 404 "not found\n"; }
}
`, HealthPort, s.Health.Path, strings.TrimSuffix(s.Health.Path, "/"))
	w := schema.Workload{
		Image:         s.Health.Image,
		Port:          HealthPort,
		Replicas:      2,
		Probe:         &schema.Probe{Path: "/ready"},
		Files:         []schema.File{{Path: "/etc/nginx/conf.d/default.conf", Content: conf}},
		WritablePaths: []string{"/tmp"},
		Resources: &schema.Resources{
			Requests: map[string]string{"cpu": "10m", "memory": "16Mi"},
			Limits:   map[string]string{"cpu": "100m", "memory": "64Mi"},
		},
	}
	return App{
		Name:        HealthResponderName,
		Namespace:   s.Health.Namespace,
		Application: m.Application(PartHealth),
		Placement:   m.Pool(s.Health.NodePool).Placement,
		PodSecurity: schema.PodSecurityRestricted,
		Service:     ServiceRef{Name: HealthResponderName, Port: HealthPort},
		Inline:      &Inline{Workload: w, Requirements: requirements(w.Resources, appResourceDefaults)},
		Health:      true,
	}
}
