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
		// Splitting files into objects reads every line: a few files at a time.
		paths := make([]string, 0, len(m))
		for p := range m {
			paths = append(paths, p)
		}
		split := make([]map[string]string, len(paths))
		eachFile(len(paths), func(i int) { split[i] = objects(paths[i], m[paths[i]]) })
		out := map[[2]string]obj{}
		for i, p := range paths {
			for id, body := range split[i] {
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
	eachFile(len(paths), func(i int) {
		data[i], errs[i] = os.ReadFile(filepath.Join(dir, filepath.FromSlash(paths[i])))
	})
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
		id, ok := plainIdentity(doc)
		if !ok { // not in the emitter's plain block form (hand-edited): parse it
			n, err := yaml.Parse(string(doc))
			if err != nil || n.GetKind() == "" {
				out["file "+p] += string(doc)
				continue
			}
			id = identity(n.GetKind(), n.GetNamespace(), n.GetName())
		}
		out[id] = string(doc)
	}
	return out
}

func identity(kind, namespace, name string) string {
	if namespace == "" {
		return kind + " " + name
	}
	return kind + " " + namespace + "/" + name
}

// plainIdentity reads an object's kind, namespace and name from a document in the
// block form krm-gen's emitter writes (kind at the top level; name and namespace two
// spaces into metadata; plain scalars) without parsing the YAML; ok is false for any
// other form, which the caller parses. A fresh render of 1,000 apps spent most of its
// extra time parsing the files it had just written to list them.
func plainIdentity(doc []byte) (id string, ok bool) {
	var kind, name, namespace string
	inMeta, seenKind, seenMeta := false, false, false
	for len(doc) > 0 {
		line := doc
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			line, doc = doc[:i], doc[i+1:]
		} else {
			doc = nil
		}
		switch {
		case len(line) == 0 || line[0] == '#' || line[0] == '-' && !inMeta:
			if len(line) > 0 && line[0] == '-' {
				return "", false // a document marker or a top-level sequence
			}
			continue
		case line[0] != ' ':
			inMeta = false
			key, value, isKey := bytes.Cut(line, []byte(": "))
			switch {
			case string(line) == "metadata:":
				if seenMeta {
					return "", false
				}
				inMeta, seenMeta = true, true
			case isKey && string(key) == "kind":
				if seenKind || !plainScalar(value) {
					return "", false
				}
				kind, seenKind = string(value), true
			case !isKey && !bytes.HasSuffix(line, []byte(":")):
				return "", false // not a mapping key: a flow document or a scalar
			}
		case inMeta && len(line) > 2 && line[1] == ' ' && line[2] != ' ':
			key, value, isKey := bytes.Cut(line[2:], []byte(": "))
			if !isKey {
				continue // a nested mapping's key (labels:, annotations:)
			}
			switch string(key) {
			case "name", "namespace":
				if !plainScalar(value) {
					return "", false
				}
				if string(key) == "name" {
					name = string(value)
				} else {
					namespace = string(value)
				}
			}
		}
	}
	if !seenKind || name == "" {
		return "", false
	}
	return identity(kind, namespace, name), true
}

// plainScalar reports whether v is a plain YAML scalar that means itself: DNS-style
// names and kinds (letters, digits, '-', '.', '_'), nothing quoted, anchored, tagged
// or commented.
func plainScalar(v []byte) bool {
	switch string(v) {
	case "", "null", "Null", "NULL", "~":
		return false
	}
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return true
}
