package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// The subset of Argo CD's Application and AppProject the harness acts on. Unknown or
// misspelt fields are caught by the apiserver (Argo CD's CRDs, strict field validation),
// not here.
type application struct {
	Spec struct {
		Project     string    `json:"project"`
		Source      *source   `json:"source"`
		Sources     []*source `json:"sources"`
		Destination struct {
			Server    string `json:"server"`
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"destination"`
		SyncPolicy *struct {
			SyncOptions              []string `json:"syncOptions"`
			ManagedNamespaceMetadata *struct {
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"managedNamespaceMetadata"`
		} `json:"syncPolicy"`
	} `json:"spec"`
}

type source struct {
	RepoURL        string `json:"repoURL"`
	Path           string `json:"path"`
	TargetRevision string `json:"targetRevision"`
	Chart          string `json:"chart"`
	Ref            string `json:"ref"`
	Directory      *struct {
		Recurse bool           `json:"recurse"`
		Include string         `json:"include"`
		Exclude string         `json:"exclude"`
		Jsonnet map[string]any `json:"jsonnet"`
	} `json:"directory"`
	Helm *struct {
		ReleaseName  string         `json:"releaseName"`
		Values       string         `json:"values"`
		ValuesObject map[string]any `json:"valuesObject"`
		ValueFiles   []string       `json:"valueFiles"`
		Parameters   []any          `json:"parameters"`
		SkipCrds     bool           `json:"skipCrds"`
		Namespace    string         `json:"namespace"`
	} `json:"helm"`
	Kustomize map[string]any `json:"kustomize"`
	Plugin    map[string]any `json:"plugin"`
}

type appProject struct {
	Spec struct {
		SourceRepos  []string `json:"sourceRepos"`
		Destinations []struct {
			Server    string `json:"server"`
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"destinations"`
		ClusterResourceWhitelist   []groupKind `json:"clusterResourceWhitelist"`
		ClusterResourceBlacklist   []groupKind `json:"clusterResourceBlacklist"`
		NamespaceResourceWhitelist []groupKind `json:"namespaceResourceWhitelist"`
		NamespaceResourceBlacklist []groupKind `json:"namespaceResourceBlacklist"`
		SourceNamespaces           []string    `json:"sourceNamespaces"`
	} `json:"spec"`
}

type groupKind struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
}

// Walker syncs Applications the way Argo CD would, one after another in sync order.
type Walker struct {
	C        *Cluster
	R        *Report
	Bins     *Binaries
	Log      io.Writer
	RepoRoot string // this repository's working tree
	RepoURL  string // the root Application's repoURL: sources with it are read from RepoRoot

	// AfterSync runs after an Application's objects were applied (e.g. to start istiod
	// once its Deployment exists, as the kubelet would).
	AfterSync func(ctx context.Context, app *unstructured.Unstructured, objs []Object) error

	// Applied holds every object applied, in order, with the Application it belongs to.
	Applied []AppliedObject

	warned bool   // a warning was reported since the flag was last cleared
	server string // the one remote destination server of the tree, if any
}

const inClusterServer = "https://kubernetes.default.svc"

// checkDestination accepts the in-cluster destination and one other server per tree: the
// harness's apiserver plays the cluster Argo CD deploys to (with environments, Argo CD may
// run elsewhere and deploy to a registered remote cluster).
func (w *Walker) checkDestination(server, name string) error {
	switch {
	case server == "" && name == "":
		return fmt.Errorf("destination has neither server nor name")
	case server == inClusterServer || (server == "" && name == "in-cluster"):
		return nil
	case server == "":
		return fmt.Errorf("destination name %q: the harness only knows the in-cluster destination and remote clusters by server URL", name)
	case w.server == "":
		w.server = server
		fmt.Fprintf(w.Log, "destination %s: played by the harness's apiserver\n", server)
		return nil
	case w.server != server:
		return fmt.Errorf("destination server %s differs from %s used by other Applications: the harness simulates one cluster per tree", server, w.server)
	}
	return nil
}

// namespaced tells whether o's kind is namespaced: from discovery, or from the CRD in the
// same sync that defines it.
func (w *Walker) namespaced(o Object, objs []Object) (bool, error) {
	gvk := o.GroupVersionKind()
	if m, err := w.C.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err == nil {
		return m.Scope.Name() == meta.RESTScopeNameNamespace, nil
	}
	w.C.mapper.Reset()
	if m, err := w.C.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err == nil {
		return m.Scope.Name() == meta.RESTScopeNameNamespace, nil
	}
	for _, c := range objs {
		if c.GetKind() != "CustomResourceDefinition" {
			continue
		}
		group, _, _ := unstructured.NestedString(c.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(c.Object, "spec", "names", "kind")
		if group == gvk.Group && kind == gvk.Kind {
			scope, _, _ := unstructured.NestedString(c.Object, "spec", "scope")
			return scope == "Namespaced", nil
		}
	}
	return false, fmt.Errorf("the apiserver does not serve %s and no CRD in this Application defines it", gvk)
}

// AppliedObject is an object the walk applied.
type AppliedObject struct {
	Object
	App string
}

var (
	gvkApplication = schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "Application"}
	gvkAppProject  = schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "AppProject"}
)

func isApplication(u *unstructured.Unstructured) bool {
	return u.GroupVersionKind().GroupKind() == gvkApplication.GroupKind()
}

// Bootstrap applies bootstrap/root-app.yaml as a user would (kubectl apply -f) and syncs
// each Application in it.
func (w *Walker) Bootstrap(ctx context.Context, rootFile string) error {
	data, err := os.ReadFile(rootFile)
	if err != nil {
		return err
	}
	objs, err := DecodeYAML(data, rootFile)
	if err != nil {
		return err
	}
	if objs, err = SyncOrder(objs); err != nil {
		return err
	}
	var apps []Object
	for _, o := range objs {
		if o.GetNamespace() == "" && o.GroupVersionKind().Group == "argoproj.io" {
			o.SetNamespace("argocd")
		}
		if !w.apply(ctx, "bootstrap", o, true) {
			continue
		}
		if isApplication(o.Unstructured) {
			apps = append(apps, o)
		}
	}
	if len(apps) == 0 {
		return fmt.Errorf("%s holds no Application", rootFile)
	}
	for _, a := range apps {
		if w.RepoURL == "" {
			var app application
			if err := fromUnstructured(a.Unstructured, &app); err == nil && app.Spec.Source != nil {
				w.RepoURL = app.Spec.Source.RepoURL
			}
		}
		w.SyncApp(ctx, a)
	}
	return nil
}

// SyncApp renders an Application's sources, applies its objects in sync order and then
// syncs the child Applications among them.
func (w *Walker) SyncApp(ctx context.Context, appObj Object) {
	id := appObj.ID()
	var app application
	if err := fromUnstructured(appObj.Unstructured, &app); err != nil {
		w.R.Fail(id, "Synced", "InvalidSpec", err.Error())
		return
	}
	fmt.Fprintf(w.Log, "syncing %s\n", id)
	opts := map[string]bool{}
	if sp := app.Spec.SyncPolicy; sp != nil {
		for _, o := range sp.SyncOptions {
			opts[o] = true
		}
	}
	destNS := app.Spec.Destination.Namespace
	if err := w.checkDestination(app.Spec.Destination.Server, app.Spec.Destination.Name); err != nil {
		w.R.Fail(id, "Synced", "InvalidDestination", err.Error())
		return
	}

	sources := app.Spec.Sources
	if app.Spec.Source != nil {
		sources = append([]*source{app.Spec.Source}, sources...)
	}
	if len(sources) == 0 {
		w.R.Fail(id, "Synced", "NoSource", "the Application has no source")
		return
	}
	var objs []Object
	for _, s := range sources {
		o, err := w.render(ctx, appObj, s, destNS)
		if err != nil {
			w.R.Fail(id, "Synced", "ComparisonError", err.Error())
			return
		}
		objs = append(objs, o...)
	}
	for _, o := range objs {
		namespaced, err := w.namespaced(o, objs)
		if err != nil {
			w.R.Fail(o.ID(), "Applied", "UnknownKind", fmt.Sprintf("%v (app %s, from %s)", err, appObj.GetName(), o.Source))
			return
		}
		switch {
		case namespaced && o.GetNamespace() == "":
			if destNS == "" {
				w.R.Fail(o.ID(), "Applied", "NoNamespace", fmt.Sprintf("namespaced object without metadata.namespace and the Application has no destination.namespace (app %s, from %s)", appObj.GetName(), o.Source))
				return
			}
			o.SetNamespace(destNS)
		case !namespaced && o.GetNamespace() != "":
			o.SetNamespace("") // ignored for cluster-scoped kinds, as kubectl and Argo CD do
		}
	}
	objs, err := SyncOrder(objs)
	if err != nil {
		w.R.Fail(id, "Synced", "InvalidSpec", err.Error())
		return
	}
	if err := w.checkProject(ctx, appObj.Unstructured, &app, sources, objs); err != nil {
		w.R.Fail(id, "PermittedByProject", "ProjectDenied", err.Error())
		return // Argo CD refuses the whole sync
	}
	w.R.Pass(id, "PermittedByProject")

	ok := true
	if opts["CreateNamespace=true"] && destNS != "" {
		ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": destNS}}}
		if mm := app.Spec.SyncPolicy.ManagedNamespaceMetadata; mm != nil {
			if len(mm.Labels) > 0 {
				ns.SetLabels(mm.Labels)
			}
			if len(mm.Annotations) > 0 {
				ns.SetAnnotations(mm.Annotations)
			}
		}
		ok = w.apply(ctx, appObj.GetName(), Object{ns, "syncOptions CreateNamespace=true of " + id}, true) && ok
	} else if app.Spec.SyncPolicy != nil && app.Spec.SyncPolicy.ManagedNamespaceMetadata != nil {
		w.R.Fail(id, "Synced", "IgnoredOption", "managedNamespaceMetadata has no effect without syncOptions CreateNamespace=true")
		ok = false
	}
	var children []Object
	w.warned = false
	for _, o := range objs {
		if !w.apply(ctx, appObj.GetName(), o, opts["ServerSideApply=true"]) {
			ok = false
			continue
		}
		if isApplication(o.Unstructured) {
			children = append(children, o)
		}
	}
	if ok && !w.warned {
		w.R.Pass(id, fmt.Sprintf("Synced (%d objects, no error, no warning)", len(objs)))
	}
	if w.AfterSync != nil {
		if err := w.AfterSync(ctx, appObj.Unstructured, objs); err != nil {
			w.R.Fail(id, "Healthy", "AfterSyncFailed", err.Error())
		}
	}
	for _, c := range children {
		w.SyncApp(ctx, c)
	}
}

// apply applies one object and reports errors and warnings naming the object, the
// Application and the file. Transient errors (webhook not yet serving, CRD not yet
// discovered) are retried for a while, as Argo CD's retry would.
func (w *Walker) apply(ctx context.Context, app string, o Object, serverSide bool) bool {
	where := fmt.Sprintf("(app %s, from %s)", app, o.Source)
	if !serverSide {
		// Client-side apply stores the whole object in the last-applied-configuration
		// annotation, which the apiserver caps at 256 KiB (262144 bytes) for all annotations.
		if data, _ := json.Marshal(o.Object); len(data) > 262144 {
			w.R.Fail(o.ID(), "Applied", "TooLong", fmt.Sprintf("metadata.annotations: Too long: must have at most 262144 bytes (client-side apply would store %d bytes of last-applied-configuration; use ServerSideApply=true) %s", len(data), where))
			return false
		}
	}
	var warnings []string
	var err error
	deadline := time.Now().Add(45 * time.Second)
	for {
		warnings, err = w.C.Apply(ctx, o.Unstructured)
		if err == nil || !retryable(err) || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	if err != nil {
		reason := "ApplyError"
		if se, ok := err.(apierrors.APIStatus); ok && se.Status().Reason != "" {
			reason = string(se.Status().Reason)
		}
		if m := err.Error(); strings.Contains(m, "field not declared in schema") || strings.Contains(m, "unknown field") || strings.Contains(m, "duplicate field") {
			reason = "StrictValidation" // fieldValidation=Strict: a misspelt or unknown field
		}
		w.R.Fail(o.ID(), "Applied", reason, err.Error()+" "+where)
		return false
	}
	w.Applied = append(w.Applied, AppliedObject{o, app})
	if len(warnings) > 0 {
		// The object is in the cluster (the walk goes on with it), but a warning fails.
		w.R.Fail(o.ID(), "Applied", "Warning", strings.Join(warnings, "; ")+" "+where)
		w.warned = true
	}
	return true
}

func retryable(err error) bool {
	if apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err) || apierrors.IsConflict(err) {
		return false
	}
	msg := err.Error()
	return isTransient(err) || apierrors.IsInternalError(err) || strings.Contains(msg, "failed calling webhook") ||
		strings.Contains(msg, "does not serve") || apierrors.IsNotFound(err)
}

// render turns one source into objects.
func (w *Walker) render(ctx context.Context, app Object, s *source, destNS string) ([]Object, error) {
	switch {
	case s.Ref != "" && s.Path == "" && s.Chart == "":
		return nil, nil // a values-only reference source
	case s.Plugin != nil:
		return nil, fmt.Errorf("source %s: config management plugins are not supported by the harness", s.RepoURL)
	case s.Chart != "":
		return w.renderHelmRepo(ctx, app, s, destNS)
	}
	var dir string
	switch {
	case sameRepo(s.RepoURL, w.RepoURL):
		dir = filepath.Join(w.RepoRoot, filepath.FromSlash(s.Path))
	default:
		var err error
		if dir, err = upstreamDir(s.RepoURL, "", s.Path, s.TargetRevision, w.Bins); err != nil {
			return nil, err
		}
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("source %s path %q: no such directory (%s)", s.RepoURL, s.Path, dir)
	}
	if s.Helm != nil {
		return nil, fmt.Errorf("source %s path %q: helm charts from git are not supported by the harness", s.RepoURL, s.Path)
	}
	for _, k := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if _, err := os.Stat(filepath.Join(dir, k)); err == nil {
			return nil, fmt.Errorf("source %s path %q holds a %s: Argo CD would run kustomize, which the harness does not support", s.RepoURL, s.Path, k)
		}
	}
	if s.Kustomize != nil {
		return nil, fmt.Errorf("source %s path %q: kustomize options are not supported by the harness", s.RepoURL, s.Path)
	}
	recurse, include, exclude := false, "", ""
	if d := s.Directory; d != nil {
		if d.Jsonnet != nil && len(d.Jsonnet) > 0 {
			return nil, fmt.Errorf("source %s path %q: jsonnet is not supported by the harness", s.RepoURL, s.Path)
		}
		recurse, include, exclude = d.Recurse, d.Include, d.Exclude
	}
	objs, err := ReadDir(dir, recurse, include, exclude)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("source %s path %q: no manifests", s.RepoURL, s.Path)
	}
	return objs, nil
}

func (w *Walker) renderHelmRepo(ctx context.Context, app Object, s *source, destNS string) ([]Object, error) {
	chartDir, err := upstreamDir(s.RepoURL, s.Chart, "", s.TargetRevision, w.Bins)
	if err != nil {
		return nil, err
	}
	values := map[string]any{}
	release := app.GetName()
	ns := destNS
	if h := s.Helm; h != nil {
		if len(h.ValueFiles) > 0 || len(h.Parameters) > 0 {
			return nil, fmt.Errorf("helm chart %s: valueFiles and parameters are not supported by the harness; use valuesObject", s.Chart)
		}
		if h.Values != "" {
			if err := yaml.Unmarshal([]byte(h.Values), &values); err != nil {
				return nil, fmt.Errorf("helm chart %s: values: %w", s.Chart, err)
			}
		}
		for k, v := range h.ValuesObject { // valuesObject wins over values, as in Argo CD
			values[k] = v
		}
		if h.ReleaseName != "" {
			release = h.ReleaseName
		}
		if h.Namespace != "" {
			ns = h.Namespace
		}
	}
	apiVersions, err := APIVersions(w.C.Discovery)
	if err != nil {
		return nil, err
	}
	objs, err := HelmRender(chartDir, release, ns, values, w.Bins.KubeVersion, apiVersions)
	if err != nil {
		return nil, err
	}
	if s.Helm != nil && s.Helm.SkipCrds {
		var keep []Object
		for _, o := range objs {
			if o.GetKind() != "CustomResourceDefinition" {
				keep = append(keep, o)
			}
		}
		objs = keep
	}
	return objs, nil
}

// checkProject applies the AppProject's rules as Argo CD does before a sync: source repos,
// destination namespaces (of the Application and of every namespaced object) and the
// cluster/namespace resource allow and deny lists.
func (w *Walker) checkProject(ctx context.Context, u *unstructured.Unstructured, app *application, sources []*source, objs []Object) error {
	name := app.Spec.Project
	if name == "" {
		return fmt.Errorf("spec.project is empty")
	}
	if name == "default" {
		return fmt.Errorf("uses Argo CD's default project, which allows any repository, destination and kind")
	}
	pu, err := w.C.Get(ctx, gvkAppProject, u.GetNamespace(), name)
	if err != nil {
		return err
	}
	if pu == nil {
		return fmt.Errorf("AppProject %s/%s does not exist", u.GetNamespace(), name)
	}
	var p appProject
	if err := fromUnstructured(pu, &p); err != nil {
		return err
	}
	var errs []string
	for _, s := range sources {
		if !globAllowed(p.Spec.SourceRepos, s.RepoURL) {
			errs = append(errs, fmt.Sprintf("source repository %s is not in sourceRepos %v", s.RepoURL, p.Spec.SourceRepos))
		}
	}
	server, clusterName := app.Spec.Destination.Server, app.Spec.Destination.Name
	destAllowed := func(ns string) bool {
		for _, d := range p.Spec.Destinations {
			serverOK := (d.Server != "" && server != "" && globMatchArgo(d.Server, server)) || (d.Name != "" && clusterName != "" && globMatchArgo(d.Name, clusterName))
			if serverOK && globMatchArgo(d.Namespace, ns) {
				return true
			}
		}
		return false
	}
	if ns := app.Spec.Destination.Namespace; ns != "" && !destAllowed(ns) {
		errs = append(errs, fmt.Sprintf("destination namespace %s is not permitted", ns))
	}
	seen := map[string]bool{}
	for _, o := range objs {
		gk := o.GroupVersionKind().GroupKind()
		namespaced := o.GetNamespace() != "" // set by SyncApp for namespaced kinds only
		var msg string
		if namespaced {
			switch {
			case !destAllowed(o.GetNamespace()):
				msg = fmt.Sprintf("%s: namespace %s is not a permitted destination", o.ID(), o.GetNamespace())
			case len(p.Spec.NamespaceResourceWhitelist) > 0 && !gkListed(p.Spec.NamespaceResourceWhitelist, gk):
				msg = fmt.Sprintf("resource %s:%s is not in namespaceResourceWhitelist", gk.Group, gk.Kind)
			case gkListed(p.Spec.NamespaceResourceBlacklist, gk):
				msg = fmt.Sprintf("resource %s:%s is in namespaceResourceBlacklist", gk.Group, gk.Kind)
			}
		} else {
			switch {
			case !gkListed(p.Spec.ClusterResourceWhitelist, gk):
				msg = fmt.Sprintf("cluster-scoped resource %s:%s is not in clusterResourceWhitelist", gk.Group, gk.Kind)
			case gkListed(p.Spec.ClusterResourceBlacklist, gk):
				msg = fmt.Sprintf("cluster-scoped resource %s:%s is in clusterResourceBlacklist", gk.Group, gk.Kind)
			}
		}
		if msg != "" && !seen[msg] {
			seen[msg] = true
			errs = append(errs, msg)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("AppProject %s: %s", name, strings.Join(errs, "; "))
	}
	return nil
}

func gkListed(list []groupKind, gk schema.GroupKind) bool {
	for _, e := range list {
		if globMatchArgo(e.Group, gk.Group) && globMatchArgo(e.Kind, gk.Kind) {
			return true
		}
	}
	return false
}

// globAllowed: at least one pattern matches and no "!pattern" matches.
func globAllowed(patterns []string, s string) bool {
	allowed := false
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") {
			if globMatchArgo(p[1:], s) {
				return false
			}
			continue
		}
		if globMatchArgo(p, s) {
			allowed = true
		}
	}
	return allowed
}

// globMatchArgo matches Argo CD's project globs: '*' matches anything (including '/').
func globMatchArgo(pattern, s string) bool {
	if pattern == "*" || pattern == s {
		return true
	}
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	ok, _ := regexp.MatchString(b.String(), s)
	return ok
}

func normRepo(u string) string {
	u = strings.TrimSuffix(strings.TrimSpace(u), "/")
	return strings.TrimSuffix(u, ".git")
}

func sameRepo(a, b string) bool { return a != "" && normRepo(a) == normRepo(b) }

func fromUnstructured(u *unstructured.Unstructured, out any) error {
	data, err := json.Marshal(u.Object)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: %w", objID(u), err)
	}
	return nil
}
