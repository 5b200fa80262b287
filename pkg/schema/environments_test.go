package schema_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

const envBase = `apiVersion: krm-gen.dev/v1alpha1
kind: Platform
metadata: {name: p}
spec:
  git: {repoURL: https://github.com/acme/p.git, path: out/p}
  gateway: {https: {}}
  apps:
  - {name: a, namespace: a, image: nginx:1, port: 8080, env: [{name: X, value: "1"}]}
  - {name: b, namespace: b, image: nginx:1, port: 8080}
  - {name: c, namespace: c, image: nginx:1, port: 8080, versions: [{name: v1, replicas: 3}, {name: v2}]}
  routes:
  - {path: /a, app: a}
  - {path: /b, app: b}
  - {name: split, path: /s, backends: [{app: b}, {app: c}]}
  environments:
    e:
`

func TestEnvironmentPatches(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		apps    string // names of the environment's apps
		routes  string // names of its routes
		check   func(*schema.Platform) string
		origins map[string]string // merged-spec field -> where it comes from ("" = not an override)
	}{
		{
			name: "objects merge, lists and scalars replace",
			env:  `apps: {a: {replicas: 3, env: [{name: Y, value: "2"}]}}`,
			apps: "a b c", routes: "a b split",
			check: func(p *schema.Platform) string {
				a := p.Spec.Apps[0]
				if a.Replicas != 3 || len(a.Env) != 1 || a.Env[0].Name != "Y" || a.Image != "nginx:1" {
					return "app a not patched as a merge patch"
				}
				return ""
			},
			origins: map[string]string{
				"spec.apps[0].replicas":     "spec.environments[e].apps[a].replicas",
				"spec.apps[0].env[0].value": "spec.environments[e].apps[a].env[0].value",
				"spec.apps[0].image":        "",
			},
		},
		{
			name: "null drops an app and the routes that reach only it",
			env:  `apps: {b: null, c: {replicas: 2}}`,
			apps: "a c", routes: "a split",
			origins: map[string]string{
				// c moved from index 2 to 1: its own fields map to the base, the patched one to the patch
				"spec.apps[1].image":    "spec.apps[2].image",
				"spec.apps[1].replicas": "spec.environments[e].apps[c].replicas",
				"spec.routes[1].path":   "spec.routes[2].path",
			},
		},
		{
			name: "a route's long form replaces its short forms",
			env:  `routes: {a: {backends: [{app: a, weight: 9}, {app: c, weight: 1}], matches: [{path: /x}]}}`,
			apps: "a b c", routes: "x b split",
			check: func(p *schema.Platform) string {
				if r := p.Spec.Routes[0]; r.App != "" || r.Path != "" || len(r.Backends) != 2 {
					return "route a keeps its short forms"
				}
				return ""
			},
		},
		{
			name: "shorthands apply first, patches win",
			env:  `{appReplicas: 2, apps: {a: {replicas: 5}}, gateway: {replicas: 4}}`,
			apps: "a b c", routes: "a b split",
			check: func(p *schema.Platform) string {
				if p.Spec.Apps[0].Replicas != 5 || p.Spec.Apps[1].Replicas != 2 || p.Spec.Gateway.Replicas != 4 {
					return "replicas not as patched"
				}
				// Every Deployment of app c: the version with replicas of its own too.
				if vs := p.Spec.Apps[2].Versions; p.Spec.Apps[2].Replicas != 2 || vs[0].EffectiveReplicas(2) != 2 || vs[1].Replicas != nil {
					return "appReplicas does not reach every version of app c"
				}
				return ""
			},
			origins: map[string]string{
				"spec.apps[1].replicas":             "spec.environments[e].appReplicas",
				"spec.apps[2].versions[0].replicas": "spec.environments[e].appReplicas",
				"spec.gateway.replicas":             "spec.environments[e].gateway.replicas",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := envBase + "      " + strings.ReplaceAll(tc.env, "\n", "\n      ") + "\n"
			if strings.HasPrefix(tc.env, "{") {
				src = envBase[:len(envBase)-1] + " " + tc.env + "\n"
			}
			p, _, diags := schema.Decode([]byte(src), "spec.yaml")
			if diags.HasErrors() || p == nil {
				t.Fatalf("decode: %v", diags)
			}
			m, origins, errs := p.Environment("e")
			if len(errs) > 0 {
				t.Fatalf("Environment: %v", errs)
			}
			var apps, routes []string
			for _, a := range m.Spec.Apps {
				apps = append(apps, a.Name)
			}
			for _, r := range m.Spec.Routes {
				n := r.Name
				if n == "" {
					n = schema.RouteName(r)
				}
				routes = append(routes, n)
			}
			if g := strings.Join(apps, " "); g != tc.apps {
				t.Errorf("apps %q, want %q", g, tc.apps)
			}
			if g := strings.Join(routes, " "); g != tc.routes {
				t.Errorf("routes %q, want %q", g, tc.routes)
			}
			if tc.check != nil {
				if msg := tc.check(m); msg != "" {
					t.Error(msg)
				}
			}
			for f, want := range tc.origins {
				got, override := origins.Map(f)
				if want == "" {
					if override {
						t.Errorf("%s: from %s, want the base", f, got)
					}
					continue
				}
				if got != want {
					t.Errorf("%s: from %s, want %s", f, got, want)
				}
			}
		})
	}
}

func TestMergePatch(t *testing.T) {
	got := schema.MergePatch(
		map[string]any{"a": "b", "c": map[string]any{"d": "e", "f": "g"}, "l": []any{1.0, 2.0}},
		map[string]any{"a": "z", "c": map[string]any{"f": nil}, "l": []any{3.0}},
	)
	want := map[string]any{"a": "z", "c": map[string]any{"d": "e"}, "l": []any{3.0}}
	if g, w := toString(got), toString(want); g != w {
		t.Errorf("MergePatch = %s, want %s (RFC 7386)", g, w)
	}
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
