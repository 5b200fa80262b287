package importer_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff"

	"github.com/krm-gen/krm-gen/pkg/importer"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
)

// renderedTrees are the rendered trees of the repository: each folder with
// bootstrap/root-app.yaml under out/ (out/<blueprint>, or out/<blueprint>/<env> with
// environments) and the golden trees testdata/golden/<case>/expected.
func renderedTrees(t *testing.T) []string {
	t.Helper()
	roots, err := filepath.Glob("../../out/*/bootstrap/root-app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	envs, _ := filepath.Glob("../../out/*/*/bootstrap/root-app.yaml")
	golden, _ := filepath.Glob("../../testdata/golden/*/expected/bootstrap/root-app.yaml")
	goldenEnvs, _ := filepath.Glob("../../testdata/golden/*/expected/*/bootstrap/root-app.yaml")
	var out []string
	for _, r := range slices.Concat(roots, envs, golden, goldenEnvs) {
		out = append(out, filepath.Dir(filepath.Dir(r)))
	}
	sort.Strings(out)
	if len(out) == 0 {
		t.Fatal("no rendered trees under out/")
	}
	return out
}

// TestRoundTrip imports every rendered tree and renders the spec: the same objects
// (kind, namespace, name) come out, with the same content for the kinds the spec
// describes (Gateway, routes, Deployments, Services, ConfigMaps, Namespaces), no
// loss is reported, and (stronger than the Argo CD and policy objects by name)
// every file of the tree is rendered byte for byte, Terraform variables included.
func TestRoundTrip(t *testing.T) {
	for _, tree := range renderedTrees(t) {
		name := strings.TrimPrefix(filepath.ToSlash(tree), "../../")
		t.Run(name, func(t *testing.T) {
			objs, probs := importer.ReadPaths([]string{tree}, nil)
			if len(probs) > 0 {
				t.Fatalf("reading: %v", probs)
			}
			res := importer.Import(objs, importer.Options{})
			if len(res.Problems) > 0 {
				t.Fatalf("import: %v", res.Problems)
			}
			spec, err := res.SpecYAML([]string{name})
			if err != nil {
				t.Fatal(err)
			}
			rendered, err := importer.RenderSpec(spec, "platform.yaml")
			if err != nil {
				t.Fatalf("%v\nspec:\n%s", err, spec)
			}
			want := map[string]*importer.Object{}
			for _, o := range objs {
				if o.Kind != importer.KindTerraformVariables {
					want[importer.Key(o.Kind, o.Namespace, o.Name)] = o
				}
			}
			got := map[string]importer.Rendered{}
			for _, r := range rendered {
				got[importer.Key(r.Kind, r.Namespace, r.Name)] = r
			}
			for k, o := range want {
				r, ok := got[k]
				if !ok {
					t.Errorf("%s:%d: %s is not rendered from the imported spec", o.File, o.Line, o.Ref())
					continue
				}
				if importer.ContentKinds[o.Kind] {
					if w, g := js(t, o.Raw), js(t, r.Raw); w != g {
						t.Errorf("%s differs:\n%s", o.Ref(), udiff.Unified("input", "rendered", w, g))
					}
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%s is rendered but not in the input", k)
				}
			}
			res.Compare(objs, rendered)
			for _, l := range res.Losses {
				t.Errorf("loss on a krm-gen tree: %s", l)
			}
			sameFiles(t, tree, spec)
			if t.Failed() {
				t.Logf("spec:\n%s\nreport:\n%s", spec, res.Report())
			}
		})
	}
}

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// sameFiles checks that the imported spec renders the tree byte for byte (the
// manifest of generated files aside).
func sameFiles(t *testing.T, tree string, spec []byte) {
	t.Helper()
	res := pipeline.Load(spec, "platform.yaml")
	outs, err := pipeline.Render(res.Trees)
	if err != nil {
		t.Fatal(err)
	}
	files, err := pipeline.Files(outs)
	if err != nil {
		t.Fatal(err)
	}
	onDisk := 0
	err = filepath.WalkDir(tree, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == ".krm-gen.manifest" {
			return err
		}
		rel, _ := filepath.Rel(tree, p)
		want, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		onDisk++
		if got, ok := files[filepath.ToSlash(rel)]; !ok {
			t.Errorf("%s: not rendered from the imported spec", rel)
		} else if string(got) != string(want) {
			t.Errorf("%s differs:\n%s", rel, udiff.Unified("tree", "rendered", string(want), string(got)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != onDisk {
		t.Errorf("the imported spec renders %d files, the tree has %d", len(files), onDisk)
	}
}

// TestRoundTripEnvironments imports folders holding one tree per environment
// (out/<blueprint> with out/<blueprint>/<env>/bootstrap) into one spec with
// environments, which renders every environment's files byte for byte.
func TestRoundTripEnvironments(t *testing.T) {
	parents, _ := filepath.Glob("../../out/*/*/bootstrap/root-app.yaml")
	seen := map[string]bool{}
	for _, r := range parents {
		tree := filepath.Dir(filepath.Dir(filepath.Dir(r)))
		if seen[tree] {
			continue
		}
		seen[tree] = true
		name := strings.TrimPrefix(filepath.ToSlash(tree), "../../")
		t.Run(name, func(t *testing.T) {
			objs, probs := importer.ReadPaths([]string{tree}, nil)
			if len(probs) > 0 {
				t.Fatalf("reading: %v", probs)
			}
			res := importer.Import(objs, importer.Options{})
			if len(res.Problems) > 0 {
				t.Fatalf("import: %v", res.Problems)
			}
			if len(res.Platform.Spec.Environments) < 2 {
				t.Fatalf("environments %v, want one per tree", res.Platform.Spec.Environments)
			}
			spec, err := res.SpecYAML([]string{name})
			if err != nil {
				t.Fatal(err)
			}
			rendered, err := importer.RenderSpec(spec, "platform.yaml")
			if err != nil {
				t.Fatalf("%v\n%s", err, spec)
			}
			res.Compare(objs, rendered)
			for _, l := range res.Losses {
				t.Errorf("loss on a krm-gen tree: %s", l)
			}
			sameFiles(t, tree, spec)
		})
	}
	if len(seen) == 0 {
		t.Skip("no tree with environments under out/")
	}
}
