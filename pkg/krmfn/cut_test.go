package krmfn

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// bigSpec is a spec of n apps and their routes, big enough for its lists to be cut;
// bad makes one app's port a string (an error).
func bigSpec(n int, bad bool) string {
	var b bytes.Buffer
	b.WriteString("apiVersion: krm-gen.dev/v1alpha1\nkind: Platform\nmetadata:\n  name: many\nspec:\n" +
		"  git:\n    repoURL: https://github.com/acme/many.git\n    path: out/many\n" +
		"  nodePools:\n    system:\n      labels: {role: system}\n" +
		"  gateway:\n    nodePool: system\n    https: {}\n  apps:\n")
	for i := range n {
		port := "8080"
		if bad && i == n/2 {
			port = `"x"`
		}
		fmt.Fprintf(&b, "  - name: app-%04d\n    namespace: team-%d\n    image: nginxinc/nginx-unprivileged:1.27-alpine\n    port: %s\n", i, i/10, port)
	}
	b.WriteString("  routes:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {path: /app-%04d, app: app-%04d}\n", i, i)
	}
	return b.String()
}

// resourceList is the ResourceList kustomize sends for spec (as its item, after
// items before it, and as the functionConfig), as kyaml writes it.
func resourceList(t *testing.T, spec string, before []string, withItem bool) []byte {
	t.Helper()
	fc, err := yaml.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	var items []*yaml.RNode
	for _, o := range before {
		items = append(items, yaml.MustParse(o))
	}
	if withItem {
		item := fc.Copy()
		if err := item.PipeE(yaml.SetAnnotation("config.kubernetes.io/index", fmt.Sprint(len(items)))); err != nil {
			t.Fatal(err)
		}
		items = append(items, item)
	}
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, KeepReaderAnnotations: true, FunctionConfig: fc,
		WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}
	if err := w.Write(items); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// indent puts two spaces before every line of s.
func indent(s string) string {
	return strings.TrimSuffix("  "+strings.ReplaceAll(s, "\n", "\n  "), "  ")
}

// smuggled is a ResourceList whose item's last app has a quoted name that runs into
// the functionConfig, up to the quote in a comment there (the whole read does not
// read that functionConfig; a read that left the item's list out would).
func smuggled(spec string) []byte {
	item := "- " + strings.TrimPrefix(indent(spec), "  ") + "    - name: \"x\n"
	return []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + item +
		"functionConfig:\n  # \"\n" + indent(spec))
}

// aliased is a ResourceList whose functionConfig is an alias of its item.
func aliased(spec string) []byte {
	item := "- &spec\n" + indent(spec)
	return []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + item + "functionConfig: *spec\n")
}

// runAt is execute's output and error at GOMAXPROCS procs (1: the lists are never cut).
func runAt(t *testing.T, procs int, in []byte) (string, string) {
	t.Helper()
	prev := runtime.GOMAXPROCS(procs)
	defer runtime.GOMAXPROCS(prev)
	var out bytes.Buffer
	_, err := execute(bytes.NewReader(in), &out)
	return out.String(), fmt.Sprint(err)
}

// TestCutReadsAsWhole: a ResourceList read with its long lists cut out (the
// functionConfig's parsed beside and put back, the Platform item's left out) gives
// the output and error of the whole read, for a spec that renders, one that does not
// (read again whole, so the item is echoed as it came), and items of other shapes.
func TestCutReadsAsWhole(t *testing.T) {
	configMap := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n"
	for _, tc := range []struct {
		name      string
		in        []byte
		cutsItem  bool // both lists are cut and the read holds
		wantError bool
	}{
		{"spec renders", resourceList(t, bigSpec(700, false), nil, true), true, false},
		{"spec has an error", resourceList(t, bigSpec(700, true), nil, true), true, true},
		{"no item", resourceList(t, bigSpec(700, false), nil, false), false, false},
		{"another item first", resourceList(t, bigSpec(700, false), []string{configMap}, true), false, false},
		{"comments in the functionConfig's lists", resourceList(t, strings.Replace(bigSpec(700, false), "port: 8080\n", "port: 8080 # the port\n", 1), nil, true), false, false},
		{"item's list runs into the functionConfig", smuggled(bigSpec(700, false)), false, true},
		{"functionConfig an alias of the item", aliased(bigSpec(700, false)), false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.in) < 64<<10 {
				t.Fatalf("input is %d bytes: too small to be cut", len(tc.in))
			}
			prev := runtime.GOMAXPROCS(4)
			cut := schema.CutLists(tc.in, cutPaths...)
			runtime.GOMAXPROCS(prev)
			if cut == nil || (!cut.Found(configApps) && !cut.Found(itemApps)) {
				t.Fatal("no apps list is cut")
			}
			_, _, ok := readCut(cut)
			if tc.cutsItem && (!ok || !cut.Found(itemApps) || !cut.Found(itemRoutes)) {
				t.Fatalf("cut read refused (item lists cut: %v, %v)", cut.Found(itemApps), cut.Found(itemRoutes))
			}
			if !tc.cutsItem && ok && (cut.Found(itemApps) || cut.Found(itemRoutes)) {
				t.Fatal("the item's lists were left out although they are not the functionConfig's")
			}
			got, gotErr := runAt(t, 4, tc.in)
			want, wantErr := runAt(t, 1, tc.in)
			if got != want || gotErr != wantErr {
				t.Fatalf("cut read: error %s, %d bytes; whole read: error %s, %d bytes", gotErr, len(got), wantErr, len(want))
			}
			if (wantErr != "<nil>") != tc.wantError {
				t.Fatalf("error %s", wantErr)
			}
			if !tc.wantError && bytes.Count([]byte(got), []byte("kind: Deployment")) < 700 {
				t.Fatal("fewer Deployments than apps: the apps list was lost")
			}
		})
	}
}
