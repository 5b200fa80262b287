package importer_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/importer"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// renderTo renders spec into dir as `krm-gen render` does.
func renderTo(t *testing.T, dir, spec string) {
	t.Helper()
	res := pipeline.Load([]byte(spec), "platform.yaml")
	if !res.Valid() {
		t.Fatalf("invalid spec: %v", res.Diagnostics)
	}
	outs, err := pipeline.Render(res.Trees)
	if err != nil {
		t.Fatal(err)
	}
	files, err := pipeline.Files(outs)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const envsBase = `apiVersion: krm-gen.dev/v1alpha1
kind: Platform
metadata: {name: mini}
spec:
  git: {repoURL: https://github.com/acme/mini.git, path: out/mini}
  nodePools:
    system:
      labels: {role: system}
      taints: [{key: CriticalAddonsOnly, value: "true", effect: NoSchedule}]
  gateway: {nodePool: system, https: {}}
  apps:
  - {name: hello, namespace: hello, image: "nginxinc/nginx-unprivileged:1.27-alpine", port: 8080}
  - {name: canary, namespace: hello, image: "nginxinc/nginx-unprivileged:1.28-alpine", port: 8080}
  - {name: api, namespace: api, image: "ghcr.io/acme/api:2.0.0", port: 8080}
  routes:
  - {path: /, app: hello}
  - {path: /api, app: api}
`

// TestImportEnvironmentPatches: trees that differ in apps (one only in dev, one
// dropped in prod), a route's backends and a top-level part import into one spec
// whose base holds what most environments share and whose environments patch the
// rest; it renders every tree byte for byte.
func TestImportEnvironmentPatches(t *testing.T) {
	spec := envsBase + `  environments:
    dev:
      server: https://dev.example.com
      apps:
        hello: {image: "nginxinc/nginx-unprivileged:1.28-alpine", replicas: 2}
      routes:
        root: {backends: [{app: hello, weight: 90}, {app: canary, weight: 10}]}
    staging:
      server: https://staging.example.com
      apps: {canary: null}
    prod:
      server: https://prod.example.com
      apps: {canary: null, api: null}
      security: {mtls: PERMISSIVE}
`
	res, out := roundTrip(t, spec)
	envs := res.Platform.Spec.Environments
	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", what, got, want)
		}
	}
	images := map[string]string{}
	for _, a := range res.Platform.Spec.Apps {
		images[a.Name] = a.Image
	}
	check("base apps", images, map[string]string{"hello": "nginxinc/nginx-unprivileged:1.27-alpine",
		"canary": "nginxinc/nginx-unprivileged:1.28-alpine", "api": "ghcr.io/acme/api:2.0.0"})
	routes := map[string]string{}
	for _, r := range res.Platform.Spec.Routes {
		routes[r.Path] = r.App
	}
	check("base routes", routes, map[string]string{"/": "hello", "/api": "api"})
	check("dev apps", envs["dev"].Apps, map[string]schema.Patch{"hello": {Value: map[string]any{"image": "nginxinc/nginx-unprivileged:1.28-alpine", "replicas": 2.0}}})
	check("dev routes", envs["dev"].Routes, map[string]schema.Patch{"root": {Value: map[string]any{"app": nil, "backends": []any{
		map[string]any{"app": "hello", "weight": 90.0}, map[string]any{"app": "canary", "weight": 10.0}}}}})
	check("staging apps", envs["staging"].Apps, map[string]schema.Patch{"canary": {}})
	check("prod apps", envs["prod"].Apps, map[string]schema.Patch{"api": {}, "canary": {}})
	check("prod routes (the /api route goes with its app)", envs["prod"].Routes, map[string]schema.Patch(nil))
	check("prod security", envs["prod"].Security, &schema.Patch{Value: map[string]any{"mtls": "PERMISSIVE"}})
	check("dev security", envs["dev"].Security, (*schema.Patch)(nil))
	for _, want := range []string{"      apps:\n        api: null\n        canary: null\n", "      routes:\n        root:\n          app: null\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the spec lacks\n%s", want)
		}
	}
	if t.Failed() {
		t.Logf("spec:\n%s", out)
	}
}

// roundTrip renders spec, imports the rendered folder and checks that the imported
// spec renders it back byte for byte, without losses.
func roundTrip(t *testing.T, spec string) (*importer.Result, []byte) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mini")
	renderTo(t, dir, spec)
	objs, probs := importer.ReadPaths([]string{dir}, nil)
	if len(probs) > 0 {
		t.Fatalf("reading: %v", probs)
	}
	res := importer.Import(objs, importer.Options{})
	if len(res.Problems) > 0 {
		t.Fatalf("import: %v", res.Problems)
	}
	out, err := res.SpecYAML([]string{"mini"})
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := importer.RenderSpec(out, "platform.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	res.Compare(objs, rendered)
	for _, l := range res.Losses {
		t.Errorf("loss on a krm-gen tree: %s", l)
	}
	sameFiles(t, dir, out)
	if t.Failed() {
		t.Logf("spec:\n%s", out)
	}
	return res, out
}

// TestImportEnvironmentHTTPS: the environment whose gateway has an HTTPS listener
// the base lacks (the first environment's, on a tie) patches the gateway instead of
// setting certificateSecret, which would not apply.
func TestImportEnvironmentHTTPS(t *testing.T) {
	// On AKS (an HTTP-only gateway is valid there; on eks the ALB needs HTTPS).
	spec := strings.Replace(strings.Replace(envsBase, "https: {}}", "http: {}, https: {}}", 1), "spec:\n", "spec:\n  provider: aks\n", 1) + `  environments:
    dev:
      server: https://dev.example.com
      gateway: {https: null}
    prod:
      server: https://prod.example.com
`
	res, _ := roundTrip(t, spec)
	envs := res.Platform.Spec.Environments
	if res.Platform.Spec.Gateway.HTTPS != nil || envs["prod"].CertificateSecret != "" || envs["prod"].Gateway == nil {
		t.Errorf("base gateway %+v, prod %+v: want dev's gateway as the base and prod patching it", res.Platform.Spec.Gateway, envs["prod"])
	}
}

// TestImportEnvironmentsRefused: trees that differ in what no environment overrides
// (here spec.cluster) are refused, naming the environment and the field.
func TestImportEnvironmentsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mini")
	for env, extra := range map[string]string{"dev": "", "prod": "  cluster: {logRetentionDays: 30}\n"} {
		spec := strings.Replace(envsBase, "name: mini}", "name: mini-"+env+"}", 1)
		spec = strings.Replace(spec, "path: out/mini}", "path: out/mini/"+env+"}", 1)
		renderTo(t, filepath.Join(dir, env), spec+extra)
	}
	objs, probs := importer.ReadPaths([]string{dir}, nil)
	if len(probs) > 0 {
		t.Fatalf("reading: %v", probs)
	}
	res := importer.Import(objs, importer.Options{})
	want := "environment prod differs from the others in spec.cluster.logRetentionDays, which environments cannot override: import each tree separately"
	if len(res.Problems) != 1 || res.Problems[0].Message != want {
		t.Fatalf("problems %v, want %q", res.Problems, want)
	}
}
