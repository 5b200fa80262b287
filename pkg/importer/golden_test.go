package importer_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff"

	"github.com/krm-gen/krm-gen/pkg/importer"
)

var update = flag.Bool("update", false, "rewrite testdata/import/*/expected")

// TestImportGolden imports each hand-written case of testdata/import/<case>/input
// (one file per object, multi-document files, app-of-apps Applications, chart
// Applications) and compares the spec and the report with <case>/expected/.
func TestImportGolden(t *testing.T) {
	cases, err := filepath.Glob("../../testdata/import/*/input")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases under testdata/import (%v)", err)
	}
	for _, in := range cases {
		dir := filepath.Dir(in)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			spec, report := importCase(t, in)
			report = strings.ReplaceAll(report, filepath.ToSlash(dir)+"/", "")
			for name, got := range map[string]string{"platform.yaml": spec, "report.txt": report} {
				file := filepath.Join(dir, "expected", name)
				if *update {
					if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run `make update-golden` and read the result)", err)
				}
				if string(want) != got {
					t.Errorf("%s differs (run `make update-golden` if intended):\n%s", file, udiff.Unified("expected", "imported", string(want), got))
				}
			}
		})
	}
}

// importCase runs what `krm-gen import input` runs: read, import, check that the
// spec renders, compare; it returns the spec and the report.
func importCase(t *testing.T, in string) (string, string) {
	t.Helper()
	objs, probs := importer.ReadPaths([]string{in}, nil)
	if len(probs) > 0 {
		t.Fatalf("reading: %v", probs)
	}
	res := importer.Import(objs, importer.Options{})
	if len(res.Problems) > 0 {
		t.Fatalf("import: %v", res.Problems)
	}
	spec, err := res.SpecYAML([]string{"input"})
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := importer.RenderSpec(spec, "platform.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, spec)
	}
	res.Compare(objs, rendered)
	if spec, err = res.SpecYAML([]string{"input"}); err != nil {
		t.Fatal(err)
	}
	return string(spec), res.Report()
}
