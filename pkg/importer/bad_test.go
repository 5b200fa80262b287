package importer_test

import (
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/importer"
)

const gatewayDoc = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-ingress}
spec:
  gatewayClassName: istio
  listeners: [{name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: tls}]}}]
`

// TestBadInput: every input error is reported with its file and line, and nothing
// is imported.
func TestBadInput(t *testing.T) {
	for _, c := range []struct {
		name, input string
		want        []string // problems, in order
	}{
		{"not YAML", "apiVersion: v1\nkind: [\n", []string{"in.yaml:2: not YAML: yaml: line 2: did not find expected node content"}},
		{"not an object", "- a\n- b\n", []string{"in.yaml:1: not a Kubernetes object (expected a mapping with apiVersion and kind)"}},
		{"no kind", "apiVersion: v1\nmetadata: {name: x}\n", []string{"in.yaml:1: not a Kubernetes object: apiVersion and kind are required"}},
		{"no name", "apiVersion: v1\nkind: Service\nmetadata: {namespace: a}\n", []string{"in.yaml:1: Service: metadata.name is required"}},
		{"no namespace", gatewayDoc + "---\napiVersion: v1\nkind: Service\nmetadata: {name: api}\n",
			[]string{"in.yaml:8: Service api: no metadata.namespace (set it, or pass --namespace for objects without one)"}},
		{"two gateways", gatewayDoc + "---\n" + strings.Replace(gatewayDoc, "name: gw", "name: gw2", 1),
			[]string{"in.yaml:8: Gateway istio-ingress/gw2: a second Gateway (the first is Gateway istio-ingress/gw at in.yaml:1): a platform has one ingress gateway; import each separately"}},
		{"no gateway", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
			[]string{"no Gateway (gateway.networking.k8s.io) in the input: a platform has one ingress gateway"}},
		{"twice", gatewayDoc + "---\n" + gatewayDoc,
			[]string{"in.yaml:8: Gateway istio-ingress/gw: defined twice (first at in.yaml:1)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			objs, probs := importer.Parse([]byte(c.input), "in.yaml")
			if len(probs) == 0 {
				res := importer.Import(objs, importer.Options{})
				probs = res.Problems
				if len(probs) > 0 && res.Platform != nil {
					t.Error("a platform was imported despite problems")
				}
			}
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestUnknownKindIsALoss: a kind the importer does not know is reported as a loss at
// its line, and the rest is imported.
func TestUnknownKindIsALoss(t *testing.T) {
	in := gatewayDoc + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: istio-ingress}\n"
	objs, probs := importer.Parse([]byte(in), "in.yaml")
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	res := importer.Import(objs, importer.Options{})
	spec, err := res.SpecYAML([]string{"in.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := importer.RenderSpec(spec, "platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res.Compare(objs, rendered)
	want := "in.yaml:8: Widget istio-ingress/w: kind Widget (example.com/v1) is not carried over"
	if len(res.Losses) != 1 || res.Losses[0].String() != want {
		t.Errorf("losses %v, want [%s]", res.Losses, want)
	}
}
