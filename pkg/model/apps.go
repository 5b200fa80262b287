package model

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// HealthPort is the port the health responder listens on.
const HealthPort = 8080

// Defaults for inline apps that set no resources: small, bounded. Ephemeral storage
// bounds the emptyDirs (the only writable paths) and the container's logs.
var appResourceDefaults = schema.Resources{
	Requests: map[string]string{"cpu": "50m", "memory": "64Mi", "ephemeral-storage": "64Mi"},
	Limits:   map[string]string{"cpu": "500m", "memory": "256Mi", "ephemeral-storage": "256Mi"},
}

// WritablePathSize is the sizeLimit of each writable path's emptyDir.
const WritablePathSize = 64 << 20

// resourceDefaults are an inline app's defaults: the ephemeral-storage limit holds
// every writable path's emptyDir at its sizeLimit plus as much again for logs.
func resourceDefaults(w schema.Workload) schema.Resources {
	def := schema.Resources{Requests: maps.Clone(appResourceDefaults.Requests), Limits: maps.Clone(appResourceDefaults.Limits)}
	if need := int64(len(w.WritablePaths)+1) * WritablePathSize; need > 256<<20 {
		def.Limits["ephemeral-storage"] = resource.NewQuantity(need, resource.BinarySI).String()
	}
	return def
}

// App is one workload of the platform, whatever its source: its Application and
// project, namespace, placement, callers and the Service routes reach.
type App struct {
	Name        string
	Namespace   string
	Field       *field.Path // spec.apps[i]; nil for the health responder
	Application string      // its Argo CD Application
	Project     string      // its AppProject: the platform's (inline), its own (helm, git)
	Placement   Placement
	PodSecurity schema.PodSecurityLevel
	PodSelector map[string]string // the labels of its pods (what allowFrom policies select)
	AllowFrom   []schema.Source
	Egress      []schema.Destination // where its pods connect (NetworkPolicy egress)
	Service     ServiceRef           // the Service that `app:` routes reach
	// Exactly one source is set.
	Inline *Inline // krm-gen renders the pods
	Helm   *Helm   // a chart renders them
	Git    *Git    // a folder of manifests holds them
	// Kinds and ClusterKinds are what an external source may create (its project's whitelists).
	Kinds, ClusterKinds []schema.GroupKind
	Health              bool // the rendered health responder
}

// ServiceRef is a Service and the port routes use.
type ServiceRef struct {
	Name string
	Port int32
}

// Inline is an app whose pods krm-gen renders itself from the spec's Workload.
type Inline struct {
	schema.Workload                             // Ports holds every port (the one-port form is ports[0], named http); MaxUnavailable defaulted to 1
	Requirements    corev1.ResourceRequirements // Workload.Resources completed from the defaults
	Readiness       *schema.Probe               // never nil: TCP on the first port unless the spec sets one
	Liveness        *schema.Probe               // nil: no liveness probe; never the readiness check
	Startup         *schema.Probe
	// Deployments are the app's Deployments: one per version, or one unnamed version
	// (the app's name, image and replicas) when the spec lists none. Workload.Versions
	// is cleared: read these.
	Deployments []Version
}

// Version is one Deployment of an inline app.
type Version struct {
	Name       string // "" for an app without versions
	Deployment string // the Deployment's name: the app's, or <app>-<version>
	Service    string // the version's own Service (<app>-<version>); "" for an app without versions
	Image      string
	Replicas   int32
	Labels     map[string]string // its pods' labels and the Deployment's selector
}

// TotalReplicas is the app's pods over all its versions.
func (in *Inline) TotalReplicas() int32 {
	var n int32
	for _, d := range in.Deployments {
		n += d.Replicas
	}
	return n
}

// Helm is a chart an app's pods come from.
type Helm struct {
	RepoURL, Chart, Version, ReleaseName string
	Values                               map[string]any // the spec's values, with the pool's placement at the chart's paths
}

// Git is a folder of manifests an app's pods come from.
type Git struct {
	schema.GitSource
	// PatchPlacement: the folder is a kustomization, so Argo CD can patch the pool's
	// placement into its workloads (a plain folder cannot be patched).
	PatchPlacement bool
}

// ExternalKinds are the namespaced kinds a chart or folder may create unless the app
// lists more: what a workload needs, nothing that changes access (no RBAC, no
// NetworkPolicy: an app asks for those with kinds).
func ExternalKinds() []schema.GroupKind {
	return []schema.GroupKind{
		{Kind: "ConfigMap"}, {Kind: "Secret"}, {Kind: "Service"}, {Kind: "ServiceAccount"}, {Kind: "PersistentVolumeClaim"},
		{Group: "apps", Kind: "Deployment"}, {Group: "apps", Kind: "StatefulSet"},
		{Group: "batch", Kind: "Job"}, {Group: "batch", Kind: "CronJob"},
		{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}, {Group: "policy", Kind: "PodDisruptionBudget"},
	}
}

func apps(s *schema.Spec, m *Model) []App {
	out := []App{healthApp(s, m)}
	for i, a := range s.Apps {
		app := App{
			Name:        a.Name,
			Namespace:   a.Namespace,
			Field:       field.NewPath("spec", "apps").Index(i),
			Application: m.Application(appPart(a.Name)),
			Project:     m.PlatformProject(),
			Placement:   m.Pool(a.NodePool).Placement,
			PodSecurity: a.PodSecurity,
			PodSelector: map[string]string{LabelName: a.Name},
			AllowFrom:   a.AllowFrom,
			Egress:      a.Egress,
			Service:     ServiceRef{Name: a.Name},
		}
		if a.Service != nil {
			app.Service = ServiceRef{Name: or(a.Service.Name, a.Name), Port: a.Service.Port}
		}
		switch {
		case a.Helm != nil:
			app.Helm = helmSource(a, app.Placement)
		case a.Git != nil:
			app.Git = &Git{GitSource: *a.Git, PatchPlacement: a.Git.Kustomize}
		default:
			app.Inline = inline(a.Name, a.Workload)
			if app.Service.Port == 0 && len(app.Inline.Ports) > 0 {
				app.Service.Port = app.Inline.Ports[0].Port
			}
		}
		if app.Inline == nil {
			app.Project = app.Application // one project per external source: least privilege
			app.PodSelector = a.PodSelector
			app.Kinds = append(ExternalKinds(), a.Kinds...)
			app.ClusterKinds = a.ClusterKinds
		}
		out = append(out, app)
	}
	slices.SortStableFunc(out, func(a, b App) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// inline resolves an inline app's pods: every port in Ports, probes per kind,
// resources completed.
func inline(name string, w schema.Workload) *Inline {
	in := &Inline{Workload: w, Requirements: requirements(w.Resources, resourceDefaults(w))}
	in.Deployments = versions(name, w)
	in.Versions = nil
	if in.MaxUnavailable == 0 {
		in.MaxUnavailable = 1
	}
	if len(in.Ports) == 0 && w.Port != 0 {
		in.Ports = []schema.Port{{Name: "http", Port: w.Port, Protocol: schema.ProtocolHTTP}}
	}
	in.Port = 0
	switch {
	case w.Probe != nil:
		in.Readiness = w.Probe
	case w.Probes != nil:
		in.Readiness, in.Liveness, in.Startup = w.Probes.Readiness, w.Probes.Liveness, w.Probes.Startup
	}
	if in.Readiness == nil {
		in.Readiness = &schema.Probe{TCP: true}
	}
	if in.Liveness == nil {
		in.Liveness = derivedLiveness(in.Readiness)
	}
	in.Probe, in.Probes = nil, nil
	return in
}

// versions are an inline app's Deployments: each version with its defaults (the app's
// image and replicas), or the app itself when it has no versions.
func versions(name string, w schema.Workload) []Version {
	if len(w.Versions) == 0 {
		return []Version{{Deployment: name, Image: w.Image, Replicas: w.Replicas, Labels: map[string]string{LabelName: name}}}
	}
	out := make([]Version, 0, len(w.Versions))
	for _, v := range w.Versions {
		obj := schema.VersionObjectName(name, v.Name)
		out = append(out, Version{
			Name: v.Name, Deployment: obj, Service: obj,
			Image: v.EffectiveImage(w.Image), Replicas: v.EffectiveReplicas(w.Replicas),
			Labels: map[string]string{LabelName: name, LabelVersion: v.Name},
		})
	}
	return out
}

// derivedLiveness is the liveness probe of an app that sets a readiness check only:
// a TCP connect to the readiness probe's port, so a readiness check that fails on a
// slow dependency takes the pod out of its Service without restarting it. A readiness
// check that is itself a TCP connect gets no liveness probe (the same check twice
// would restart the pods readiness only takes out; the kubelet still restarts a
// container whose process exits).
func derivedLiveness(readiness *schema.Probe) *schema.Probe {
	if readiness == nil || readiness.Kind() == schema.ProbeTCP {
		return nil
	}
	return &schema.Probe{TCP: true, Port: readiness.Port}
}

// helmSource is a chart with the pool's placement set at the chart's value paths.
func helmSource(a schema.App, pl Placement) *Helm {
	h := a.Helm
	values := deepCopyValues(h.Values)
	if len(pl.NodeSelector) > 0 {
		for _, p := range orPaths(h.NodeSelectorPaths, "nodeSelector") {
			values = setValue(values, p, pl.NodeSelector)
		}
	}
	if len(pl.Tolerations) > 0 {
		for _, p := range orPaths(h.TolerationsPaths, "tolerations") {
			values = setValue(values, p, pl.Tolerations)
		}
	}
	return &Helm{RepoURL: h.RepoURL, Chart: h.Chart, Version: h.Version, ReleaseName: or(h.ReleaseName, a.Name), Values: values}
}

func orPaths(paths []string, def string) []string {
	if len(paths) == 0 {
		return []string{def}
	}
	return paths
}

// setValue sets a dotted path in Helm values, making the maps on the way.
func setValue(values map[string]any, p string, v any) map[string]any {
	if values == nil {
		values = map[string]any{}
	}
	cur := values
	keys := strings.Split(p, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[k] = next
		}
		cur = next
	}
	cur[keys[len(keys)-1]] = v
	return values
}

// deepCopyValues copies the maps and lists of Helm values (scalars are immutable).
func deepCopyValues(in map[string]any) map[string]any {
	if in == nil {
		return nil
	}
	var cp func(any) any
	cp = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, x := range t {
				out[k] = cp(x)
			}
			return out
		case []any:
			out := make([]any, len(t))
			for i, x := range t {
				out[i] = cp(x)
			}
			return out
		}
		return v
	}
	return cp(in).(map[string]any)
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
		Image:    s.Health.Image,
		Port:     HealthPort,
		Replicas: 2,
		// Readiness and liveness are different checks (nginx serves both).
		Probes:        &schema.Probes{Readiness: &schema.Probe{Path: "/ready"}, Liveness: &schema.Probe{Path: "/live"}},
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
		Project:     m.PlatformProject(),
		Placement:   m.Pool(s.Health.NodePool).Placement,
		PodSecurity: schema.PodSecurityRestricted,
		PodSelector: map[string]string{LabelName: HealthResponderName},
		Service:     ServiceRef{Name: HealthResponderName, Port: HealthPort},
		Inline:      inline(HealthResponderName, w),
		Health:      true,
	}
}
