package harness

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFleetGeneratesRootApps plays the ApplicationSet controller on the committed
// eks-envs fleet: each environment's generated Application is its root-app.yaml's.
func TestFleetGeneratesRootApps(t *testing.T) {
	root, _ := filepath.Abs("../..")
	for _, env := range []string{"dev", "prod"} {
		tree := "out/eks-envs/" + env
		fleet := FindFleet(root, tree)
		if fleet == "" {
			t.Fatalf("%s: no fleet bootstrap found", tree)
		}
		data, err := os.ReadFile(fleet)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := DecodeYAML(data, fleet)
		if err != nil {
			t.Fatal(err)
		}
		var apps []Object
		for _, o := range objs {
			if o.GetKind() == "ApplicationSet" {
				if apps, err = generate(o); err != nil {
					t.Fatal(err)
				}
			}
		}
		want, err := rootApplication(filepath.Join(root, tree, "bootstrap", "root-app.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range apps {
			if a.GetName() == want.GetName() {
				found = true
				if d := sameApplication(a.Unstructured, want.Unstructured); d != "" {
					t.Errorf("%s: %s", tree, d)
				}
			}
		}
		if !found || len(apps) != 2 {
			t.Errorf("%s: %d Applications generated, none named %s", tree, len(apps), want.GetName())
		}
	}
	if FindFleet(root, "out/eks") != "" {
		t.Error("out/eks has no environments but a fleet was found")
	}
}
