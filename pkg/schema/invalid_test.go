package schema_test

import (
	"os"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/internal/invalidcases"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
)

// TestInvalidSpecs runs every testdata/invalid case through decoding, validation and
// resolution: the diagnostics must be the case's .errors file but for its last line
// (the CLI's summary; pkg/cli runs the same cases through the CLI and the KRM
// function). `go test ./pkg/schema -run Invalid/NAME` checks one case while writing it.
func TestInvalidSpecs(t *testing.T) {
	t.Chdir("../..")
	invalidcases.Run(t, "testdata/invalid", func(t *testing.T, c invalidcases.Case) {
		data, err := os.ReadFile(c.Spec)
		if err != nil {
			t.Fatal(err)
		}
		res := pipeline.Load(data, c.Spec)
		if res.Valid() {
			t.Fatal("loaded without errors")
		}
		got := make([]string, len(res.Diagnostics))
		for i, d := range res.Diagnostics {
			got[i] = d.String()
		}
		if g, w := strings.Join(got, "\n"), strings.Join(c.Diagnostics(), "\n"); g != w {
			t.Errorf("diagnostics:\n%s\nwant:\n%s", g, w)
		}
	})
}
