package krmfn_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/krmfn"
)

// BenchmarkFunction runs the KRM function as kustomize does for blueprints/eks: a
// ResourceList on stdin, the rendered items on stdout.
func BenchmarkFunction(b *testing.B) {
	in := resourceListInput(b, "../../blueprints/eks/platform.yaml", "")
	b.ReportAllocs()
	for b.Loop() {
		if err := krmfn.Execute(bytes.NewReader(in), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
