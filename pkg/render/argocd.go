package render

import (
	"encoding/json"
	"path"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/krm-gen/krm-gen/pkg/argocd"
	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Upstream sources the platform installs from.
const (
	GatewayAPIRepo    = "https://github.com/kubernetes-sigs/gateway-api.git"
	GatewayAPICRDPath = "config/crd/standard"
	IstioChartRepo    = "https://istio-release.storage.googleapis.com/charts"
	CertManagerRepo   = "https://charts.jetstack.io"
	CertManagerChart  = "cert-manager"
	// CertManagerVersion is the cert-manager release installed when a certificate issuer is set.
	CertManagerVersion   = "v1.21.1"
	CertManagerNamespace = "cert-manager"
)

// Sync waves of the child Applications: each layer waits for the one before.
const (
	WaveCRDs       = 0
	WaveIstioBase  = 1
	WaveIstio      = 2
	WaveNamespaces = 3
	WaveGateway    = 4
	WaveRoutes     = 5
	WaveWorkloads  = 6
)

func argoCD(m *model.Model, t *Tree) error {
	t.add(DirBootstrap+"/root-app.yaml", rootApp(m)) // its project: see projects.go

	t.add(DirArgoCD+"/gateway-api-crds.yaml", t.upstream(crdApp(m), installs{cluster: []metav1.GroupKind{
		gk("apiextensions.k8s.io", "CustomResourceDefinition"),
		// v1.5+: safe-upgrades.gateway.networking.k8s.io
		gk("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
		gk("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
	}}))
	t.add(DirArgoCD+"/istio-base.yaml", istioApp(m, t, model.PartIstioBase, "base", WaveIstioBase, map[string]any{
		"profile":         "ambient",
		"defaultRevision": "default",
		// Render the webhook's failurePolicy as istiod sets it, so the app settles Synced.
		"base": map[string]any{"validationFailurePolicy": "Fail"},
	}))
	istiod := map[string]any{"profile": "ambient"}
	// istiod runs on the gateway's pool (the system pool).
	pilot := map[string]any{}
	if len(m.Gateway.Placement.NodeSelector) > 0 {
		pilot["nodeSelector"] = m.Gateway.Placement.NodeSelector
	}
	if len(m.Gateway.Placement.Tolerations) > 0 {
		pilot["tolerations"] = m.Gateway.Placement.Tolerations
	}
	pilot["resources"] = model.IstiodValues()
	istiod["pilot"] = pilot
	istiod["global"] = istioNetworkPolicy()
	t.add(DirArgoCD+"/istiod.yaml", istioApp(m, t, model.PartIstiod, "istiod", WaveIstio, istiod))
	// istio-cni and ztunnel must run on every node, whatever taints pools get later:
	// tolerate everything (Helm replaces lists, so this is the whole list).
	daemonSet := func() map[string]any {
		return map[string]any{"profile": "ambient", "tolerations": []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, "global": istioNetworkPolicy()}
	}
	cni := daemonSet()
	// appArmorProfile field instead of the annotation deprecated since Kubernetes 1.30.
	cni["useAppArmorAnnotation"] = false
	t.add(DirArgoCD+"/istio-cni.yaml", istioApp(m, t, model.PartIstioCNI, "cni", WaveIstio, cni))
	t.add(DirArgoCD+"/ztunnel.yaml", istioApp(m, t, model.PartZtunnel, "ztunnel", WaveIstio, daemonSet()))
	if m.Gateway.Certificate != nil {
		t.add(DirArgoCD+"/cert-manager.yaml", t.upstream(certManagerApp(m), installs{anyNamespaced: true, cluster: []metav1.GroupKind{
			gk("apiextensions.k8s.io", "CustomResourceDefinition"),
			gk("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
			gk("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
			gk("rbac.authorization.k8s.io", "ClusterRole"),
			gk("rbac.authorization.k8s.io", "ClusterRoleBinding"),
		}}))
	}

	gwNS := m.Gateway.Namespace
	ns := dirApp(m, m.Application(model.PartNamespaces), m.InfraProject(), gwNS, DirNamespaces, WaveNamespaces)
	ns.Finalizers = nil // deleting the app must not delete the namespaces and all they hold
	t.add(DirArgoCD+"/namespaces.yaml", ns)
	t.add(DirArgoCD+"/gateway.yaml", dirApp(m, m.Application(model.PartGateway), m.PlatformProject(), gwNS, DirGateway, WaveGateway))
	t.add(DirArgoCD+"/security.yaml", dirApp(m, m.Application(model.PartSecurity), m.MeshProject(), model.IstioSystemNamespace, DirSecurity, WaveGateway))
	t.add(DirArgoCD+"/routes.yaml", dirApp(m, m.Application(model.PartRoutes), m.PlatformProject(), gwNS, DirRoutes, WaveRoutes))
	// One file per namespace holds its apps' Applications (a big platform is thousands
	// of apps: a file each would double the files of the tree).
	for _, a := range m.Apps {
		t.add(appsFile(a.Namespace), appApplication(m, t, a))
	}
	return nil
}

// appApplication is an app's Application: the tree's workload file for an inline
// app, the chart or the folder for the others (with what they may create, for its project).
func appApplication(m *model.Model, t *Tree, a model.App) *argocd.Application {
	if a.Inline != nil {
		app := dirApp(m, a.Application, a.Project, a.Namespace, DirWorkloads, WaveWorkloads)
		app.Spec.Source.Directory = &argocd.ApplicationSourceDirectory{Include: path.Base(workloadFile(a.Name))}
		return app
	}
	app := dirApp(m, a.Application, a.Project, a.Namespace, "", WaveWorkloads)
	switch {
	case a.Helm != nil:
		h := a.Helm
		app.Spec.Source = &argocd.ApplicationSource{
			RepoURL: HelmRepoURL(h.RepoURL), Chart: h.Chart, TargetRevision: h.Version,
			Helm: &argocd.ApplicationSourceHelm{ReleaseName: h.ReleaseName, ValuesObject: h.Values},
		}
	case a.Git != nil:
		g := a.Git
		app.Spec.Source = &argocd.ApplicationSource{RepoURL: g.RepoURL, TargetRevision: g.Revision, Path: g.Path}
		switch {
		case g.PatchPlacement:
			app.Spec.Source.Kustomize = placementPatches(a.Placement)
		case g.Include != "":
			app.Spec.Source.Directory = &argocd.ApplicationSourceDirectory{Include: g.Include}
		}
	}
	return t.upstream(app, installs{namespaced: groupKinds(a.Kinds), cluster: groupKinds(a.ClusterKinds)})
}

// HelmRepoURL is the repoURL Argo CD takes for a chart repository: an OCI registry
// without its oci:// scheme (the repository must be registered with enableOCI).
func HelmRepoURL(u string) string { return strings.TrimPrefix(u, "oci://") }

// placementPatches put a pool's placement into the workloads a kustomization renders
// (JSON patches: add replaces what the manifests set).
func placementPatches(pl model.Placement) *argocd.ApplicationSourceKustomize {
	if len(pl.NodeSelector) == 0 && len(pl.Tolerations) == 0 {
		return nil
	}
	var ops []map[string]any
	if len(pl.NodeSelector) > 0 {
		ops = append(ops, map[string]any{"op": "add", "path": "/spec/template/spec/nodeSelector", "value": pl.NodeSelector})
	}
	if len(pl.Tolerations) > 0 {
		ops = append(ops, map[string]any{"op": "add", "path": "/spec/template/spec/tolerations", "value": pl.Tolerations})
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		panic(err) // maps of strings and typed tolerations always marshal
	}
	k := &argocd.ApplicationSourceKustomize{}
	for _, kind := range []string{"Deployment", "StatefulSet"} {
		k.Patches = append(k.Patches, argocd.KustomizePatch{Patch: string(patch), Target: &argocd.KustomizeSelector{Group: "apps", Kind: kind}})
	}
	return k
}

func groupKinds(in []schema.GroupKind) []metav1.GroupKind {
	out := make([]metav1.GroupKind, len(in))
	for i, k := range in {
		out[i] = metav1.GroupKind{Group: k.Group, Kind: k.Kind}
	}
	return out
}

// appsFile holds the Applications of the apps in namespace ns.
func appsFile(ns string) string { return DirArgoCD + "/apps-" + ns + ".yaml" }

func appMeta(m *model.Model, name string, wave int, finalizer bool) metav1.ObjectMeta {
	om := meta(m, name, m.ArgoCD.Namespace, nil)
	om.Annotations = map[string]string{argocd.SyncWaveAnnotation: strconv.Itoa(wave)}
	if finalizer {
		om.Finalizers = []string{argocd.CascadeFinalizer}
	}
	return om
}

func automated() *argocd.SyncPolicy {
	return &argocd.SyncPolicy{
		Automated: &argocd.SyncPolicyAutomated{Prune: true, SelfHeal: true},
		Retry: &argocd.RetryStrategy{Limit: 5, Backoff: &argocd.Backoff{
			Duration: "10s", Factor: ptr(int64(2)), MaxDuration: "3m",
		}},
	}
}

// inCluster is where Argo CD itself runs: Applications and AppProjects always go there,
// whatever cluster the platform deploys to.
func inCluster(m *model.Model) argocd.ApplicationDestination {
	return argocd.ApplicationDestination{Server: schema.DefaultArgoCDServer, Namespace: m.ArgoCD.Namespace}
}

func destination(m *model.Model, ns string) argocd.ApplicationDestination {
	return argocd.ApplicationDestination{Server: m.ArgoCD.Server, Namespace: ns}
}

func gitSource(m *model.Model, dir string) *argocd.ApplicationSource {
	return &argocd.ApplicationSource{
		RepoURL:        m.Repo.URL,
		TargetRevision: m.Repo.Revision,
		Path:           repoPath(m, dir),
		Directory:      &argocd.ApplicationSourceDirectory{Recurse: true},
	}
}

func rootApp(m *model.Model) *argocd.Application {
	app := &argocd.Application{
		TypeMeta:   typeMeta(argocd.APIVersion, "Application"),
		ObjectMeta: appMeta(m, m.RootApp(), 0, false),
		Spec: argocd.ApplicationSpec{
			Project:     m.BootstrapProject(),
			Source:      gitSource(m, DirArgoCD),
			Destination: inCluster(m),
			SyncPolicy:  automated(),
		},
	}
	app.Annotations = nil
	return app
}

func dirApp(m *model.Model, name, project, ns, dir string, wave int) *argocd.Application {
	return &argocd.Application{
		TypeMeta:   typeMeta(argocd.APIVersion, "Application"),
		ObjectMeta: appMeta(m, name, wave, true),
		Spec: argocd.ApplicationSpec{
			Project:     project,
			Source:      gitSource(m, dir),
			Destination: destination(m, ns),
			SyncPolicy:  automated(),
		},
	}
}

// crdApp installs the Gateway API CRDs: server-side apply (the HTTPRoute CRD is too big
// for client-side apply), never pruned, no cascade-delete finalizer.
func crdApp(m *model.Model) *argocd.Application {
	sp := automated()
	sp.Automated.Prune = false
	sp.SyncOptions = []string{"ServerSideApply=true"}
	return &argocd.Application{
		TypeMeta:   typeMeta(argocd.APIVersion, "Application"),
		ObjectMeta: appMeta(m, m.Application(model.PartGatewayAPICRDs), WaveCRDs, false),
		Spec: argocd.ApplicationSpec{
			Project: m.InfraProject(),
			Source: &argocd.ApplicationSource{
				RepoURL:        GatewayAPIRepo,
				TargetRevision: m.Versions.GatewayAPI,
				Path:           GatewayAPICRDPath,
			},
			Destination: destination(m, model.IstioSystemNamespace),
			SyncPolicy:  sp,
		},
	}
}

// istioNetworkPolicy has an Istio chart render the NetworkPolicies of its own
// component (istiod, istio-cni, ztunnel): ingress on the ports it serves, any egress.
func istioNetworkPolicy() map[string]any {
	return map[string]any{"networkPolicy": map[string]any{"enabled": true}}
}

// webhookDrift ignores the fields istiod patches on its webhooks at run time.
var webhookDrift = []argocd.ResourceIgnoreDifferences{
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration", JQPathExpressions: []string{".webhooks[]?.failurePolicy", ".webhooks[]?.clientConfig.caBundle"}},
	{Group: "admissionregistration.k8s.io", Kind: "MutatingWebhookConfiguration", JQPathExpressions: []string{".webhooks[]?.clientConfig.caBundle"}},
}

// istioCharts' cluster-scoped kinds (manifests/charts of the istio release); their
// namespaced kinds are many and change between releases: any is allowed.
var istioChartKinds = map[string][]metav1.GroupKind{
	"base": {
		gk("apiextensions.k8s.io", "CustomResourceDefinition"),
		gk("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
		gk("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
		gk("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
	},
	"istiod": {
		gk("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
		gk("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
		gk("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
		gk("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
		gk("rbac.authorization.k8s.io", "ClusterRole"),
		gk("rbac.authorization.k8s.io", "ClusterRoleBinding"),
	},
	"cni":     {gk("rbac.authorization.k8s.io", "ClusterRole"), gk("rbac.authorization.k8s.io", "ClusterRoleBinding")},
	"ztunnel": {gk("rbac.authorization.k8s.io", "ClusterRole"), gk("rbac.authorization.k8s.io", "ClusterRoleBinding")},
}

func istioApp(m *model.Model, t *Tree, part, chart string, wave int, values map[string]any) *argocd.Application {
	sp := automated()
	sp.SyncOptions = []string{"ServerSideApply=true", "RespectIgnoreDifferences=true"}
	if chart == "base" {
		sp.SyncOptions = append([]string{"CreateNamespace=true"}, sp.SyncOptions...)
		sp.ManagedNamespaceMetadata = &argocd.ManagedNamespaceMetadata{Labels: map[string]string{
			// istio-cni and ztunnel are privileged DaemonSets.
			"pod-security.kubernetes.io/enforce": "privileged",
			model.LabelManagedBy:                 model.ManagedBy,
		}}
	}
	// istio-base installs the Istio CRDs: deleting the app must not cascade to them
	// (and to every PeerAuthentication and AuthorizationPolicy).
	return t.upstream(&argocd.Application{
		TypeMeta:   typeMeta(argocd.APIVersion, "Application"),
		ObjectMeta: appMeta(m, m.Application(part), wave, chart != "base"),
		Spec: argocd.ApplicationSpec{
			Project: m.InfraProject(),
			Source: &argocd.ApplicationSource{
				RepoURL:        IstioChartRepo,
				Chart:          chart,
				TargetRevision: m.Versions.Istio,
				Helm:           &argocd.ApplicationSourceHelm{ReleaseName: part, ValuesObject: values},
			},
			Destination:       destination(m, model.IstioSystemNamespace),
			SyncPolicy:        sp,
			IgnoreDifferences: webhookDrift,
		},
	}, installs{cluster: istioChartKinds[chart], anyNamespaced: true})
}

func certManagerApp(m *model.Model) *argocd.Application {
	values := map[string]any{
		"crds": map[string]any{"enabled": true, "keep": true},
		// Keep leader election in cert-manager's namespace, not kube-system.
		"global": map[string]any{"leaderElection": map[string]any{"namespace": CertManagerNamespace}},
	}
	pl := m.Gateway.Placement
	for _, part := range []string{"", "webhook", "cainjector", "startupapicheck"} {
		v := values
		if part != "" {
			v = map[string]any{}
			values[part] = v
		}
		if len(pl.NodeSelector) > 0 {
			v["nodeSelector"] = pl.NodeSelector
		}
		if len(pl.Tolerations) > 0 {
			v["tolerations"] = pl.Tolerations
		}
	}
	sp := automated()
	sp.SyncOptions = []string{"CreateNamespace=true", "ServerSideApply=true"}
	sp.ManagedNamespaceMetadata = &argocd.ManagedNamespaceMetadata{Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": string(schema.PodSecurityRestricted),
		model.LabelManagedBy:                 model.ManagedBy,
	}}
	return &argocd.Application{
		TypeMeta:   typeMeta(argocd.APIVersion, "Application"),
		ObjectMeta: appMeta(m, m.Application(model.PartCertManager), WaveIstioBase, false), // ships CRDs: no cascade delete
		Spec: argocd.ApplicationSpec{
			Project: m.InfraProject(),
			Source: &argocd.ApplicationSource{
				RepoURL: CertManagerRepo, Chart: CertManagerChart, TargetRevision: CertManagerVersion,
				Helm: &argocd.ApplicationSourceHelm{ReleaseName: "cert-manager", ValuesObject: values},
			},
			Destination: destination(m, CertManagerNamespace),
			SyncPolicy:  sp,
		},
	}
}

func project(m *model.Model, name, desc string, repos []string, namespaces []string) *argocd.AppProject {
	p := &argocd.AppProject{
		TypeMeta:   typeMeta(argocd.APIVersion, "AppProject"),
		ObjectMeta: meta(m, name, m.ArgoCD.Namespace, nil),
		Spec:       argocd.AppProjectSpec{Description: desc, SourceRepos: repos},
	}
	for _, ns := range namespaces {
		p.Spec.Destinations = append(p.Spec.Destinations, destination(m, ns))
	}
	return p
}

func gk(group, kind string) metav1.GroupKind { return metav1.GroupKind{Group: group, Kind: kind} }

func bootstrapProjectObj(m *model.Model) *argocd.AppProject {
	p := project(m, m.BootstrapProject(), "The root app: only Argo CD Applications and AppProjects of this platform.",
		[]string{m.Repo.URL}, nil)
	p.Spec.Destinations = []argocd.ApplicationDestination{inCluster(m)}
	return p
}

func infraProjectObj(m *model.Model) *argocd.AppProject {
	repos := []string{m.Repo.URL, GatewayAPIRepo, IstioChartRepo}
	namespaces := []string{model.IstioSystemNamespace, m.Gateway.Namespace}
	if m.Gateway.Certificate != nil {
		repos = append(repos, CertManagerRepo)
		namespaces = append(namespaces, CertManagerNamespace)
	}
	return project(m, m.InfraProject(), "Layer 3: Gateway API CRDs, Istio ambient, namespaces.", repos, namespaces)
}

// meshProjectObj may only place Istio security policies: in istio-system (the
// mesh-wide PeerAuthentication) and the platform's namespaces.
func meshProjectObj(m *model.Model) *argocd.AppProject {
	namespaces := append([]string{model.IstioSystemNamespace}, m.NamespaceNames()...)
	return project(m, m.MeshProject(), "Layer 4: mesh-wide mTLS and per-namespace authorization policies.", []string{m.Repo.URL}, namespaces)
}

func platformProjectObj(m *model.Model) *argocd.AppProject {
	return project(m, m.PlatformProject(), "Layer 4: gateway, routes and apps.", []string{m.Repo.URL}, m.NamespaceNames())
}
