package render

import (
	"cmp"
	"path"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/krm-gen/krm-gen/pkg/argocd"
	"github.com/krm-gen/krm-gen/pkg/model"
)

// installs is what an Application whose source is not this tree deploys: the
// cluster-scoped kinds of an upstream chart or folder, and whether it deploys
// namespaced kinds krm-gen cannot list (a chart's).
type installs struct {
	cluster       []metav1.GroupKind
	namespaced    []metav1.GroupKind
	anyNamespaced bool
}

// project collects what the Applications of one AppProject deploy.
type projectKinds struct {
	cluster, namespaced map[metav1.GroupKind]bool
	anyNamespaced       bool
}

// projects renders the AppProjects. Their whitelists are derived from the tree: a
// project allows exactly the kinds its Applications deploy (the objects of the
// tree's files each reads, and what upstream sources install), so a kind nothing
// renders is never allowed and a kind a renderer adds is never refused.
func projects(m *model.Model, t *Tree) error {
	// The projects are objects of the tree too (the root app deploys them): added first,
	// their whitelists filled in once everything is known.
	bootstrap, infra, mesh, platform := bootstrapProjectObj(m), infraProjectObj(m), meshProjectObj(m), platformProjectObj(m)
	t.add(DirBootstrap+"/root-app.yaml", bootstrap)
	t.add(DirArgoCD+"/projects.yaml", infra, mesh, platform)
	all := []*argocd.AppProject{bootstrap, infra, mesh, platform}
	for _, a := range m.Apps {
		if a.Inline != nil {
			continue
		}
		// An external app's own project: its source, its namespace, its kinds.
		repo := ""
		switch {
		case a.Helm != nil:
			repo = HelmRepoURL(a.Helm.RepoURL)
		case a.Git != nil:
			repo = a.Git.RepoURL
		}
		p := project(m, a.Project, "App "+a.Name+": its own source, into namespace "+a.Namespace+" only.", []string{repo}, []string{a.Namespace})
		t.add(appsFile(a.Namespace), p)
		all = append(all, p)
	}
	reg := newKinds()
	files, err := indexFiles(reg, m.Repo.TreePath, t.Resources)
	if err != nil {
		return err
	}
	byProject := map[string]*projectKinds{}
	for _, r := range t.Resources {
		app, ok := r.Object.(*argocd.Application)
		if !ok {
			continue
		}
		pk := byProject[app.Spec.Project]
		if pk == nil {
			pk = &projectKinds{cluster: map[metav1.GroupKind]bool{}, namespaced: map[metav1.GroupKind]bool{}}
			byProject[app.Spec.Project] = pk
		}
		src := app.Spec.Source
		if src.RepoURL != m.Repo.URL || src.Chart != "" {
			in := t.installs[app.Name]
			for _, gk := range in.cluster {
				pk.cluster[gk] = true
			}
			for _, gk := range in.namespaced {
				pk.namespaced[gk] = true
			}
			pk.anyNamespaced = pk.anyNamespaced || in.anyNamespaced
			continue
		}
		for _, f := range files.candidates(src) {
			if !readsRepoPath(src, f.path) {
				continue
			}
			for _, ki := range f.kinds {
				if ki.Namespaced {
					pk.namespaced[ki.GroupKind] = true
				} else {
					pk.cluster[ki.GroupKind] = true
				}
			}
		}
	}
	whitelist := func(set map[metav1.GroupKind]bool) []metav1.GroupKind {
		out := make([]metav1.GroupKind, 0, len(set))
		for gk := range set {
			out = append(out, gk)
		}
		// Known kinds in the registry's order, then the others by group and kind.
		slices.SortFunc(out, func(a, b metav1.GroupKind) int {
			ia, ka := reg.order[a]
			ib, kb := reg.order[b]
			switch {
			case ka && kb:
				return ia - ib
			case ka != kb:
				if ka {
					return -1
				}
				return 1
			}
			return cmp.Or(strings.Compare(a.Group, b.Group), strings.Compare(a.Kind, b.Kind))
		})
		if len(out) == 0 {
			return nil
		}
		return out
	}
	for _, p := range all {
		if pk := byProject[p.Name]; pk != nil {
			p.Spec.ClusterResourceWhitelist = whitelist(pk.cluster)
			switch {
			case !pk.anyNamespaced && len(pk.namespaced) == 0:
				// Argo CD reads an empty whitelist as every kind: refuse them all.
				p.Spec.NamespaceResourceBlacklist = []metav1.GroupKind{{Group: "*", Kind: "*"}}
			case !pk.anyNamespaced:
				p.Spec.NamespaceResourceWhitelist = whitelist(pk.namespaced)
			default:
				// Upstream charts' namespaced kinds cannot be listed, so any is allowed:
				// but never routing, policy or Argo CD objects, which only the
				// platform, mesh and bootstrap projects may sync.
				p.Spec.NamespaceResourceBlacklist = ReservedNamespacedKinds()
			}
		}
	}
	return nil
}

// ReservedNamespacedKinds are the namespaced kinds a project that deploys upstream
// charts (whose kinds are not listed) may never sync: Gateway API routes and
// grants, Istio's security, networking, telemetry and extension objects, and Argo
// CD's own objects. Globs, as Argo CD matches them.
func ReservedNamespacedKinds() []metav1.GroupKind {
	return []metav1.GroupKind{
		{Group: "gateway.networking.k8s.io", Kind: "*"},
		{Group: "security.istio.io", Kind: "*"},
		{Group: "networking.istio.io", Kind: "*"},
		{Group: "telemetry.istio.io", Kind: "*"},
		{Group: "extensions.istio.io", Kind: "*"},
		{Group: "argoproj.io", Kind: "*"},
	}
}

// treeFile is one file of a tree: its path in the repository and the kinds of its objects.
type treeFile struct {
	path  string
	kinds []kindInfo
}

// treeFiles are a tree's files by folder (in the repository), so that the files an
// Application reads are found without testing every file against every Application.
type treeFiles struct {
	all    []*treeFile
	byDir  map[string][]*treeFile
	byPath map[string]*treeFile // by path in the repository
}

// indexFiles groups the resources of a tree at treePath into its files.
func indexFiles(reg kinds, treePath string, resources []Resource) (treeFiles, error) {
	tf := treeFiles{byDir: map[string][]*treeFile{}, byPath: map[string]*treeFile{}}
	byPath := map[string]*treeFile{} // by tree path
	for _, res := range resources {
		ki, err := reg.of(res.Object)
		if err != nil {
			return tf, err
		}
		f := byPath[res.Path]
		if f == nil {
			f = &treeFile{path: path.Join(treePath, res.Path)}
			byPath[res.Path] = f
			tf.byPath[f.path] = f
			tf.all = append(tf.all, f)
			dir := path.Dir(f.path)
			tf.byDir[dir] = append(tf.byDir[dir], f)
		}
		if !slices.Contains(f.kinds, ki) {
			f.kinds = append(f.kinds, ki)
		}
	}
	return tf, nil
}

// candidates are the files src may read: every file when it recurses into
// subfolders, the files its include names when they are file names (no glob), else
// those of its folder.
func (tf treeFiles) candidates(src *argocd.ApplicationSource) []*treeFile {
	d := src.Directory
	if d != nil && d.Recurse {
		return tf.all
	}
	if d == nil || d.Include == "" {
		return tf.byDir[src.Path]
	}
	var named []*treeFile
	for _, p := range includePatterns(d.Include) {
		if strings.ContainsAny(p, `*?[\/`) {
			return tf.byDir[src.Path]
		}
		if f := tf.byPath[src.Path+"/"+p]; f != nil {
			named = append(named, f)
		}
	}
	return named
}

// includePatterns are the globs of an Argo CD directory include: one, or {a,b}.
func includePatterns(include string) []string {
	pats := []string{include}
	if strings.HasPrefix(include, "{") && strings.HasSuffix(include, "}") {
		pats = strings.Split(include[1:len(include)-1], ",")
	}
	for i := range pats {
		pats[i] = strings.TrimSpace(pats[i])
	}
	return pats
}

// Reads reports whether an Application with source src reads the tree file at file
// (tree-relative) of a tree at treePath in the repository, as Argo CD's directory
// source does: files under source.path, in subfolders only with recurse, matching
// include (a glob, or {a,b} globs, on the path relative to source.path or its base name).
func Reads(src *argocd.ApplicationSource, treePath, file string) bool {
	return readsRepoPath(src, path.Join(treePath, file))
}

// readsRepoPath is Reads for a file at repoPath in the repository.
func readsRepoPath(src *argocd.ApplicationSource, repoPath string) bool {
	if src == nil || src.Chart != "" {
		return false
	}
	rel, ok := strings.CutPrefix(repoPath, src.Path+"/")
	if !ok {
		return false
	}
	var recurse bool
	var include string
	if d := src.Directory; d != nil {
		recurse, include = d.Recurse, d.Include
	}
	if !recurse && strings.Contains(rel, "/") {
		return false
	}
	if include == "" {
		return true
	}
	for _, p := range includePatterns(include) {
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
		if ok, _ := path.Match(p, path.Base(rel)); ok {
			return true
		}
	}
	return false
}
