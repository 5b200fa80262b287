package writer

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aymanbagabas/go-udiff"
)

// Diff compares what Write would produce with what dir holds and returns a unified
// diff (empty when they match). Files the user added are not compared.
func Diff(dir string, files map[string][]byte) (string, error) {
	diffs, err := DiffFiles(dir, files)
	var out strings.Builder
	for _, d := range diffs {
		out.WriteString(d.Text)
	}
	return out.String(), err
}

// FileDiff is the unified diff of one file of the tree.
type FileDiff struct {
	Path string // relative to the output directory, slash-separated
	Text string
}

// DiffFiles is Diff file by file, in path order (only the files that differ).
func DiffFiles(dir string, files map[string][]byte) ([]FileDiff, error) {
	paths, err := checkPaths(files)
	if err != nil {
		return nil, err
	}
	want := make(map[string]string, len(files)+1)
	for _, p := range paths {
		want[p] = string(files[p])
	}
	want[ManifestName] = string(manifestBytes(paths))
	old, err := scan(dir)
	if err != nil {
		return nil, err
	}
	all := map[string]bool{}
	for p := range want {
		all[p] = true
	}
	for _, p := range old.generated {
		all[p] = true
	}
	keys := make([]string, 0, len(all))
	for p := range all {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	var out []FileDiff
	for _, p := range keys {
		full := filepath.Join(dir, filepath.FromSlash(p))
		got, err := os.ReadFile(full)
		exists := err == nil
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		w, wanted := want[p]
		if exists == wanted && string(got) == w {
			continue
		}
		from, to := "a/"+filepath.ToSlash(full), "b/"+filepath.ToSlash(full)
		if !exists {
			from = "/dev/null"
		}
		if !wanted {
			to = "/dev/null"
		}
		out = append(out, FileDiff{Path: p, Text: udiff.Unified(from, to, string(got), w)})
	}
	return out, nil
}
