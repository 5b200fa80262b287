package importer_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/cli"
)

// featureImportGaps are the feature cases whose rendered trees import with a loss or
// a difference: what the spec renders that import does not yet read back.
var featureImportGaps = map[string]string{
	"gateway-listener-per-hostname": "a route attached to several hostname listeners",
	"routes-listener-per-hostname":  "a route attached to several hostname listeners",
	"routes-canary-headers":         "a rewrite with several matches renders one rule per match",
	"security-network-policy":       "an app's egress NetworkPolicy",
	"security-waypoint":             "allowFrom of a git app behind a waypoint",
}

// TestRoundTripFeatures renders every feature case (testdata/features) and imports the
// tree: nothing is lost and the imported spec renders what was imported, for every
// feature but the known gaps above (which must still have a gap: a fixed one leaves
// the list).
func TestRoundTripFeatures(t *testing.T) {
	specs, _ := filepath.Glob("../../testdata/features/*/platform.yaml")
	if len(specs) == 0 {
		t.Fatal("no feature cases")
	}
	for _, spec := range specs {
		name := filepath.Base(filepath.Dir(spec))
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			var stdout, stderr bytes.Buffer
			if code := cli.Run([]string{"render", "-f", spec, "-o", dir}, strings.NewReader(""), &stdout, &stderr); code != cli.ExitOK {
				t.Fatalf("render: exit %d\n%s", code, stderr.String())
			}
			stderr.Reset()
			out := filepath.Join(t.TempDir(), "platform.yaml")
			if code := cli.Run([]string{"import", "-o", out, dir}, strings.NewReader(""), &stdout, &stderr); code != cli.ExitOK {
				t.Fatalf("import: exit %d\n%s", code, stderr.String())
			}
			clean := strings.Contains(stderr.String(), ": 0 not carried over, 0 differences")
			switch gap, known := featureImportGaps[name]; {
			case known && clean:
				t.Errorf("imports cleanly now (%s): remove it from featureImportGaps", gap)
			case !known && !clean:
				t.Errorf("the rendered tree does not import back:\n%s", stderr.String())
			}
		})
	}
}
