package pipeline_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/pipeline"
)

// FuzzPipeline feeds arbitrary bytes through decode, validate, render and encode:
// nothing may panic, invalid input must come back as error diagnostics, and every
// rendered path must stay inside the output directory.
func FuzzPipeline(f *testing.F) {
	for _, pattern := range []string{"../../blueprints/*/platform.yaml", "../../testdata/golden/*/platform.yaml", "../../testdata/invalid/*.yaml"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res := pipeline.Load(data, "fuzz.yaml")
		if !res.Valid() {
			if !res.Diagnostics.HasErrors() {
				t.Fatal("spec rejected without an error diagnostic")
			}
			return
		}
		outs, err := pipeline.Render(res.Trees)
		if err != nil {
			t.Fatalf("valid spec failed to render: %v", err)
		}
		files, err := pipeline.Files(outs)
		if err != nil {
			t.Fatalf("valid spec failed to encode: %v", err)
		}
		for p := range files {
			if !filepath.IsLocal(p) || strings.Contains(p, "..") {
				t.Fatalf("rendered path %q escapes the output directory", p)
			}
		}
	})
}
