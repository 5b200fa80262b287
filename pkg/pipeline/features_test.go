package pipeline_test

import (
	"bytes"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff"
)

// Feature cases are sized to one feature: testdata/features/<family>-<feature>/ holds a
// short platform.yaml and, under expected/, only the files of that object family (a
// family is a folder of the rendered tree; argocd also covers bootstrap). A new route
// feature is then one spec, and one expected routes/<namespace>.yaml. The readme
// family is the tree's README.md (its Mermaid diagrams).
var familyDirs = map[string][]string{
	"argocd":     {"argocd", "bootstrap"},
	"namespaces": {"namespaces"},
	"gateway":    {"gateway"},
	"routes":     {"routes"},
	"security":   {"security"},
	"workloads":  {"workloads"},
	"terraform":  {"terraform"},
	"readme":     {"README.md"}, // the tree's diagrams
}

func TestFeatureGolden(t *testing.T) {
	cases, _ := filepath.Glob("../../testdata/features/*/platform.yaml")
	if len(cases) < len(familyDirs) {
		t.Fatalf("found %d feature cases, want at least one per family (%d)", len(cases), len(familyDirs))
	}
	covered := map[string]bool{}
	for _, spec := range cases {
		dir := filepath.Dir(spec)
		name := filepath.Base(dir)
		family, _, _ := strings.Cut(name, "-")
		dirs, ok := familyDirs[family]
		if !ok {
			t.Errorf("%s: name must start with a family (%v)", dir, slices.Sorted(maps.Keys(familyDirs)))
			continue
		}
		covered[family] = true
		t.Run(name, func(t *testing.T) {
			outs, files := renderSpec(t, readSpec(t, spec), spec)
			envs := map[string]bool{}
			for _, o := range outs {
				envs[o.Dir] = true
			}
			got := map[string][]byte{}
			for p, b := range files {
				parts := strings.Split(p, "/")
				if envs[parts[0]] && len(parts) > 1 {
					parts = parts[1:]
				}
				if slices.Contains(dirs, parts[0]) {
					got[p] = b
				}
			}
			if len(got) == 0 {
				t.Fatalf("renders no file of family %s (%v)", family, dirs)
			}
			expected := filepath.Join(dir, "expected")
			want := readTree(t, expected)
			if *update {
				if err := os.RemoveAll(expected); err != nil {
					t.Fatal(err)
				}
				for p, b := range got {
					f := filepath.Join(expected, filepath.FromSlash(p))
					if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(f, b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			if len(want) == 0 {
				t.Fatalf("%s is missing (run `make update-golden` and read the diff)", expected)
			}
			for p, b := range got {
				if w, ok := want[p]; !ok {
					t.Errorf("%s: rendered but not expected", p)
				} else if !bytes.Equal(w, b) {
					t.Errorf("%s differs (run `make update-golden` if intended):\n%s", p, udiff.Unified("expected/"+p, "rendered", string(w), string(b)))
				}
			}
			for p := range want {
				if _, ok := got[p]; !ok {
					t.Errorf("%s: expected but no longer rendered", p)
				}
			}
		})
	}
	for f := range familyDirs {
		if !covered[f] {
			t.Errorf("no feature case for family %s", f)
		}
	}
}

// readTree reads every file under dir, keyed by slash path relative to dir.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if os.IsNotExist(err) {
			return filepath.SkipAll
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		out[path.Clean(filepath.ToSlash(rel))] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
