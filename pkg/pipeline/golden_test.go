package pipeline_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/pipeline"
	"github.com/krm-gen/krm-gen/pkg/writer"
)

var update = flag.Bool("update", false, "rewrite golden files (out/<blueprint> and testdata/golden/*/expected)")

// goldenCase is a spec and the folder holding its expected rendered tree.
type goldenCase struct{ name, spec, expected string }

func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	var cases []goldenCase
	bps, _ := filepath.Glob("../../blueprints/*/platform.yaml")
	for _, spec := range bps {
		name := filepath.Base(filepath.Dir(spec))
		cases = append(cases, goldenCase{"blueprint/" + name, spec, filepath.Join("../../out", name)})
	}
	specs, _ := filepath.Glob("../../testdata/golden/*/platform.yaml")
	for _, spec := range specs {
		cases = append(cases, goldenCase{"golden/" + filepath.Base(filepath.Dir(spec)), spec, filepath.Join(filepath.Dir(spec), "expected")})
	}
	if len(bps) == 0 || len(specs) < 2 {
		t.Fatalf("found %d blueprints and %d golden specs; expected the eks blueprint and at least 2 golden cases", len(bps), len(specs))
	}
	return cases
}

func readSpec(t *testing.T, spec string) []byte {
	t.Helper()
	data, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func renderFile(t *testing.T, spec string) map[string][]byte {
	t.Helper()
	_, files := renderSpec(t, readSpec(t, spec), spec)
	return files
}

// renderSpec runs the whole pipeline on a valid spec: its outputs and their files.
func renderSpec(tb testing.TB, data []byte, name string) ([]pipeline.Output, map[string][]byte) {
	tb.Helper()
	res := pipeline.Load(data, name)
	if !res.Valid() {
		tb.Fatalf("%s is invalid:\n%v", name, res.Diagnostics)
	}
	return renderTrees(tb, res.Trees)
}

// renderTrees renders resolved trees: their outputs and files.
func renderTrees(tb testing.TB, trees []pipeline.Tree) ([]pipeline.Output, map[string][]byte) {
	tb.Helper()
	outs, err := pipeline.Render(trees)
	if err != nil {
		tb.Fatal(err)
	}
	files, err := pipeline.Files(outs)
	if err != nil {
		tb.Fatal(err)
	}
	return outs, files
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			files := renderFile(t, c.spec)
			if *update {
				if _, err := writer.Write(c.expected, files, writer.Options{}); err != nil {
					t.Fatal(err)
				}
				return
			}
			if _, err := os.Stat(filepath.Join(c.expected, writer.ManifestName)); err != nil {
				t.Fatalf("golden tree %s is missing (run `make update-golden` and read the diff): %v", c.expected, err)
			}
			diff, err := writer.Diff(c.expected, files)
			if err != nil {
				t.Fatal(err)
			}
			if diff != "" {
				t.Errorf("rendered %s differs from %s (run `make update-golden` if intended):\n%s", c.spec, c.expected, diff)
			}
		})
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			a, b := renderFile(t, c.spec), renderFile(t, c.spec)
			if len(a) != len(b) {
				t.Fatalf("%d files, then %d", len(a), len(b))
			}
			for p, content := range a {
				if !bytes.Equal(content, b[p]) {
					t.Errorf("%s differs between two renders", p)
				}
			}
		})
	}
}

// TestSpecOrderDoesNotMatter reverses the spec's apps and routes: files that hold
// several objects (routes and security per namespace) must come out the same.
func TestSpecOrderDoesNotMatter(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			data := readSpec(t, c.spec)
			want := renderFile(t, c.spec)
			res := pipeline.Load(data, c.spec)
			if !res.Valid() {
				t.Fatalf("%s is invalid:\n%v", c.spec, res.Diagnostics)
			}
			s := &res.Spec.Spec
			if len(s.Apps) < 2 && len(s.Routes) < 2 {
				t.Skip("fewer than two apps and routes")
			}
			slices.Reverse(s.Apps)
			slices.Reverse(s.Routes)
			trees, errs, _ := pipeline.Resolve(res.Spec)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			_, got := renderTrees(t, trees)
			if len(got) != len(want) {
				t.Fatalf("%d files, want %d", len(got), len(want))
			}
			for p, content := range want {
				if !bytes.Equal(content, got[p]) {
					t.Errorf("%s changes when the spec lists its apps and routes in reverse", p)
				}
			}
		})
	}
}
