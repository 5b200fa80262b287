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

// resourceListInput is a ResourceList with the spec file as the functionConfig,
// items (a YAML sequence, "" for none) and extra top-level fields (e.g. results).
func resourceListInput(tb testing.TB, specFile, items, extra string) []byte {
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
	in.WriteString(extra)
	return in.Bytes()
}

// kustomizeInput is the ResourceList kustomize (v5, exec generator) sends: the spec
// as the functionConfig and, annotated, as the one item.
func kustomizeInput(tb testing.TB, specFile string) []byte {
	tb.Helper()
	spec, err := os.ReadFile(specFile)
	if err != nil {
		tb.Fatal(err)
	}
	fc, err := yaml.Parse(string(spec))
	if err != nil {
		tb.Fatal(err)
	}
	item := fc.Copy()
	for _, kv := range [][2]string{
		{"config.kubernetes.io/local-config", "true"},
		{"config.kubernetes.io/index", "0"},
		{"internal.config.kubernetes.io/index", "0"},
		{"internal.config.kubernetes.io/annotations-migration-resource-id", "0"},
		{"internal.config.kubernetes.io/id", "1"},
		{"config.k8s.io/id", "1"},
	} {
		if err := item.PipeE(yaml.SetAnnotation(kv[0], kv[1])); err != nil {
			tb.Fatal(err)
		}
	}
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, KeepReaderAnnotations: true, FunctionConfig: fc,
		WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}
	if err := w.Write([]*yaml.RNode{item}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// TestExecuteMatchesFramework: Execute writes byte for byte what kyaml's
// framework.Execute writes, for valid specs and invalid ones (results), with no
// items, kustomize's input, an item passed through (with comments, which takes
// yaml.v3's path) and results already in the input. The one expected
// difference: strings YAML 1.1 reads as booleans ("on", "y") are quoted, so for the
// spec that has them (quoted) the two outputs must hold the same values.
func TestExecuteMatchesFramework(t *testing.T) {
	quoted := "../../testdata/golden/cross-namespace/platform.yaml"
	specs, _ := filepath.Glob("../../blueprints/*/platform.yaml")
	specs = append(specs, quoted, "../../testdata/invalid/unknown-field-suggestion.yaml")
	passedThrough := `- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: mine # a comment
  data:
    script: |
      #!/bin/sh
      echo hi
`
	for _, spec := range specs {
		inputs := map[string][]byte{
			"no items":             resourceListInput(t, spec, "", ""),
			"kustomize":            kustomizeInput(t, spec),
			"item passed through":  resourceListInput(t, spec, passedThrough, ""),
			"results in the input": resourceListInput(t, spec, "", "results:\n- message: from an earlier function\n  severity: info\n"),
		}
		for i, in := range inputs {
			var want, got bytes.Buffer
			wantErr := framework.Execute(krmfn.Processor{}, &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: &want, KeepReaderAnnotations: true})
			gotErr := krmfn.Execute(bytes.NewReader(in), &got)
			if (wantErr == nil) != (gotErr == nil) {
				t.Errorf("%s (%s): error %v, framework.Execute: %v", spec, i, gotErr, wantErr)
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
					t.Errorf("%s (%s): output holds other values than framework.Execute's", spec, i)
				}
				continue
			}
			if got.String() != want.String() {
				t.Errorf("%s (%s): output differs from framework.Execute:\n--- got\n%s\n--- want\n%s", spec, i, got.String(), want.String())
			}
		}
	}
}
