// Package render turns a resolved platform model into Kubernetes objects, one file
// per object family, each placed at its path in the rendered tree.
package render

import (
	"fmt"
	"path"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/krm-gen/krm-gen/pkg/argocd"
	"github.com/krm-gen/krm-gen/pkg/model"
)

// Resource is one object and the tree-relative file it is written to.
type Resource struct {
	Path   string
	Object any
}

// File is a non-Kubernetes file of the tree (e.g. Terraform variables).
type File struct {
	Path    string
	Content []byte
}

// Tree is everything rendered for one platform (or one environment of it).
type Tree struct {
	Resources []Resource
	Files     []File
	installs  map[string]installs // by Application name: what its upstream source deploys
}

// Folders of the rendered tree.
const (
	DirBootstrap  = "bootstrap"
	DirArgoCD     = "argocd"
	DirNamespaces = "namespaces"
	DirGateway    = "gateway"
	DirSecurity   = "security"
	DirRoutes     = "routes"
	DirWorkloads  = "workloads"
	DirTerraform  = "terraform"
)

// Render renders the whole tree for m. Resources keep a stable order: by path,
// then in the order each renderer added them.
func Render(m *model.Model) (*Tree, error) {
	t := &Tree{installs: map[string]installs{}}
	// The diagrams of the model are drawn beside the other steps (they read only the
	// model; a big platform's traffic diagram is a good part of a render).
	drawn := make(chan modelDiagrams, 1)
	go func() { drawn <- drawModel(m) }()
	// projects comes last but for readme: it derives the AppProjects from everything
	// else, and readme draws the rendered tree.
	steps := []func(*model.Model, *Tree) error{
		argoCD, namespaces, gateway, waypoints, security, routes, workloads, terraform, projects,
	}
	for _, step := range steps {
		if err := step(m, t); err != nil {
			<-drawn
			return nil, err
		}
	}
	readme(m, t, <-drawn)
	// By path; in a file AppProjects come first (the root app's file holds its project).
	sort.SliceStable(t.Resources, func(i, j int) bool {
		a, b := t.Resources[i], t.Resources[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		_, ap := a.Object.(*argocd.AppProject)
		_, bp := b.Object.(*argocd.AppProject)
		return ap && !bp
	})
	sort.SliceStable(t.Files, func(i, j int) bool { return t.Files[i].Path < t.Files[j].Path })
	return t, nil
}

// upstream records what an Application with an upstream source deploys.
func (t *Tree) upstream(app *argocd.Application, in installs) *argocd.Application {
	t.installs[app.Name] = in
	return app
}

func (t *Tree) add(p string, objs ...any) {
	for _, o := range objs {
		t.Resources = append(t.Resources, Resource{Path: p, Object: o})
	}
}

// Paths lists every file path of the tree, sorted and unique.
func (t *Tree) Paths() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range t.Resources {
		if !seen[r.Path] {
			seen[r.Path] = true
			out = append(out, r.Path)
		}
	}
	for _, f := range t.Files {
		if !seen[f.Path] {
			seen[f.Path] = true
			out = append(out, f.Path)
		}
	}
	sort.Strings(out)
	return out
}

// repoPath is the repository path of a folder of the rendered tree.
func repoPath(m *model.Model, dir string) string { return path.Join(m.Repo.TreePath, dir) }

// labels are the common labels of every rendered object.
func labels(m *model.Model, extra map[string]string) map[string]string {
	l := map[string]string{
		model.LabelManagedBy: model.ManagedBy,
		model.LabelPartOf:    m.Name,
	}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

func meta(m *model.Model, name, namespace string, extra map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels(m, extra)}
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func fileName(kind, name string) string { return fmt.Sprintf("%s-%s.yaml", kind, name) }

func ptr[T any](v T) *T { return &v }
