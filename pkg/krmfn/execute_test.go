package krmfn_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/pkg/krmfn"
)

// resourceListInput is a ResourceList as kustomize sends it: the spec file as the
// functionConfig, and items (a YAML sequence, "" for none).
func resourceListInput(tb testing.TB, specFile, items string) []byte {
	tb.Helper()
	spec, err := os.ReadFile(specFile)
	if err != nil {
		tb.Fatal(err)
	}
	var in bytes.Buffer
	in.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
	if items == "" {
		in.WriteString("items: []\n")
	} else {
		in.WriteString("items:\n" + items)
	}
	in.WriteString("functionConfig:\n")
	for _, line := range bytes.SplitAfter(spec, []byte("\n")) {
		if len(line) > 0 {
			in.WriteString("  ")
			in.Write(line)
		}
	}
	return in.Bytes()
}

// TestExecuteMatchesFramework: Execute writes byte for byte what kyaml's
// framework.Execute writes, for valid specs, invalid ones (results) and items
// passed through (with comments, which take yaml.v3's path). The one expected
// difference: strings YAML 1.1 reads as booleans ("on", "y") are quoted, so for the
// spec that has them (quoted) the two outputs must hold the same values.
func TestExecuteMatchesFramework(t *testing.T) {
	quoted := "../../testdata/golden/cross-namespace/platform.yaml"
	specs, _ := filepath.Glob("../../blueprints/*/platform.yaml")
	specs = append(specs, quoted, "../../testdata/invalid/unknown-field-suggestion.yaml")
	items := []string{"", `- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: mine # a comment
  data:
    script: |
      #!/bin/sh
      echo hi
`}
	for _, spec := range specs {
		for i, it := range items {
			in := resourceListInput(t, spec, it)
			var want, got bytes.Buffer
			wantErr := framework.Execute(krmfn.Processor{}, &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: &want, KeepReaderAnnotations: true})
			gotErr := krmfn.Execute(bytes.NewReader(in), &got)
			if (wantErr == nil) != (gotErr == nil) {
				t.Errorf("%s (items %d): error %v, framework.Execute: %v", spec, i, gotErr, wantErr)
			}
			if spec == quoted {
				if got.String() == want.String() {
					t.Errorf("%s: no YAML 1.1 string quoted; the test no longer covers quoting", spec)
				}
				var g, w any
				if err := yaml.Unmarshal(got.Bytes(), &g); err != nil {
					t.Fatal(err)
				}
				if err := yaml.Unmarshal(want.Bytes(), &w); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("%s (items %d): output holds other values than framework.Execute's", spec, i)
				}
				continue
			}
			if got.String() != want.String() {
				t.Errorf("%s (items %d): output differs from framework.Execute:\n--- got\n%s\n--- want\n%s", spec, i, got.String(), want.String())
			}
		}
	}
}
