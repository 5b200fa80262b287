package schema

import (
	"cmp"
	"slices"
)

// App is a workload of the platform: its namespace, placement, the Service routes
// reach, its callers, and where its pods come from, exactly one of: inline (the
// Workload fields: krm-gen renders the pods), a Helm chart, or a folder of manifests
// in a git repository. krm-gen renders an external app's Application, project,
// namespace and policies; its chart or folder renders the pods.
type App struct {
	Name      string `json:"name" jsonschema:"description=DNS-1035 label\\, unique; names the app's Application and (inline) its objects"`
	Namespace string `json:"namespace"`
	NodePool  string `json:"nodePool,omitempty" jsonschema:"description=Node pool the app's pods run on (inline: nodeSelector and tolerations; helm: through values; git: kustomize patches)"`
	Workload
	Helm         *HelmSource       `json:"helm,omitempty" jsonschema:"description=The app's pods come from this chart (Helm repository or OCI registry)"`
	Git          *GitSource        `json:"git,omitempty" jsonschema:"description=The app's pods come from this folder of a git repository"`
	Service      *AppService       `json:"service,omitempty" jsonschema:"description=The Service routes with app: reach (default: the app's name; inline: its first port)"`
	PodSecurity  PodSecurityLevel  `json:"podSecurity,omitempty" jsonschema:"description=Pod Security level (default restricted)"`
	PodSelector  map[string]string `json:"podSelector,omitempty" jsonschema:"description=External apps: labels of the app's pods\\, which allowFrom policies select (inline pods carry app.kubernetes.io/name)"`
	Kinds        []GroupKind       `json:"kinds,omitempty" jsonschema:"description=External apps: namespaced kinds the source creates beyond the default list\\, allowed by the app's project"`
	ClusterKinds []GroupKind       `json:"clusterKinds,omitempty" jsonschema:"description=External apps: cluster-scoped kinds the source creates\\, allowed by the app's project (none by default)"`
	AllowFrom    []Source          `json:"allowFrom,omitempty" jsonschema:"description=Extra L4 sources allowed besides the gateway and the app's own namespace"`
	Egress       []Destination     `json:"egress,omitempty" jsonschema:"description=Where the app's pods connect beyond DNS\\, their own namespace and the apps that allow them (NetworkPolicy egress)"`
}

// Destination is where an app's pods may open connections: the pods of a namespace
// or addresses outside the cluster, optionally on some TCP ports only.
type Destination struct {
	Namespace string   `json:"namespace,omitempty" jsonschema:"description=Pods of this namespace (mesh traffic: HBONE port 15008 is allowed with the ports)"`
	IPBlocks  []string `json:"ipBlocks,omitempty" jsonschema:"description=IP addresses or CIDRs (e.g. a database subnet)"`
	Ports     []int32  `json:"ports,omitempty" jsonschema:"description=TCP ports (default: every port)"`
}

// Workload is an inline app's pods: krm-gen renders its ServiceAccount, Deployment,
// Service and optional ConfigMap.
type Workload struct {
	Image            string     `json:"image,omitempty" jsonschema:"description=Container image (tag or @sha256 digest); makes the app inline"`
	Port             int32      `json:"port,omitempty" jsonschema:"description=The one port (named http); or ports"`
	Ports            []Port     `json:"ports,omitempty" jsonschema:"description=Named ports; the first is the default of the Service and the probes"`
	Replicas         int32      `json:"replicas,omitempty" jsonschema:"description=Pod replicas (default 1)"`
	MaxUnavailable   int32      `json:"maxUnavailable,omitempty" jsonschema:"description=Replicas > 1: how many pods a voluntary disruption (node drain) may evict at once\\, the app's PodDisruptionBudget (default 1)"`
	Command          []string   `json:"command,omitempty"`
	Args             []string   `json:"args,omitempty"`
	Env              []EnvVar   `json:"env,omitempty"`
	EnvFrom          []EnvFrom  `json:"envFrom,omitempty" jsonschema:"description=Every key of a Secret or ConfigMap as environment variables"`
	Resources        *Resources `json:"resources,omitempty"`
	Probe            *Probe     `json:"probe,omitempty" jsonschema:"description=Short form: the readiness probe; liveness is then a TCP connect to its port (none when it is a TCP connect itself)"`
	Probes           *Probes    `json:"probes,omitempty" jsonschema:"description=Readiness\\, liveness and startup probes; liveness must not be the readiness check (without it: a TCP connect to the readiness port)"`
	Files            []File     `json:"files,omitempty" jsonschema:"description=Files mounted read-only from a generated ConfigMap"`
	WritablePaths    []string   `json:"writablePaths,omitempty" jsonschema:"description=Paths given an emptyDir (root filesystem is read-only; default /tmp)"`
	RunAsUser        *int64     `json:"runAsUser,omitempty" jsonschema:"description=Numeric user ID; needed under restricted Pod Security when the image's USER is a name"`
	ImagePullSecrets []string   `json:"imagePullSecrets,omitempty" jsonschema:"description=Secrets (kubernetes.io/dockerconfigjson) in the app's namespace to pull the image with"`
	Versions         []Version  `json:"versions,omitempty" jsonschema:"description=Builds of the app running side by side (canary or blue/green): each its own Deployment and Service <app>-<version>; the app's Service reaches them all"`
}

// Version is one build of an inline app running beside its others: Deployment and
// Service <app>-<name>, its pods labelled app.kubernetes.io/version: <name>. Routes
// send to one version with a backend's version; the rest of the pod spec is the app's.
type Version struct {
	Name     string `json:"name" jsonschema:"description=DNS-1123 label (v1 or canary); the pods' app.kubernetes.io/version"`
	Image    string `json:"image,omitempty" jsonschema:"description=Container image of this version (default: the app's image)"`
	Replicas *int32 `json:"replicas,omitempty" jsonschema:"description=Pod replicas of this version (default: the app's replicas); 0 keeps an idle blue/green version's Service and scales its pods away"`
}

// Port is a named port of an inline app.
type Port struct {
	Name     string       `json:"name" jsonschema:"description=IANA service name: up to 15 lowercase letters\\, digits and hyphens"`
	Port     int32        `json:"port"`
	Protocol PortProtocol `json:"protocol,omitempty" jsonschema:"description=What the port speaks (default HTTP); sets the Service's appProtocol"`
}

// EnvVar is an environment variable: a value, or a key of a Secret or ConfigMap.
type EnvVar struct {
	Name      string  `json:"name"`
	Value     *string `json:"value,omitempty"`
	Secret    *KeyRef `json:"secret,omitempty" jsonschema:"description=A key of a Secret in the app's namespace"`
	ConfigMap *KeyRef `json:"configMap,omitempty" jsonschema:"description=A key of a ConfigMap in the app's namespace"`
}

// KeyRef names a key of a Secret or ConfigMap.
type KeyRef struct {
	Name     string `json:"name"`
	Key      string `json:"key"`
	Optional bool   `json:"optional,omitempty" jsonschema:"description=The pod starts even when the object or key is missing"`
}

// EnvFrom takes every key of a Secret or ConfigMap as environment variables.
type EnvFrom struct {
	Secret    string `json:"secret,omitempty"`
	ConfigMap string `json:"configMap,omitempty"`
	Prefix    string `json:"prefix,omitempty" jsonschema:"description=Prepended to every variable name"`
}

// Probes are an inline app's readiness, liveness and startup probes.
type Probes struct {
	Readiness *Probe `json:"readiness,omitempty"`
	Liveness  *Probe `json:"liveness,omitempty"`
	Startup   *Probe `json:"startup,omitempty" jsonschema:"description=Holds the other probes back until the app has started"`
}

// Probe is one check of an inline app: exactly one of path (HTTP GET), grpc, tcp or exec.
type Probe struct {
	Path                string     `json:"path,omitempty" jsonschema:"description=HTTP GET of this path"`
	Port                string     `json:"port,omitempty" jsonschema:"description=Name of the port to probe (default: the first port)"`
	GRPC                *GRPCProbe `json:"grpc,omitempty" jsonschema:"description=gRPC health check (grpc.health.v1)"`
	TCP                 bool       `json:"tcp,omitempty" jsonschema:"description=TCP connect"`
	Exec                []string   `json:"exec,omitempty" jsonschema:"description=Command run in the container; exit 0 is healthy"`
	InitialDelaySeconds int32      `json:"initialDelaySeconds,omitempty"`
	PeriodSeconds       int32      `json:"periodSeconds,omitempty"`
	TimeoutSeconds      int32      `json:"timeoutSeconds,omitempty"`
	FailureThreshold    int32      `json:"failureThreshold,omitempty"`
}

// GRPCProbe is a gRPC health check.
type GRPCProbe struct {
	Service string `json:"service,omitempty" jsonschema:"description=Service name sent in the health check request"`
}

// File is a file mounted into an app from its ConfigMap.
type File struct {
	Path    string `json:"path" jsonschema:"description=Absolute mount path of the file"`
	Content string `json:"content"`
}

// EffectiveImage is the version's image: its own, else the app's.
func (v Version) EffectiveImage(app string) string { return cmp.Or(v.Image, app) }

// EffectiveReplicas is the version's replicas: its own, else the app's.
func (v Version) EffectiveReplicas(app int32) int32 {
	if v.Replicas != nil {
		return *v.Replicas
	}
	return app
}

// VersionObjectName is the name of the Deployment and Service of an app's version.
func VersionObjectName(app, version string) string { return app + "-" + version }

// HelmSource is a chart an app's pods come from.
type HelmSource struct {
	RepoURL     string         `json:"repoURL" jsonschema:"description=Helm repository (https://) or OCI registry (oci://host/path)"`
	Chart       string         `json:"chart"`
	Version     string         `json:"version" jsonschema:"description=Chart version\\, pinned"`
	ReleaseName string         `json:"releaseName,omitempty" jsonschema:"description=Helm release name (default: the app's name)"`
	Values      map[string]any `json:"values,omitempty" jsonschema:"description=Chart values\\, rendered as helm.valuesObject"`
	// NodeSelectorPaths and TolerationsPaths are where the chart reads placement.
	NodeSelectorPaths []string `json:"nodeSelectorPaths,omitempty" jsonschema:"description=Value paths (a.b.c) krm-gen sets to the pool's labels (default nodeSelector)"`
	TolerationsPaths  []string `json:"tolerationsPaths,omitempty" jsonschema:"description=Value paths krm-gen sets to the pool's tolerations (default tolerations)"`
}

// GitSource is a folder of manifests an app's pods come from.
type GitSource struct {
	RepoURL   string `json:"repoURL"`
	Revision  string `json:"revision" jsonschema:"description=Branch\\, tag or commit; pin a tag or commit"`
	Path      string `json:"path" jsonschema:"description=Folder inside the repository"`
	Include   string `json:"include,omitempty" jsonschema:"description=Plain folders: glob of the files to apply (Argo CD directory.include)"`
	Kustomize bool   `json:"kustomize,omitempty" jsonschema:"description=The folder holds a kustomization.yaml: krm-gen patches placement in (Argo CD applies patches only to kustomizations)"`
}

// AppService is the Service an app's routes reach.
type AppService struct {
	Name string `json:"name,omitempty" jsonschema:"description=Default: the app's name"`
	Port int32  `json:"port,omitempty" jsonschema:"description=Inline default: the first port; external apps: required for app: routes"`
}

// GroupKind names a Kubernetes kind.
type GroupKind struct {
	Group string `json:"group,omitempty" jsonschema:"description=API group (empty for the core group)"`
	Kind  string `json:"kind"`
}

// Source is an extra caller allowed by an app's AuthorizationPolicy: L4 (namespace,
// serviceAccount, ipBlocks), optionally narrowed to L7 paths and methods, which the
// namespace's waypoint enforces (ztunnel alone enforces L4 only).
type Source struct {
	Namespace      string   `json:"namespace,omitempty"`
	ServiceAccount string   `json:"serviceAccount,omitempty" jsonschema:"description=Service account in namespace (needs namespace)"`
	IPBlocks       []string `json:"ipBlocks,omitempty"`
	Paths          []string `json:"paths,omitempty" jsonschema:"description=L7: request paths allowed (/api\\, /api/*\\, */info); the namespace gets a waypoint that enforces them"`
	Methods        []string `json:"methods,omitempty" jsonschema:"description=L7: request methods allowed (GET\\, POST\\, ...); enforced by the namespace's waypoint"`
}

// Inline reports whether krm-gen renders the app's pods (no helm or git source).
func (a *App) Inline() bool { return a.Helm == nil && a.Git == nil }

// SourceKind names where an app's pods come from, for messages: inline, helm or git.
func (a *App) SourceKind() string {
	switch {
	case a.Helm != nil:
		return "helm"
	case a.Git != nil:
		return "git"
	}
	return "inline"
}

// ProbeKind is what a probe checks.
type ProbeKind int

// Probe kinds: exactly one per valid probe.
const (
	ProbeNone ProbeKind = iota
	ProbeHTTP
	ProbeGRPC
	ProbeTCP
	ProbeExec
)

// Kind is what the probe checks (ProbeNone when it sets nothing; validation reports
// a probe that sets more than one).
func (p *Probe) Kind() ProbeKind {
	switch {
	case p == nil:
		return ProbeNone
	case p.Path != "":
		return ProbeHTTP
	case p.GRPC != nil:
		return ProbeGRPC
	case len(p.Exec) > 0:
		return ProbeExec
	case p.TCP:
		return ProbeTCP
	}
	return ProbeNone
}

// SameCheck reports whether p and o run the same check: the same kind against the
// same port (an empty port is firstPort), path, gRPC service or command. Timings do
// not make two checks different: a liveness probe that fails whenever readiness does
// restarts the pods readiness only takes out of their Service.
func (p *Probe) SameCheck(o *Probe, firstPort string) bool {
	if p.Kind() != o.Kind() || p.Kind() == ProbeNone {
		return false
	}
	port := func(x *Probe) string {
		if x.Port == "" {
			return firstPort
		}
		return x.Port
	}
	switch p.Kind() {
	case ProbeHTTP:
		return p.Path == o.Path && port(p) == port(o)
	case ProbeGRPC:
		return p.GRPC.Service == o.GRPC.Service && port(p) == port(o)
	case ProbeExec:
		return slices.Equal(p.Exec, o.Exec)
	}
	return port(p) == port(o)
}
