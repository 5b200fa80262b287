// Package invalidcases reads the invalid-spec cases of testdata/invalid for the tests
// that run them (pkg/schema through validation, pkg/cli through the CLI and the KRM
// function): each case is NAME.yaml and NAME.errors, the exact output krm-gen prints.
package invalidcases

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Case is one invalid spec and what krm-gen must print for it.
type Case struct {
	Name string
	Spec string   // the spec's path, as it appears in the expected output
	Want []string // the expected lines: the diagnostics, then the CLI's summary line
}

// Diagnostics are the expected lines without the CLI's summary.
func (c Case) Diagnostics() []string { return c.Want[:len(c.Want)-1] }

// Run calls fn for every case under dir (testdata/invalid, relative to the working
// directory the tests chdir to) in a subtest of its name.
func Run(t *testing.T, dir string, fn func(t *testing.T, c Case)) {
	t.Helper()
	specs, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(specs) < 30 {
		t.Fatalf("want at least 30 invalid specs in %s, found %d", dir, len(specs))
	}
	for _, spec := range specs {
		name := strings.TrimSuffix(filepath.Base(spec), ".yaml")
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(spec, ".yaml") + ".errors")
			if err != nil {
				t.Fatalf("missing expected errors: %v", err)
			}
			fn(t, Case{Name: name, Spec: spec, Want: strings.Split(strings.TrimSpace(string(want)), "\n")})
		})
	}
}
