package importer

import (
	"path"
	"strings"

	"github.com/krm-gen/krm-gen/pkg/argocd"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Repositories of the upstream sources krm-gen installs itself.
const (
	gatewayAPIRepo   = "kubernetes-sigs/gateway-api"
	istioChartsRepo  = "istio-release.storage.googleapis.com"
	certManagerChart = "cert-manager"
)

// placeholderRepo is spec.git.repoURL when the input names no repository.
const placeholderRepo = "https://example.com/REPLACE-ME/platform.git"

// app is an Argo CD Application of the input.
type app struct {
	obj *Object
	a   argocd.Application
}

func (b *builder) applications() []app {
	var out []app
	for _, o := range b.ofKind("Application") {
		if o.Group() != argocd.Group {
			continue
		}
		var a argocd.Application
		if err := o.decodeInto(&a); err != nil {
			b.lose(o, "", "cannot be read as an Argo CD Application: %v", err)
			o.used = true
			continue
		}
		if a.Spec.Source == nil {
			b.lose(o, "spec.sources", "multi-source Applications are not imported")
			o.used = true
			continue
		}
		out = append(out, app{o, a})
	}
	return out
}

// isRoot says whether an Application is the app of apps: it reads a folder of
// Applications (krm-gen's <p>-root, or a hand-written root).
func isRoot(a argocd.Application) bool {
	s := a.Spec.Source
	return strings.HasSuffix(a.Name, "-root") || a.Name == "root" ||
		(s.Chart == "" && (path.Base(s.Path) == "argocd" || path.Base(s.Path) == "applications") && a.Spec.Destination.Namespace == a.Namespace)
}

// identity sets the platform's name, Git location, Argo CD and upstream versions.
func (b *builder) identity() {
	s := &b.p.Spec
	var root *app
	apps := b.applications()
	for i := range apps {
		if isRoot(apps[i].a) {
			root = &apps[i]
			break
		}
	}
	name := b.opts.Name
	if root != nil {
		root.obj.used = true
		src := root.a.Spec.Source
		s.Git = schema.Git{RepoURL: src.RepoURL, Revision: src.TargetRevision, Path: strings.TrimSuffix(src.Path, "/argocd")}
		if !strings.HasSuffix(src.Path, "/argocd") {
			b.res.Notes["spec.git.path"] = "krm-gen's root Application reads <path>/argocd (the input's read " + src.Path + "): pick the folder the rendered tree is committed to"
		}
		if s.Git.Revision == schema.DefaultRevision {
			s.Git.Revision = ""
		}
		if root.a.Namespace != "" && root.a.Namespace != schema.DefaultArgoCDNamespace {
			s.ArgoCD.Namespace = root.a.Namespace
		}
		if name == "" {
			name = strings.TrimSuffix(root.a.Name, "-root")
		}
	}
	if name == "" {
		for _, o := range b.objs {
			if v := str(lookup(o.Raw, "metadata", "labels", "app.kubernetes.io/part-of")); v != "" {
				name = v
				break
			}
		}
	}
	if name == "" || name == "root" {
		name = "platform"
		b.res.Notes["metadata.name"] = "not named by the input (or --name): rename before the first render (it prefixes the Argo CD objects)"
	}
	b.p.Metadata.Name = name
	for _, ap := range apps {
		b.classify(ap, root)
	}
	switch {
	case s.Git.RepoURL == "" && b.opts.RepoURL != "":
		s.Git = schema.Git{RepoURL: b.opts.RepoURL, Path: "out/" + name}
		b.res.Notes["spec.git"] = "no app-of-apps Application found: the repository is --repo's"
	case s.Git.RepoURL == "":
		s.Git = schema.Git{RepoURL: placeholderRepo, Path: "out/" + name}
		b.res.Notes["spec.git"] = "no app-of-apps Application found: set the repository Argo CD reads the rendered tree from (or pass --repo)"
	}
	if root == nil {
		b.differ("no root Application in the input: krm-gen's bootstrap/root-app.yaml (AppProject %s-bootstrap, Application %s-root) is the one object to apply by hand", name, name)
	}
}

// classify reads what an Application tells about the platform: upstream versions,
// the destination cluster; an Application of another repository or of a chart
// becomes an app (externalApps); the rest are replaced by krm-gen's own.
func (b *builder) classify(ap app, root *app) {
	o, src := ap.obj, ap.a.Spec.Source
	s := &b.p.Spec
	if root != nil && o == root.obj {
		return
	}
	if d := ap.a.Spec.Destination.Server; d != "" && d != schema.DefaultArgoCDServer && s.ArgoCD.Server == "" {
		s.ArgoCD.Server = d
	}
	switch {
	case strings.Contains(src.RepoURL, gatewayAPIRepo):
		o.used = true
		if src.TargetRevision != schema.DefaultGatewayAPIVersion {
			s.Versions.GatewayAPI = src.TargetRevision
		}
		if ap.a.Spec.Project == "default" {
			b.differ("Application %s: project default replaced by the platform's AppProjects (%s-infra)", ap.a.Name, b.p.Metadata.Name)
		}
	case strings.Contains(src.RepoURL, istioChartsRepo):
		o.used = true
		if src.Chart == "istiod" && src.TargetRevision != schema.DefaultIstioVersion {
			s.Versions.Istio = src.TargetRevision
		}
		if ap.a.Spec.Project == "default" {
			b.differ("Application %s: project default replaced by the platform's AppProjects (%s-infra)", ap.a.Name, b.p.Metadata.Name)
		}
	case src.Chart == certManagerChart:
		o.used = true // krm-gen adds it with gateway.https.certificate
	case root != nil && src.RepoURL == root.a.Spec.Source.RepoURL:
		o.used = true // a folder of the platform's own tree: krm-gen writes its own Applications
	}
	if ap.a.Spec.Project == "default" && !o.used {
		b.differ("Application %s: project default replaced by its own AppProject (its source repository and namespace only)", ap.a.Name)
	}
}

// appName is an Application's app name: without the platform's "<p>-app-" prefix.
func (b *builder) appName(name string) string {
	p := b.p.Metadata.Name
	for _, pre := range []string{p + "-app-", p + "-"} {
		if strings.HasPrefix(name, pre) && len(name) > len(pre) {
			return name[len(pre):]
		}
	}
	return name
}
