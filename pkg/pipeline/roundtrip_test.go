package pipeline_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestRenderedYAMLReadsBackAsRendered reads every rendered document the way kubectl
// and Argo CD do (sigs.k8s.io/yaml, YAML 1.1 rules: "on", "y", "NO" are booleans
// unless quoted) and checks it equals the object that was encoded.
func TestRenderedYAMLReadsBackAsRendered(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			outs, files := renderSpec(t, readSpec(t, c.spec), c.spec)
			for _, o := range outs {
				docs := map[string][]any{}
				for _, r := range o.Tree.Resources {
					b, err := json.Marshal(r.Object)
					if err != nil {
						t.Fatal(err)
					}
					var v any
					if err := json.Unmarshal(b, &v); err != nil {
						t.Fatal(err)
					}
					docs[r.Path] = append(docs[r.Path], prune(v))
				}
				for p, want := range docs {
					full := p
					if o.Dir != "" {
						full = o.Dir + "/" + p
					}
					parts := bytes.Split(files[full], []byte("\n---\n"))
					if len(parts) != len(want) {
						t.Fatalf("%s: %d documents, want %d", full, len(parts), len(want))
					}
					for i, part := range parts {
						if i < len(parts)-1 {
							part = append(part, '\n') // the separator's newline ends this document
						}
						var got any
						if err := yaml.Unmarshal(part, &got); err != nil {
							t.Fatalf("%s[%d]: %v", full, i, err)
						}
						if !reflect.DeepEqual(prune(got), want[i]) {
							t.Errorf("%s[%d] reads back differently:\n got %s\nwant %s", full, i, js(prune(got)), js(want[i]))
						}
					}
				}
			}
		})
	}
}

// prune drops what the encoder drops (nulls, empty objects and lists) and
// normalises numbers, so only real differences remain.
func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range t {
			p := prune(val)
			if p == nil {
				continue
			}
			if m, ok := p.(map[string]any); ok && len(m) == 0 && k != "emptyDir" && k != "selfSigned" {
				continue
			}
			out[k] = p
		}
		return out
	case []any:
		if len(t) == 0 {
			return nil
		}
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = prune(x)
			if out[i] == nil {
				out[i] = map[string]any{}
			}
		}
		return out
	case float64, int, int64:
		return fmt.Sprint(t)
	}
	return v
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return strings.TrimSpace(string(b))
}
