package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Helpers of the tests that change the configuration or the inputs.

// mutation edits one file of a copy of the configuration (old -> new, once)
// and wants an error containing wantError; no file and no wantError: the
// copy must pass.
type mutation struct {
	name      string
	file      string
	old, new  string
	wantError string
}

// runMutations checks each mutated copy with CheckSecureDefaults, every
// sample tfvars file, and the nlb sample with a relaxed input (so that
// hard-coding a secure value where an input should decide is noticed too).
func runMutations(t *testing.T, cases []mutation) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyConfig(t)
			if c.file != "" {
				replace(c.old, c.new)(t, filepath.Join(dir, c.file))
			}
			m, err := LoadModule(dir)
			if err != nil {
				t.Fatal(err)
			}
			errs := CheckSecureDefaults(m)
			root := filepath.Join("testdata", "repo")
			files, _ := FindTfvars(root)
			for _, f := range files {
				errs = append(errs, CheckTfvars(m, root, f)...)
			}
			errs = append(errs, CheckInputs(m, root, sampleTfvars(),
				sampleInputs(t, map[string]string{"cluster_endpoint_public_access_cidrs": `["203.0.113.0/24"]`}))...)
			joined := joinErrors(errs)
			if c.wantError == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors:\n%s", joined)
				}
				return
			}
			if !strings.Contains(joined, c.wantError) {
				t.Fatalf("want an error containing %q, got:\n%s", c.wantError, joined)
			}
		})
	}
}

// inputCase sets some variables on the nlb sample: either the checks must
// report wantErr, or they must pass and effect (if any) looks at the result.
type inputCase struct {
	name    string
	set     map[string]string // variable -> JSON value
	wantErr string
	effect  func(t *testing.T, ev *Evaluator)
}

func runInputs(t *testing.T, cases []inputCase) {
	t.Helper()
	m := loadModule(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := CheckInputs(m, filepath.Join("testdata", "repo"), sampleTfvars(), sampleInputs(t, c.set))
			joined := joinErrors(errs)
			if c.wantErr != "" {
				if !strings.Contains(joined, c.wantErr) {
					t.Fatalf("want an error containing %q, got:\n%s", c.wantErr, joined)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("unexpected errors:\n%s", joined)
			}
			if c.effect != nil {
				c.effect(t, sampleEvaluator(t, m, c.set))
			}
		})
	}
}

// copyConfig copies the *.tf files of the configuration into a temporary
// directory.
func copyConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join(tfDir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.tf in %s: %v", tfDir, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
