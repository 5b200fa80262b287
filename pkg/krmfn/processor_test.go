package krmfn_test

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/pkg/krmfn"
)

func resourceList(t *testing.T, specFile string, annotations map[string]string) *framework.ResourceList {
	t.Helper()
	rl := &framework.ResourceList{}
	if specFile == "" {
		return rl
	}
	data, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := yaml.Parse(string(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range annotations {
		if err := fc.PipeE(yaml.SetAnnotation(k, v)); err != nil {
			t.Fatal(err)
		}
	}
	rl.FunctionConfig = fc
	// An item the user passed in: it must come through untouched.
	rl.Items = []*yaml.RNode{yaml.MustParse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n")}
	return rl
}

func TestProcessor(t *testing.T) {
	tests := []struct {
		name        string
		spec        string
		annotations map[string]string
		wantErr     string   // substring of an error result; "" means success
		wantPrefix  string   // every rendered item's path starts with it
		wantWarning bool     // a warning result is expected
		wantPaths   []string // some paths that must be present
	}{
		// The blueprints' sample images are tags, not digests: a warning each.
		{name: "blueprint", spec: "../../blueprints/eks/platform.yaml", wantWarning: true, wantPaths: []string{"bootstrap/root-app.yaml", "gateway/gateway.yaml", "routes/api-services.yaml"}},
		{name: "environments need the annotation", spec: "../../blueprints/eks-envs/platform.yaml", wantErr: "set the annotation krm-gen.dev/environment: <environment>"},
		{name: "one environment", spec: "../../blueprints/eks-envs/platform.yaml", annotations: map[string]string{krmfn.EnvironmentAnnotation: "prod"}, wantWarning: true, wantPrefix: "prod/", wantPaths: []string{"prod/bootstrap/root-app.yaml"}},
		{name: "unknown environment", spec: "../../blueprints/eks-envs/platform.yaml", annotations: map[string]string{krmfn.EnvironmentAnnotation: "qa"}, wantErr: `no environment "qa"`},
		{name: "warnings do not fail", spec: "../../testdata/golden/minimal/platform.yaml", wantWarning: true, wantPaths: []string{"bootstrap/root-app.yaml"}},
		{name: "invalid spec", spec: "../../testdata/invalid/route-path-no-slash.yaml", wantErr: `must start with "/"`},
		{name: "no functionConfig", wantErr: "missing functionConfig"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rl := resourceList(t, tc.spec, tc.annotations)
			err := krmfn.Processor{}.Process(rl)
			var errs, warns []string
			for _, r := range rl.Results {
				switch r.Severity {
				case framework.Error:
					errs = append(errs, r.Message)
				case framework.Warning:
					warns = append(warns, r.Message)
				}
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(strings.Join(errs, "\n"), tc.wantErr) {
					t.Fatalf("err %v, results %v; want an error result containing %q", err, errs, tc.wantErr)
				}
				return
			}
			if err != nil || len(errs) > 0 {
				t.Fatalf("unexpected error %v %v", err, errs)
			}
			if tc.wantWarning != (len(warns) > 0) {
				t.Errorf("warnings %v, want some: %v", warns, tc.wantWarning)
			}
			paths := map[string]bool{}
			if rl.Items[0].GetName() != "mine" {
				t.Errorf("the input item was not kept first")
			}
			for _, it := range rl.Items[1:] {
				if it.GetKind() == "Platform" {
					t.Fatal("the Platform spec was echoed back")
				}
				p := it.GetAnnotations()[kioutil.PathAnnotation]
				if p == "" || !strings.HasPrefix(p, tc.wantPrefix) {
					t.Errorf("%s/%s has path %q, want prefix %q", it.GetKind(), it.GetName(), p, tc.wantPrefix)
				}
				if it.GetAnnotations()[kioutil.IndexAnnotation] == "" {
					t.Errorf("%s has no index annotation", p)
				}
				paths[p] = true
			}
			for _, p := range tc.wantPaths {
				if !paths[p] {
					t.Errorf("no item at %s", p)
				}
			}
		})
	}
}
