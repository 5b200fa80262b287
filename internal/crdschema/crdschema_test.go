package crdschema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: example.com
  names: {kind: Widget}
  versions:
  - name: v1
    served: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          apiVersion: {type: string}
          kind: {type: string}
          metadata: {type: object}
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, maximum: 10}
              color: {type: string, enum: [red, blue]}
              port: {x-kubernetes-int-or-string: true}
              tags: {type: array, maxItems: 2, items: {type: string, pattern: "^[a-z]+$"}}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
`

func TestValidateFindsWhatTheAPIServerRefuses(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "widget.yaml"), []byte(crd), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	obj := func(spec map[string]any) map[string]any {
		return map[string]any{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": map[string]any{"name": "w"}, "spec": spec}
	}
	for _, tc := range []struct {
		name string
		spec map[string]any
		want string // a substring of the problems; "" for none
	}{
		{"valid", map[string]any{"size": 3, "port": "http", "extra": map[string]any{"any": 1}}, ""},
		{"int or string", map[string]any{"size": 3, "port": 8080}, ""},
		{"unknown field", map[string]any{"size": 3, "colour": "red"}, "colour"},
		{"missing required", map[string]any{"color": "red"}, "size"},
		{"enum", map[string]any{"size": 3, "color": "green"}, "must be one of"},
		{"maximum", map[string]any{"size": 11}, "10"},
		{"maxItems", map[string]any{"size": 1, "tags": []any{"a", "b", "c"}}, "2"},
		{"pattern", map[string]any{"size": 1, "tags": []any{"A"}}, "^[a-z]+$"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, problems := s.Validate(obj(tc.spec))
			if !ok {
				t.Fatal("no schema for Widget")
			}
			got := strings.Join(problems, "\n")
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("problems %q, want one mentioning %q", got, tc.want)
			}
		})
	}
	if ok, _ := s.Validate(map[string]any{"apiVersion": "example.com/v2", "kind": "Widget"}); ok {
		t.Error("validated a version no CRD serves")
	}
}
