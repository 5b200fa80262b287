package schema

import (
	"strconv"
	"strings"
	"testing"
)

func TestDecodeReportsEveryProblemWithLines(t *testing.T) {
	spec := `apiVersion: krm-gen.dev/v1alpha1
kind: Platform
metadata: {name: x}
spec:
  gatway: {}
  apps:
  - name: a
    port: "80"
    replicas: two
  routes: {}
`
	_, _, diags := Decode([]byte(spec), "p.yaml")
	want := []string{
		`p.yaml:5: spec.gatway: unknown field (did you mean "gateway"?)`,
		`p.yaml:8: spec.apps[0].port: must be an integer (got "80")`,
		`p.yaml:9: spec.apps[0].replicas: must be an integer (got "two")`,
		`p.yaml:10: spec.routes: must be a list (got an object)`,
	}
	if got := diags.Error(); got != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestDecodeBoundsAliasExpansion(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: krm-gen.dev/v1alpha1\nkind: Platform\nmetadata: {name: x}\nspec:\n  nodePools:\n    a: &a0 {labels: {k: v}}\n")
	// Each level doubles the expanded size: 2^25 nodes if walked naively.
	b.WriteString("  x0: &x0 [*a0, *a0]\n")
	for i := 1; i < 25; i++ {
		b.WriteString("  x" + strconv.Itoa(i) + ": &x" + strconv.Itoa(i) + " [*x" + strconv.Itoa(i-1) + ", *x" + strconv.Itoa(i-1) + "]\n")
	}
	_, _, diags := Decode([]byte(b.String()), "bomb.yaml")
	if !diags.HasErrors() {
		t.Fatal("want errors")
	}
}

func TestRouteNameFromPath(t *testing.T) {
	for in, want := range map[string]string{
		"/":                           "root",
		"/app1":                       "app1",
		"/api/users":                  "api-users",
		"/API/v2/":                    "api-v2",
		"/2fa":                        "r-2fa",
		"/a__b..c":                    "a-b-c",
		"/" + strings.Repeat("x", 80): strings.Repeat("x", 50),
	} {
		if got := RouteNameFromPath(in); got != want {
			t.Errorf("RouteNameFromPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHTTPPath(t *testing.T) {
	for in, ok := range map[string]bool{
		"/": true, "/app1": true, "/api/v1/users": true, "/a-b_c~d": true,
		"app1": false, "": false, "//x": false, "/a/./b": false, "/a/../b": false, "/a/..": false,
		"/a%2fb": false, "/a%2Fb": false, "/a#b": false, "/a b": false, "/" + strings.Repeat("a", 1024): false,
	} {
		if got := HTTPPath(in) == ""; got != ok {
			t.Errorf("HTTPPath(%q) valid = %v, want %v (%s)", in, got, ok, HTTPPath(in))
		}
	}
}
