package pipeline_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff"
	appsv1 "k8s.io/api/apps/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/pkg/manifest"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
	"github.com/krm-gen/krm-gen/pkg/writer"
)

// Benchmarks of the whole in-process pipeline (decode + default + validate + render +
// serialize) for generated platforms of growing size; see BENCHMARKS.md and issue 8.
//
//	go test -run '^$' -bench . -benchmem ./pkg/pipeline/
//
// hack/bench.sh writes the same generated specs to disk for whole-process runs:
//
//	KRM_GEN_BENCH_SPEC_DIR=DIR go test -run '^TestWriteBenchSpecs$' -count=1 ./pkg/pipeline/

// benchSizes are the app counts benchmarked.
var benchSizes = []int{1, 100, 1000, 5000}

// appsPerNamespace groups generated apps into team namespaces.
const appsPerNamespace = 20

// appPools are the node pools apps are spread over; all but "general" are tainted.
var appPools = []string{"general", "compute", "memory", "spot"}

// benchSpec returns the YAML of a Platform with n apps. Every app has a Deployment with
// env, resources, a probe and one mounted file, and two routes; every third route
// (a third of them) lives in another namespace than its backend, so it needs a
// ReferenceGrant. Apps are spread over four node pools, three of them tainted.
func benchSpec(n int) []byte {
	var b bytes.Buffer
	b.Grow(900 * (n + 2))
	b.WriteString(`apiVersion: krm-gen.dev/v1alpha1
kind: Platform
metadata:
  name: bench
spec:
  provider: eks
  git:
    repoURL: https://github.com/acme/platform.git
    revision: main
    path: out/bench
  versions:
    gatewayAPI: v1.6.3
    istio: 1.31.0
  nodePools:
    system:
      labels: {role: system}
      taints:
      - {key: CriticalAddonsOnly, value: "true", effect: NoSchedule}
      instanceTypes: [m6i.large]
      size: {min: 2, max: 3, desired: 2}
    general:
      labels: {role: general}
      instanceTypes: [m6i.xlarge]
      size: {min: 2, max: 20, desired: 3}
    compute:
      labels: {role: compute}
      taints:
      - {key: workload, value: compute, effect: NoSchedule}
      instanceTypes: [c6i.2xlarge]
      size: {min: 1, max: 20, desired: 2}
    memory:
      labels: {role: memory}
      taints:
      - {key: workload, value: memory, effect: NoSchedule}
      instanceTypes: [r6i.2xlarge]
      size: {min: 1, max: 20, desired: 2}
    spot:
      labels: {role: spot, lifecycle: spot}
      taints:
      - {key: spot, value: "true", effect: NoSchedule}
      - {key: spot-interruption, effect: PreferNoSchedule}
      instanceTypes: [m6i.xlarge, m5.xlarge]
      size: {min: 0, max: 50, desired: 2}
  gateway:
    name: bench-gateway
    namespace: istio-ingress
    nodePool: system
    replicas: 2
    maxReplicas: 6
    http: {port: 80, redirectToHTTPS: true}
    https: {port: 443, certificateSecret: istio-gateway-tls}
    loadBalancer:
      scheme: internal
      privateIPs:
      - {subnet: bench-private-a, address: 10.0.32.10}
      - {subnet: bench-private-b, address: 10.0.48.10}
  health:
    path: /healthz
    namespace: gateway-health
    nodePool: general
  apps:
`)
	teams := (n + appsPerNamespace - 1) / appsPerNamespace
	for i := 0; i < n; i++ {
		app, ns := benchApp(i), benchTeam(i/appsPerNamespace)
		fmt.Fprintf(&b, `  - name: %[1]s
    namespace: %[2]s
    nodePool: %[3]s
    image: registry.example.com/%[2]s/%[1]s:1.%[4]d.0
    port: 8080
    replicas: %[5]d
    env:
    - {name: APP_NAME, value: %[1]s}
    - {name: LOG_LEVEL, value: info}
    resources:
      requests: {cpu: 50m, memory: 64Mi}
      limits: {cpu: 500m, memory: 256Mi}
    probe: {path: /ready}
    files:
    - path: /etc/app/config.yaml
      content: |
        name: %[1]s
        team: %[2]s
        listen: ":8080"
`, app, ns, appPools[i%len(appPools)], i%7, 2+i%2)
	}
	b.WriteString("  routes:\n")
	for i := 0; i < n; i++ {
		app, ns := benchApp(i), benchTeam(i/appsPerNamespace)
		for j, suffix := range []string{"web", "api"} {
			fmt.Fprintf(&b, "  - {name: %s-%s, path: /%s/%s/%s, app: %s", app, suffix, ns, app, suffix, app)
			if j == 0 {
				b.WriteString(", rewrite: /")
			}
			if (2*i+j)%3 == 1 { // a third of the routes: HTTPRoute outside the backend's namespace
				other := "istio-ingress" // owned by the platform team, as in blueprints/eks
				if teams > 1 {
					other = benchTeam((i/appsPerNamespace + 1) % teams)
				}
				fmt.Fprintf(&b, ", namespace: %s", other)
			}
			b.WriteString("}\n")
		}
	}
	return b.Bytes()
}

func benchApp(i int) string  { return fmt.Sprintf("app-%05d", i) }
func benchTeam(t int) string { return fmt.Sprintf("team-%03d", t) }

// runPipeline is what `krm-gen render` does before writing: bytes to file contents.
func runPipeline(tb testing.TB, spec []byte) map[string][]byte {
	res := pipeline.Load(spec, "bench.yaml")
	if res.Platform == nil {
		tb.Fatalf("generated spec invalid:\n%s", res.Diagnostics)
	}
	outputs, err := pipeline.Render(res.Platform)
	if err != nil {
		tb.Fatal(err)
	}
	files, err := pipeline.Files(outputs)
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

// BenchmarkPipeline: decode + default + validate + render + serialize, in process.
func BenchmarkPipeline(b *testing.B) {
	for _, n := range benchSizes {
		spec := benchSpec(n)
		b.Run(fmt.Sprintf("apps=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(spec)))
			var files map[string][]byte
			for b.Loop() {
				files = runPipeline(b, spec)
			}
			b.ReportMetric(float64(len(files)), "files")
		})
	}
}

// BenchmarkRenderCommand is what `krm-gen render` does in process, re-rendering an
// unchanged spec into its output folder (the pre-commit case): pipeline + writer.Write.
func BenchmarkRenderCommand(b *testing.B) {
	for _, n := range benchSizes {
		spec := benchSpec(n)
		b.Run(fmt.Sprintf("apps=%d", n), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "out")
			if _, err := writer.Write(dir, runPipeline(b, spec), writer.Options{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := writer.Write(dir, runPipeline(b, spec), writer.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStages splits the pipeline so the dominant stage is visible without a profile.
func BenchmarkStages(b *testing.B) {
	for _, n := range []int{1000} {
		spec := benchSpec(n)
		b.Run(fmt.Sprintf("load/apps=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if pipeline.Load(spec, "bench.yaml").Platform == nil {
					b.Fatal("invalid")
				}
			}
		})
		res := pipeline.Load(spec, "bench.yaml")
		b.Run(fmt.Sprintf("render/apps=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pipeline.Render(res.Platform); err != nil {
					b.Fatal(err)
				}
			}
		})
		outputs, err := pipeline.Render(res.Platform)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("files/apps=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pipeline.Files(outputs); err != nil {
					b.Fatal(err)
				}
			}
		})
		files, err := pipeline.Files(outputs)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("write/apps=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			dir := filepath.Join(b.TempDir(), "out")
			for b.Loop() {
				if _, err := writer.Write(dir, files, writer.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestBenchSpecValid keeps the benchmark input honest: the generated 1,000-app spec
// must load without any diagnostic and render what it claims to exercise.
func TestBenchSpecValid(t *testing.T) {
	const n = 1000
	spec := benchSpec(n)
	res := pipeline.Load(spec, "bench.yaml")
	if res.Platform == nil || len(res.Diagnostics) > 0 {
		t.Fatalf("generated %d-app spec: %d diagnostics:\n%s", n, len(res.Diagnostics), res.Diagnostics)
	}
	if got := len(res.Platform.Spec.Apps); got != n {
		t.Fatalf("apps = %d, want %d", got, n)
	}
	outputs, err := pipeline.Render(res.Platform)
	if err != nil {
		t.Fatal(err)
	}
	var routes, cross, grants, tolerated int
	for _, o := range outputs {
		for _, r := range o.Tree.Resources {
			switch obj := r.Object.(type) {
			case *gwv1.HTTPRoute:
				if obj.Name == "https-redirect" || obj.Namespace == res.Platform.Spec.Health.Namespace {
					continue
				}
				routes++
				for _, rule := range obj.Spec.Rules {
					for _, br := range rule.BackendRefs {
						if br.Namespace != nil && string(*br.Namespace) != obj.Namespace {
							cross++
						}
					}
				}
			case *gwv1.ReferenceGrant:
				grants++
			case *appsv1.Deployment:
				if strings.HasPrefix(obj.Name, "app-") && len(obj.Spec.Template.Spec.Tolerations) > 0 {
					tolerated++
				}
			}
		}
	}
	if routes != 2*n {
		t.Errorf("app HTTPRoutes = %d, want %d", routes, 2*n)
	}
	if want := 2 * n / 3; cross < want-1 || cross > want+1 {
		t.Errorf("cross-namespace HTTPRoutes = %d, want about a third (%d)", cross, want)
	}
	if grants == 0 {
		t.Error("no ReferenceGrant rendered for the cross-namespace routes")
	}
	if want := n * 3 / 4; tolerated < want-1 {
		t.Errorf("app Deployments with tolerations = %d, want at least %d (three of four pools are tainted)", tolerated, want)
	}
	files, err := pipeline.Files(outputs)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4*n {
		t.Errorf("rendered %d files, want at least %d", len(files), 4*n)
	}
}

// TestWriteBenchSpecs writes the generated specs (bench-N.yaml) into
// $KRM_GEN_BENCH_SPEC_DIR for hack/bench.sh; without the variable it does nothing.
func TestWriteBenchSpecs(t *testing.T) {
	dir := os.Getenv("KRM_GEN_BENCH_SPEC_DIR")
	if dir == "" {
		t.Skip("KRM_GEN_BENCH_SPEC_DIR not set")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range benchSizes {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("bench-%d.yaml", n)), benchSpec(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The tests below guard the faster serializer in pkg/manifest (written for these
// benchmarks): its nodes and bytes must stay identical to what encoding/json tokens
// and yaml.v3 gave before.

// referenceNodes is the former manifest.Encode: encoding/json tokens to YAML nodes.
func referenceNodes(t *testing.T, obj any) *yaml.Node {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var value func() *yaml.Node
	value = func() *yaml.Node {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		switch tv := tok.(type) {
		case json.Delim:
			if tv == '{' {
				m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				for dec.More() {
					kt, _ := dec.Token()
					key := kt.(string)
					v := value()
					if v == nil || (v.Kind == yaml.MappingNode && len(v.Content) == 0 && key != "emptyDir" && key != "selfSigned") {
						continue
					}
					m.Content = append(m.Content, refStr(key), v)
				}
				dec.Token()
				return m
			}
			s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for dec.More() {
				v := value()
				if v == nil {
					v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				}
				s.Content = append(s.Content, v)
			}
			dec.Token()
			if len(s.Content) == 0 {
				return nil
			}
			return s
		case string:
			return refStr(tv)
		case json.Number:
			tag := "!!int"
			if strings.ContainsAny(tv.String(), ".eE") {
				tag = "!!float"
			}
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: tv.String()}
		case bool:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(tv)}
		}
		return nil
	}
	n := value()
	for _, key := range []string{"kind", "apiVersion"} {
		for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				k, v := n.Content[i], n.Content[i+1]
				n.Content = append([]*yaml.Node{k, v}, append(n.Content[:i:i], n.Content[i+2:]...)...)
				break
			}
		}
	}
	return n
}

func refStr(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	trailing := false
	for _, line := range strings.Split(s, "\n") {
		trailing = trailing || strings.HasSuffix(line, " ")
	}
	if strings.Contains(s, "\n") && !strings.ContainsAny(s, "\t\r") && !trailing {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// referenceYAML is the former manifest.Write, one yaml.v3 encoder per document, plus
// its YAML 1.1-safe quoting: plain strings YAML 1.1 reads as bools or base-60 numbers
// ("on", "y", "NO", "1:20") are double-quoted, as yaml.v3 does for Go strings.
func referenceYAML(t *testing.T, nodes ...*yaml.Node) string {
	t.Helper()
	var buf bytes.Buffer
	for i, n := range nodes {
		if i > 0 {
			buf.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&buf)
		if err := enc.Encode(quoteYAML11(n)); err != nil {
			t.Fatal(err)
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

// quoteYAML11 copies n, double-quoting plain strings that YAML 1.1 would not read as
// strings (the test of yaml.v3's stringv: isOldBool, isBase60Float).
func quoteYAML11(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, child := range n.Content {
		c.Content[i] = quoteYAML11(child)
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Style == 0 {
		switch n.Value {
		case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF":
			c.Style = yaml.DoubleQuotedStyle
		}
		if base60.MatchString(n.Value) {
			c.Style = yaml.DoubleQuotedStyle
		}
	}
	return &c
}

var base60 = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)

// checkSerializer compares manifest.Encode and manifest.Write with the references.
func checkSerializer(t *testing.T, name string, objs ...any) {
	t.Helper()
	nodes := make([]*yaml.Node, len(objs))
	for i, obj := range objs {
		n, err := manifest.Encode(obj)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ref := referenceNodes(t, obj); !reflect.DeepEqual(n, ref) {
			t.Fatalf("%s: manifest.Encode differs from the encoding/json token walk", name)
		}
		nodes[i] = n
	}
	var buf bytes.Buffer
	if err := manifest.Write(&buf, nodes...); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if got, want := buf.String(), referenceYAML(t, nodes...); got != want {
		t.Fatalf("%s: manifest.Write differs from yaml.v3:\n%s", name, udiff.Unified("yaml.v3", "manifest.Write", want, got))
	}
}

// TestSerializerMatchesReference: every object of the eks blueprint and of the
// generated 100-app spec, serialized both ways.
func TestSerializerMatchesReference(t *testing.T) {
	specs := map[string][]byte{"bench-100": benchSpec(100)}
	golden, _ := filepath.Glob("../../testdata/golden/*/platform.yaml")
	for _, f := range append(golden, "../../blueprints/eks/platform.yaml") {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		specs[f] = data
	}
	for name, data := range specs {
		res := pipeline.Load(data, name)
		if res.Platform == nil {
			t.Fatalf("%s: %s", name, res.Diagnostics)
		}
		outputs, err := pipeline.Render(res.Platform)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outputs {
			byPath := map[string][]any{}
			for _, r := range o.Tree.Resources {
				byPath[r.Path] = append(byPath[r.Path], r.Object)
			}
			for p, objs := range byPath {
				checkSerializer(t, name+": "+p, objs...)
			}
		}
	}
}

// TestSerializerMatchesReferenceRandom: random objects with strings built from
// the characters YAML treats specially (quoting, block scalars, tags, non-ASCII).
func TestSerializerMatchesReferenceRandom(t *testing.T) {
	pieces := []string{"a", "Z", "x", "e", "o", "y", "0", "1", "9", "12", "-", "+", ".", ":", ": ", "#", " #", " ", "  ",
		"'", "\"", "\\", "\n", "\n\n", "{", "}", "[", "]", ",", "&", "*", "!", "|", ">", "%", "@", "`", "?", "~", "_",
		"/", "=", "<<", "---", "...", "true", "null", "No", "0x1F", "0o17", "0b101", "1e3", ".5", ".inf", "-.inf",
		"2024-01-02", "2024-1-2 10:11:12", "on", "OFF", "1:20", "-1:30.5", "é:1", "\t", "\r", "é", "\u00a0", "\u2028", "\x7f", "<", ">", "&amp;"}
	rng := rand.New(rand.NewPCG(8, 2026))
	randString := func() string {
		var b strings.Builder
		for range rng.IntN(7) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	var randValue func(depth int) any
	randValue = func(depth int) any {
		switch k := rng.IntN(12); {
		case k < 4:
			return randString()
		case k == 4:
			return rng.IntN(2000) - 1000
		case k == 5:
			return []float64{0.5, 1e21, 1e-7, -2.25, 3}[rng.IntN(5)]
		case k == 6:
			return rng.IntN(2) == 0
		case k == 7:
			return nil
		case k < 10 && depth < 4:
			m := map[string]any{}
			for range rng.IntN(4) {
				key := randString()
				if rng.IntN(4) == 0 {
					key = []string{"emptyDir", "selfSigned", "kind", "apiVersion"}[rng.IntN(4)]
				}
				m[key] = randValue(depth + 1)
			}
			return m
		case depth < 4:
			s := make([]any, rng.IntN(4))
			for i := range s {
				s[i] = randValue(depth + 1)
			}
			return s
		}
		return randString()
	}
	for _, s := range []string{"a \"b\"\n", "x\\y \nz", "12 \"q\"", "a\nb ", " a\nb", "\na", "a\n\n", "\n", "- a", "-a",
		"? x", "a: b", "a:b", "#a", "a #b", "'q'", "---x", "...", "", " ", "x ", "2024-01-02", "0x1F", "1_000", "-.5",
		"1.", "0o17", "-0b11", "~", "<<", "NULL", "nULL", strings.Repeat("k", 129)} {
		checkSerializer(t, fmt.Sprintf("%q", s), map[string]any{"kind": "K", "v": s, s: []any{s,
			map[string]any{s: s, "z": []any{s}}, []any{s, []any{s}}}, "l": map[string]any{"m": []any{map[string]any{"x": s}}}})
	}
	for i := range 3000 {
		objs := make([]any, 1+rng.IntN(3))
		for j := range objs {
			m := map[string]any{"kind": "Thing"}
			for range 1 + rng.IntN(5) {
				m[randString()] = randValue(0)
			}
			objs[j] = m
		}
		checkSerializer(t, fmt.Sprintf("random case %d", i), objs...)
	}
}
