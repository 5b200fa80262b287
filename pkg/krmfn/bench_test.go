package krmfn_test

import (
	"bytes"
	"io"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/krm-gen/krm-gen/pkg/krmfn"
)

// BenchmarkFunction runs the KRM function on the ResourceList kustomize sends for
// blueprints/eks: krmfn.Execute, and for reference kyaml's framework.Execute (which
// writes the same output through yaml.v3).
func BenchmarkFunction(b *testing.B) {
	in := kustomizeInput(b, "../../blueprints/eks/platform.yaml")
	b.Run("krmfn.Execute", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := krmfn.Execute(bytes.NewReader(in), io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("framework.Execute", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rw := &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: io.Discard, KeepReaderAnnotations: true}
			if err := framework.Execute(krmfn.Processor{}, rw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
