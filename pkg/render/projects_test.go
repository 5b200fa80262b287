package render_test

import (
	"path"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/krm-gen/krm-gen/pkg/argocd"
	"github.com/krm-gen/krm-gen/pkg/render"
)

// namespacedKinds are the kinds the trees hold that are namespaced; a kind in neither
// this list nor clusterKinds fails the test (its scope must be known to check it).
var (
	namespacedKinds = []string{"ConfigMap", "Service", "ServiceAccount", "Deployment", "Gateway", "HTTPRoute", "GRPCRoute",
		"ReferenceGrant", "Certificate", "TargetGroupBinding", "PeerAuthentication", "AuthorizationPolicy",
		"Application", "AppProject", "PodDisruptionBudget", "NetworkPolicy"}
	clusterKinds = []string{"Namespace", "ClusterIssuer"}
)

// TestEveryRenderedObjectIsAllowedByItsProject plays Argo CD's project check on every
// tree: each object an Application of the tree deploys must be allowed by that
// Application's AppProject (source repository, destination, cluster or namespaced
// whitelist). Before this test only the e2e run noticed a kind missing from a project.
func TestEveryRenderedObjectIsAllowedByItsProject(t *testing.T) {
	for _, r := range renderAll(t) {
		t.Run(r.name, func(t *testing.T) {
			projects := map[string]*argocd.AppProject{}
			var apps []*argocd.Application
			for _, res := range r.tree.Resources {
				switch o := res.Object.(type) {
				case *argocd.AppProject:
					projects[o.Name] = o
				case *argocd.Application:
					apps = append(apps, o)
				}
			}
			for _, app := range apps {
				p := projects[app.Spec.Project]
				if p == nil {
					t.Errorf("Application %s: project %q is not rendered", app.Name, app.Spec.Project)
					continue
				}
				if !slices.Contains(p.Spec.SourceRepos, app.Spec.Source.RepoURL) {
					t.Errorf("Application %s: repository %s not in project %s's sourceRepos %v", app.Name, app.Spec.Source.RepoURL, p.Name, p.Spec.SourceRepos)
				}
				if !destinationAllowed(p, app.Spec.Destination.Server, app.Spec.Destination.Namespace) {
					t.Errorf("Application %s: destination %s/%s not allowed by project %s", app.Name, app.Spec.Destination.Server, app.Spec.Destination.Namespace, p.Name)
				}
				if app.Spec.Source.RepoURL != r.model.Repo.URL {
					continue // an upstream source: checked live by the e2e
				}
				read := 0
				for _, res := range r.tree.Resources {
					if !render.Reads(app.Spec.Source, r.model.Repo.TreePath, res.Path) {
						continue
					}
					read++
					o := res.Object.(interface {
						GetObjectKind() schema.ObjectKind
						GetNamespace() string
						GetName() string
					})
					gvk := o.GetObjectKind().GroupVersionKind()
					gk := metav1.GroupKind{Group: gvk.Group, Kind: gvk.Kind}
					id := res.Path + ": " + gvk.Kind + " " + o.GetName()
					switch {
					case slices.Contains(clusterKinds, gk.Kind):
						if !slices.Contains(p.Spec.ClusterResourceWhitelist, gk) {
							t.Errorf("%s: cluster-scoped %s not in project %s's clusterResourceWhitelist %v", id, gk, p.Name, p.Spec.ClusterResourceWhitelist)
						}
					case slices.Contains(namespacedKinds, gk.Kind):
						if wl := p.Spec.NamespaceResourceWhitelist; len(wl) > 0 && !slices.Contains(wl, gk) {
							t.Errorf("%s: %s not in project %s's namespaceResourceWhitelist %v", id, gk, p.Name, wl)
						}
						if globListed(p.Spec.NamespaceResourceBlacklist, gk) {
							t.Errorf("%s: %s is in project %s's namespaceResourceBlacklist", id, gk, p.Name)
						}
						ns := o.GetNamespace()
						if ns == "" {
							ns = app.Spec.Destination.Namespace
						}
						if !destinationAllowed(p, app.Spec.Destination.Server, ns) {
							t.Errorf("%s: namespace %s not a destination of project %s", id, ns, p.Name)
						}
					default:
						t.Errorf("%s: kind %s of unknown scope: add it to this test", id, gk)
					}
				}
				if read == 0 {
					t.Errorf("Application %s reads no file of the tree (path %s)", app.Name, app.Spec.Source.Path)
				}
			}
		})
	}
}

// globListed matches a kind against a list of group/kind globs, as Argo CD does.
func globListed(list []metav1.GroupKind, gk metav1.GroupKind) bool {
	for _, e := range list {
		g, _ := path.Match(e.Group, gk.Group)
		k, _ := path.Match(e.Kind, gk.Kind)
		if g && k {
			return true
		}
	}
	return false
}

func destinationAllowed(p *argocd.AppProject, server, ns string) bool {
	for _, d := range p.Spec.Destinations {
		if ok, _ := path.Match(d.Server, server); !ok {
			continue
		}
		if ok, _ := path.Match(d.Namespace, ns); ok {
			return true
		}
	}
	return false
}

// TestWhitelistsAreExact: a project allows no kind that none of its Applications
// deploys from the tree (upstream sources aside), so least privilege holds both ways.
func TestWhitelistsAreExact(t *testing.T) {
	for _, r := range renderAll(t) {
		t.Run(r.name, func(t *testing.T) {
			deployed := map[string]map[metav1.GroupKind]bool{} // project -> kinds
			upstream := map[string]bool{}
			var projects []*argocd.AppProject
			for _, res := range r.tree.Resources {
				if p, ok := res.Object.(*argocd.AppProject); ok {
					projects = append(projects, p)
				}
				app, ok := res.Object.(*argocd.Application)
				if !ok {
					continue
				}
				if app.Spec.Source.RepoURL != r.model.Repo.URL {
					upstream[app.Spec.Project] = true
					continue
				}
				if deployed[app.Spec.Project] == nil {
					deployed[app.Spec.Project] = map[metav1.GroupKind]bool{}
				}
				for _, o := range r.tree.Resources {
					if render.Reads(app.Spec.Source, r.model.Repo.TreePath, o.Path) {
						gvk := o.Object.(interface{ GetObjectKind() schema.ObjectKind }).GetObjectKind().GroupVersionKind()
						deployed[app.Spec.Project][metav1.GroupKind{Group: gvk.Group, Kind: gvk.Kind}] = true
					}
				}
			}
			for _, p := range projects {
				// A project that allows every namespaced kind (Argo CD reads an empty
				// whitelist as all) must refuse the routing, policy and Argo CD kinds.
				denyAll := []metav1.GroupKind{{Group: "*", Kind: "*"}}
				if bl := p.Spec.NamespaceResourceBlacklist; len(p.Spec.NamespaceResourceWhitelist) == 0 &&
					!slices.Equal(bl, render.ReservedNamespacedKinds()) && !(slices.Equal(bl, denyAll) && !upstream[p.Name]) {
					t.Errorf("project %s allows every namespaced kind and its namespaceResourceBlacklist is %v, want %v (or, with no upstream source, %v)", p.Name, bl, render.ReservedNamespacedKinds(), denyAll)
				}
				if upstream[p.Name] {
					continue
				}
				for _, gk := range append(slices.Clone(p.Spec.ClusterResourceWhitelist), p.Spec.NamespaceResourceWhitelist...) {
					if !deployed[p.Name][gk] {
						t.Errorf("project %s allows %s, which none of its Applications deploys", p.Name, gk)
					}
				}
			}
		})
	}
}
