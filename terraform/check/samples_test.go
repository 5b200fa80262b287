package check

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// Helpers of the tests that evaluate the configuration with the samples.

// sampleTfvars is the nlb sample, which sets no hardening variable.
func sampleTfvars() string {
	return filepath.Join("testdata", "repo", "out", "eks", "terraform", TfvarsName)
}

// sampleInputs is the nlb sample tfvars with some variables set (JSON values).
func sampleInputs(t *testing.T, set map[string]string) map[string]cty.Value {
	t.Helper()
	raw, err := LoadTfvarsJSON(sampleTfvars())
	if err != nil {
		t.Fatal(err)
	}
	for k, js := range set {
		v, err := ctyFromJSON(js)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		raw[k] = v
	}
	return raw
}

func sampleEvaluator(t *testing.T, m *Module, set map[string]string) *Evaluator {
	t.Helper()
	vars, errs := m.Inputs(sampleInputs(t, set))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return m.NewEvaluator(vars)
}

func joinErrors(errs []error) string {
	var s []string
	for _, err := range errs {
		s = append(s, err.Error())
	}
	return strings.Join(s, "\n")
}
