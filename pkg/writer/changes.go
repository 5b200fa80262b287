package writer

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

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
	// A file that comes out byte for byte as it was holds the same objects: only the
	// others are parsed (a render that changes one app reads one file twice).
	before, err := readAll(dir, old.generated)
	if err != nil {
		return nil, err
	}
	oldFiles, newFiles := map[string][]byte{}, map[string][]byte{}
	for p, b := range before {
		if nb, ok := files[p]; !ok || !bytes.Equal(nb, b) {
			oldFiles[p] = b
		}
	}
	for p, b := range files {
		if ob, ok := before[p]; !ok || !bytes.Equal(ob, b) {
			newFiles[p] = b
		}
	}
	index := func(m map[string][]byte) map[[2]string]obj {
		out := map[[2]string]obj{}
		for p, b := range m {
			for id, body := range objects(p, b) {
				out[[2]string{group(p), id}] = obj{p, body}
			}
		}
		return out
	}
	oldObjs, newObjs := index(oldFiles), index(newFiles)
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

// readAll reads the files paths of dir, a few at a time (reading is cheap but a
// syscall per step: a few readers overlap the waits). Files listed but gone are left
// out; the first other error, in the order of paths, is returned.
func readAll(dir string, paths []string) (map[string][]byte, error) {
	data := make([][]byte, len(paths))
	errs := make([]error, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(len(paths), 2*runtime.GOMAXPROCS(0)+2) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(paths); i = int(next.Add(1) - 1) {
				data[i], errs[i] = os.ReadFile(filepath.Join(dir, filepath.FromSlash(paths[i])))
			}
		}()
	}
	wg.Wait()
	out := make(map[string][]byte, len(paths))
	for i, p := range paths {
		switch {
		case errors.Is(errs[i], fs.ErrNotExist):
			continue // listed but gone: nothing to compare with
		case errs[i] != nil:
			return nil, errs[i]
		}
		out[p] = data[i]
	}
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
		doc = bytes.TrimSpace(doc)
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
