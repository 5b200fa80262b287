package krmfn_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/krmfn"
)

// TestExecuteIndependentOfScheduling runs the function on a spec of 150 apps (several
// batches of objects and of the echoed spec's apps) with one CPU and with more:
// objects are encoded in parallel, and the output must not depend on it.
func TestExecuteIndependentOfScheduling(t *testing.T) {
	var spec bytes.Buffer
	spec.WriteString(`apiVersion: krm-gen.dev/v1alpha1
kind: Platform
metadata:
  name: many
spec:
  git:
    repoURL: https://github.com/acme/many.git
    path: out/many
  nodePools:
    system:
      labels: {role: system}
      taints: [{key: CriticalAddonsOnly, value: "true", effect: NoSchedule}]
  gateway:
    nodePool: system
    https: {}
  apps:
`)
	for i := range 150 {
		fmt.Fprintf(&spec, "  - {name: app-%03d, namespace: team-%d, image: nginxinc/nginx-unprivileged:1.27-alpine, port: 8080}\n", i, i/10)
	}
	spec.WriteString("  routes:\n")
	for i := range 150 {
		fmt.Fprintf(&spec, "  - {path: /app-%03d, app: app-%03d}\n", i, i)
	}
	file := filepath.Join(t.TempDir(), "platform.yaml")
	if err := os.WriteFile(file, spec.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{"wrapped": resourceListInput(t, file, "", "")}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	for name, in := range inputs {
		var want bytes.Buffer
		if err := krmfn.Execute(bytes.NewReader(in), &want); err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(want.Bytes(), []byte("\n  kind: ")); n < 600 {
			t.Fatalf("%s: %d objects, want several batches", name, n)
		}
		for _, procs := range []int{4, 2, 4} {
			runtime.GOMAXPROCS(procs)
			var got bytes.Buffer
			if err := krmfn.Execute(bytes.NewReader(in), &got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("%s: GOMAXPROCS=%d: output differs", name, procs)
			}
		}
		runtime.GOMAXPROCS(1)
	}
}
