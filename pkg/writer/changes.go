package writer

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Change kinds.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// Change is one object a write adds to, removes from or changes in a tree.
type Change struct {
	Group  string // the group (environment) of its file, as the caller's group function says
	Op     string // Added, Removed or Changed
	Object string // "Kind namespace/name" ("Kind name" when cluster-scoped); "file PATH" for files that are not Kubernetes objects
	Path   string // the file (new one for added and changed objects), relative to dir
}

// Changes compares files with the files krm-gen generated in dir before, object by
// object: within a group (group maps a file to it, e.g. its environment), an object
// is known by its kind, namespace and name wherever its file is, so moving it to
// another file is no change. Changes come by group, then object.
func Changes(dir string, files map[string][]byte, group func(path string) string) ([]Change, error) {
	old, err := scan(dir)
	if err != nil {
		return nil, err
	}
	type obj struct{ path, body string }
	index := func(read func(p string) ([]byte, error), paths []string) (map[[2]string]obj, error) {
		out := map[[2]string]obj{}
		for _, p := range paths {
			b, err := read(p)
			if err != nil {
				return nil, err
			}
			for id, body := range objects(p, b) {
				out[[2]string{group(p), id}] = obj{p, body}
			}
		}
		return out, nil
	}
	oldObjs, err := index(func(p string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil // listed but gone: nothing to compare with
		}
		return b, err
	}, old.generated)
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	newObjs, _ := index(func(p string) ([]byte, error) { return files[p], nil }, paths)
	var out []Change
	for k, n := range newObjs {
		o, ok := oldObjs[k]
		switch {
		case !ok:
			out = append(out, Change{Group: k[0], Op: Added, Object: k[1], Path: n.path})
		case o.body != n.body:
			out = append(out, Change{Group: k[0], Op: Changed, Object: k[1], Path: n.path})
		}
	}
	for k, o := range oldObjs {
		if _, ok := newObjs[k]; !ok {
			out = append(out, Change{Group: k[0], Op: Removed, Object: k[1], Path: o.path})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Object < out[j].Object
	})
	return out, nil
}

// objects splits a rendered file into its objects by identity; a file that is not
// Kubernetes objects (Terraform variables) is one object of its own.
func objects(p string, b []byte) map[string]string {
	out := map[string]string{}
	if !strings.HasSuffix(p, ".yaml") {
		out["file "+p] = string(b)
		return out
	}
	for _, doc := range bytes.Split(b, []byte("\n---\n")) {
		n, err := yaml.Parse(string(doc))
		if err != nil || n.GetKind() == "" {
			out["file "+p] += string(doc)
			continue
		}
		id := n.GetKind() + " " + n.GetName()
		if ns := n.GetNamespace(); ns != "" {
			id = n.GetKind() + " " + ns + "/" + n.GetName()
		}
		out[id] = string(doc)
	}
	return out
}
