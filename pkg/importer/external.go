package importer

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/krm-gen/krm-gen/pkg/argocd"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// externalApps turns the Applications whose source is a chart or another repository
// into helm and git apps.
func (b *builder) externalApps() {
	for _, ap := range b.applications() {
		o, src := ap.obj, ap.a.Spec.Source
		if o.used {
			continue
		}
		o.used = true
		a := schema.App{Name: b.appName(ap.a.Name), Namespace: ap.a.Spec.Destination.Namespace}
		a.PodSecurity = b.namespaceLevel(a.Namespace)
		if a.Namespace == "" {
			b.lose(o, "spec.destination.namespace", "no destination namespace: the app is not imported")
			continue
		}
		if src.Chart == "" && b.inlineIn(a.Namespace) {
			// Its manifests are in the input: they became inline apps.
			b.differ("%s: its folder's Deployments are inline apps now, each with its own Application %s-app-<name>", o.Ref(), b.p.Metadata.Name)
			if b.p.Spec.Git.RepoURL == placeholderRepo {
				b.p.Spec.Git.RepoURL = src.RepoURL
				b.res.Notes["spec.git"] = "the repository of " + o.Ref() + ": Argo CD will read the rendered tree from git.path in it"
			}
			continue
		}
		switch {
		case src.Chart != "":
			h := &schema.HelmSource{RepoURL: src.RepoURL, Chart: src.Chart, Version: src.TargetRevision}
			if !strings.Contains(h.RepoURL, "://") {
				h.RepoURL = "oci://" + h.RepoURL // Argo CD takes OCI registries without the scheme
			}
			if src.Helm != nil {
				if src.Helm.ReleaseName != a.Name {
					h.ReleaseName = src.Helm.ReleaseName
				}
				h.Values = src.Helm.ValuesObject
				a.NodePool = b.valuesPlacement(h.Values)
				if lookup(o.Raw, "spec", "source", "helm", "values") != nil || lookup(o.Raw, "spec", "source", "helm", "valueFiles") != nil || lookup(o.Raw, "spec", "source", "helm", "parameters") != nil {
					b.lose(o, "spec.source.helm", "values, valueFiles and parameters are not carried over: move them to valuesObject (the spec's helm.values)")
				}
			}
			a.Helm = h
		default:
			g := &schema.GitSource{RepoURL: src.RepoURL, Revision: src.TargetRevision, Path: src.Path}
			if src.Directory != nil {
				g.Include = src.Directory.Include
				if src.Directory.Recurse {
					b.lose(o, "spec.source.directory.recurse", "a git app reads its folder only, not its subfolders")
				}
			}
			if src.Kustomize != nil {
				g.Kustomize = true
				a.NodePool = b.patchPlacement(src.Kustomize.Patches)
			}
			a.Git = g
		}
		if pl := lookup(o.Raw, "spec", "syncPolicy"); pl != nil && lookup(o.Raw, "spec", "syncPolicy", "automated") == nil {
			b.differ("Application %s: syncs automatically (prune, selfHeal)", ap.a.Name)
		}
		if ap.a.Name != b.p.Metadata.Name+"-app-"+a.Name {
			b.differ("%s becomes %s-app-%s in project %s-app-%s", o.Ref(), b.p.Metadata.Name, a.Name, b.p.Metadata.Name, a.Name)
		}
		b.p.Spec.Apps = append(b.p.Spec.Apps, a)
	}
}

// valuesPlacement takes the nodeSelector and tolerations out of chart values (krm-gen
// sets them from the pool) and returns the pool.
func (b *builder) valuesPlacement(values map[string]any) string {
	if values == nil {
		return ""
	}
	sel, ok := values["nodeSelector"].(map[string]any)
	if !ok {
		return ""
	}
	var d appsv1.Deployment
	for k, v := range sel {
		if d.Spec.Template.Spec.NodeSelector == nil {
			d.Spec.Template.Spec.NodeSelector = map[string]string{}
		}
		d.Spec.Template.Spec.NodeSelector[k] = str(v)
	}
	if tl, ok := values["tolerations"].([]any); ok {
		o := &Object{Raw: map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"tolerations": tl}}}}}
		var t appsv1.Deployment
		if o.decodeInto(&t) == nil {
			d.Spec.Template.Spec.Tolerations = t.Spec.Template.Spec.Tolerations
		}
	}
	delete(values, "nodeSelector")
	delete(values, "tolerations")
	return b.pools.pool(d.Spec.Template.Spec.NodeSelector, d.Spec.Template.Spec.Tolerations)
}

// patchPlacement reads the pool from kustomize patches that set a nodeSelector.
func (b *builder) patchPlacement(patches []argocdPatch) string {
	for _, p := range patches {
		var d appsv1.Deployment
		if sigsyaml.Unmarshal([]byte(p.Patch), &d) == nil && len(d.Spec.Template.Spec.NodeSelector) > 0 {
			return b.pools.pool(d.Spec.Template.Spec.NodeSelector, d.Spec.Template.Spec.Tolerations)
		}
	}
	return ""
}

type argocdPatch = argocd.KustomizePatch

// inlineIn says whether an inline app was imported into namespace ns.
func (b *builder) inlineIn(ns string) bool {
	for _, a := range b.p.Spec.Apps {
		if a.Inline() && a.Namespace == ns {
			return true
		}
	}
	return false
}
