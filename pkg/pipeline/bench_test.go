package pipeline_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/krm-gen/krm-gen/pkg/argocd"
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

// benchSizes are the app counts benchmarked in process.
var benchSizes = []int{1, 100, 1000, 5000}

// benchSpecSizes are the app counts TestWriteBenchSpecs writes by default for
// hack/bench.sh ($KRM_GEN_BENCH_SIZES overrides).
var benchSpecSizes = []int{100, 1000, 5000, 10000}

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
		app, ns, pool := benchApp(i), benchTeam(i/appsPerNamespace), appPools[i%len(appPools)]
		switch benchSource(i) {
		case "helm":
			fmt.Fprintf(&b, `  - name: %[1]s
    namespace: %[2]s
    nodePool: %[3]s
    helm:
      repoURL: https://stefanprodan.github.io/podinfo
      chart: podinfo
      version: 6.9.%[4]d
      values: {replicaCount: 2, ui: {message: %[1]s}}
    service: {name: %[1]s-podinfo, port: 9898}
    podSelector: {app.kubernetes.io/name: %[1]s-podinfo}
`, app, ns, pool, i%3)
		case "git":
			fmt.Fprintf(&b, `  - name: %[1]s
    namespace: %[2]s
    nodePool: %[3]s
    git:
      repoURL: https://github.com/acme/%[1]s.git
      revision: v1.%[4]d.0
      path: deploy
      kustomize: true
    service: {name: %[1]s, port: 8080}
`, app, ns, pool, i%7)
		default:
			fmt.Fprintf(&b, `  - name: %[1]s
    namespace: %[2]s
    nodePool: %[3]s
    image: registry.example.com/%[2]s/%[1]s:1.%[4]d.0@sha256:%[6]x
    runAsUser: 10001
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
`, app, ns, pool, i%7, 2+i%2, sha256.Sum256([]byte(app)))
		}
	}
	b.WriteString("  routes:\n")
	for i := 0; i < n; i++ {
		app, ns := benchApp(i), benchTeam(i/appsPerNamespace)
		for j, suffix := range []string{"web", "api"} {
			path := fmt.Sprintf("/%s/%s/%s", ns, app, suffix)
			switch {
			case j == 0 && i%5 == 0 && i+1 < n && (i+1)/appsPerNamespace == i/appsPerNamespace:
				// a canary: a tenth of the requests to the next app of the team
				fmt.Fprintf(&b, "  - {name: %s-%s, matches: [{path: %s}], backends: [{app: %s, weight: 90}, {app: %s, weight: 10}], timeout: 10s, rewrite: /",
					app, suffix, path, app, benchApp(i+1))
			case j == 1 && i%5 == 1:
				// header routing with a request header edit
				fmt.Fprintf(&b, "  - {name: %s-%s, matches: [{path: %s, headers: {x-tenant: %s}}], app: %s, requestHeaders: {set: {x-team: %s}}",
					app, suffix, path, ns, app, ns)
			default:
				fmt.Fprintf(&b, "  - {name: %s-%s, path: %s, app: %s", app, suffix, path, app)
				if j == 0 {
					b.WriteString(", rewrite: /")
				}
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

// benchSource is where app i's pods come from: a tenth each from a Helm chart and a
// git folder, the rest inline.
func benchSource(i int) string {
	switch i % 10 {
	case 9:
		return "helm"
	case 8:
		return "git"
	}
	return "inline"
}

func benchApp(i int) string  { return fmt.Sprintf("app-%05d", i) }
func benchTeam(t int) string { return fmt.Sprintf("team-%03d", t) }

// runPipeline is what `krm-gen render` does before writing: bytes to file contents.
func runPipeline(tb testing.TB, spec []byte) map[string][]byte {
	_, files := renderSpec(tb, spec, "bench.yaml")
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
				if !pipeline.Load(spec, "bench.yaml").Valid() {
					b.Fatal("invalid")
				}
			}
		})
		res := pipeline.Load(spec, "bench.yaml")
		b.Run(fmt.Sprintf("render/apps=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pipeline.Render(res.Trees); err != nil {
					b.Fatal(err)
				}
			}
		})
		outputs, err := pipeline.Render(res.Trees)
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
		// Writing into a new folder creates every file and folder; re-writing the same
		// files into the folder finds them unchanged and leaves them (see pkg/writer).
		b.Run(fmt.Sprintf("write-fresh/apps=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			root, i := b.TempDir(), 0
			for b.Loop() {
				i++
				if _, err := writer.Write(filepath.Join(root, fmt.Sprint(i)), files, writer.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("write-unchanged/apps=%d", n), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "out")
			if _, err := writer.Write(dir, files, writer.Options{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
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
	if !res.Valid() || len(res.Diagnostics) > 0 {
		t.Fatalf("generated %d-app spec: %d diagnostics:\n%s", n, len(res.Diagnostics), res.Diagnostics)
	}
	if got := len(res.Spec.Spec.Apps); got != n {
		t.Fatalf("apps = %d, want %d", got, n)
	}
	outputs, err := pipeline.Render(res.Trees)
	if err != nil {
		t.Fatal(err)
	}
	var routes, cross, grants, tolerated, weighted, headers, charts, folders int
	for _, o := range outputs {
		for _, r := range o.Tree.Resources {
			switch obj := r.Object.(type) {
			case *gwv1.HTTPRoute:
				if obj.Name == "https-redirect" || obj.Namespace == res.Trees[0].Model.Health.Namespace {
					continue
				}
				routes++
				isCross := false
				for _, rule := range obj.Spec.Rules {
					if len(rule.BackendRefs) > 1 {
						weighted++
					}
					for _, m := range rule.Matches {
						if len(m.Headers) > 0 {
							headers++
						}
					}
					for _, br := range rule.BackendRefs {
						if br.Namespace != nil && string(*br.Namespace) != obj.Namespace {
							isCross = true
						}
					}
				}
				if isCross {
					cross++
				}
			case *gwv1.ReferenceGrant:
				grants++
			case *argocd.Application:
				if src := obj.Spec.Source; !strings.Contains(obj.Name, "app-") || src == nil {
					break
				} else if src.Chart != "" {
					charts++
				} else if src.Kustomize != nil {
					folders++
				}
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
	if want := n / 10; charts != want || folders != want {
		t.Errorf("Applications of charts = %d, of git folders = %d, want %d each", charts, folders, want)
	}
	if weighted < n/6 || headers < n/6 {
		t.Errorf("weighted rules = %d, header matches = %d, want about a fifth of the apps each", weighted, headers)
	}
	if want := n * 8 / 10 * 3 / 4; tolerated < want-1 {
		t.Errorf("app Deployments with tolerations = %d, want at least %d (three of four pools are tainted)", tolerated, want)
	}
	files, err := pipeline.Files(outputs)
	if err != nil {
		t.Fatal(err)
	}
	// A workload file per app, the rest per namespace: fewer files keep fresh
	// renders off the file system's slow path (BENCHMARKS.md).
	if inline := n * 8 / 10; len(files) < inline || len(files) >= 2*n {
		t.Errorf("rendered %d files, want one per inline app (%d) plus a few per namespace", len(files), inline)
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
	sizes := benchSpecSizes
	if v := os.Getenv("KRM_GEN_BENCH_SIZES"); v != "" {
		sizes = nil
		for _, f := range strings.Fields(v) {
			n, err := strconv.Atoi(f)
			if err != nil || n < 1 {
				t.Fatalf("KRM_GEN_BENCH_SIZES: %q is not an app count", f)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("bench-%d.yaml", n)), benchSpec(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
