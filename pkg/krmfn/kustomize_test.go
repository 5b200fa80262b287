package krmfn_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestKustomizeBuildMatchesOut runs `kustomize build --enable-alpha-plugins
// --enable-exec blueprints/<bp>` in-process (krusty) with krm-gen as the exec
// generator, and checks it yields exactly the objects committed under out/<bp>.
func TestKustomizeBuildMatchesOut(t *testing.T) {
	root, _ := filepath.Abs("../..")
	bin := filepath.Join(t.TempDir(), "krm-gen")
	build := exec.Command("go", "build", "-o", bin, "./cmd/krm-gen")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Setenv("KRM_GEN_BIN", bin)

	kusts, _ := filepath.Glob(filepath.Join(root, "blueprints/*/kustomization.yaml"))
	if len(kusts) == 0 {
		t.Fatal("no blueprint has a kustomization.yaml")
	}
	for _, k := range kusts {
		bp := filepath.Base(filepath.Dir(k))
		t.Run(bp, func(t *testing.T) {
			opts := krusty.MakeDefaultOptions()
			opts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
			opts.PluginConfig.FnpLoadingOptions.EnableExec = true
			rm, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), filepath.Dir(k))
			if err != nil {
				t.Fatalf("kustomize build: %v", err)
			}
			got := map[string]string{}
			for _, r := range rm.Resources() {
				k := key(r.GetApiVersion(), r.GetKind(), r.GetNamespace(), r.GetName())
				if _, dup := got[k]; dup {
					t.Errorf("kustomize build emits %s twice", k)
				}
				got[k] = normalize(t, r.MustYaml())
			}
			want := map[string]string{}
			nodes, err := (&kio.LocalPackageReader{PackagePath: filepath.Join(root, "out", bp), MatchFilesGlob: []string{"*.yaml"}}).Read()
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range nodes {
				s, _ := n.String()
				k := key(n.GetApiVersion(), n.GetKind(), n.GetNamespace(), n.GetName())
				if _, dup := want[k]; dup {
					t.Errorf("out/%s holds %s twice", bp, k)
				}
				want[k] = normalize(t, s)
			}
			if len(want) == 0 {
				t.Fatalf("out/%s holds no objects", bp)
			}
			for k, w := range want {
				if g, ok := got[k]; !ok {
					t.Errorf("kustomize build lacks %s", k)
				} else if g != w {
					t.Errorf("%s differs:\nkustomize: %s\nout/:      %s", k, g, w)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("kustomize build has %s, which out/%s does not", k, bp)
				}
			}
		})
	}
}

func key(parts ...string) string { return strings.Join(parts, "/") }

// normalize drops path/index bookkeeping annotations and returns canonical JSON.
func normalize(t *testing.T, s string) string {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(s), &obj); err != nil {
		t.Fatal(err)
	}
	if md, ok := obj["metadata"].(map[string]any); ok {
		if ann, ok := md["annotations"].(map[string]any); ok {
			for k := range ann {
				if strings.HasPrefix(k, "internal.config.kubernetes.io/") || strings.HasPrefix(k, "config.kubernetes.io/") || k == "config.k8s.io/id" {
					delete(ann, k)
				}
			}
			if len(ann) == 0 {
				delete(md, "annotations")
			}
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
