package krmfn

import (
	"bufio"
	"fmt"
	"io"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/internal/manifest"
)

// Execute runs the function (Processor) on the ResourceList read from in and
// writes the resulting ResourceList to out. It does what framework.Execute does
// (read with kyaml, process, attach the results) but writes the items with
// manifest.Write: kyaml's writer copies the items and re-encodes the whole list
// through yaml.v3, 44% of the function's CPU (BENCHMARKS.md). The output is what
// framework.Execute writes, except that strings YAML 1.1 reads as booleans or
// base-60 numbers are quoted, as in the rendered files, and that a single bare
// item is never written as JSON (TestExecuteMatchesFramework).
func Execute(in io.Reader, out io.Writer) error {
	rw := &kio.ByteReadWriter{Reader: in, KeepReaderAnnotations: true}
	rl := framework.ResourceList{}
	var err error
	if rl.Items, err = rw.Read(); err != nil {
		return fmt.Errorf("failed to read ResourceList input: %w", err)
	}
	rl.FunctionConfig = rw.FunctionConfig
	// kyaml's reconciliation writes the path/index annotations in the form(s) the
	// input items use (kustomize passes the spec itself as an item, with both).
	annos, err := kio.PreprocessResourcesForInternalAnnotationMigration(rl.Items)
	if err != nil {
		return err
	}
	procErr := Processor{}.Process(&rl)
	if err := kio.ReconcileInternalAnnotations(rl.Items, annos); err != nil {
		return err
	}
	for _, it := range rl.Items {
		if err := yaml.ClearEmptyAnnotations(it); err != nil {
			return err
		}
	}
	results := rw.Results // the input's, unless the function has its own (as framework.Execute)
	if len(rl.Results) > 0 {
		b, err := yaml.Marshal(rl.Results)
		if err != nil {
			return err
		}
		if results, err = yaml.Parse(string(b)); err != nil {
			return err
		}
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	if err := writeResourceList(bw, rw, rl.Items, results); err != nil {
		return fmt.Errorf("writing the ResourceList: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing the ResourceList: %w", err)
	}
	return procErr
}

// writeResourceList writes items wrapped as the input was (a ResourceList with its
// functionConfig and the results), or as a plain stream when the input was one.
func writeResourceList(w io.Writer, rw *kio.ByteReadWriter, items []*yaml.RNode, results *yaml.RNode) error {
	nodes := make([]*yaml.Node, len(items))
	for i, it := range items {
		nodes[i] = it.YNode()
	}
	if rw.WrappingKind == "" {
		return manifest.Write(w, nodes...)
	}
	list := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		scalar("apiVersion"), scalar(rw.WrappingAPIVersion),
		scalar("kind"), scalar(rw.WrappingKind),
		scalar("items"), {Kind: yaml.SequenceNode, Content: nodes},
	}}
	if err := manifest.Write(w, list); err != nil {
		return err
	}
	// The functionConfig keeps its comments and styles: yaml.v3 writes it (it is small).
	tail := &yaml.Node{Kind: yaml.MappingNode}
	if fc := rw.FunctionConfig; fc != nil {
		tail.Content = append(tail.Content, scalar("functionConfig"), fc.YNode())
	}
	if results != nil {
		tail.Content = append(tail.Content, scalar("results"), results.YNode())
	}
	if len(tail.Content) == 0 {
		return nil
	}
	enc := yaml.NewEncoder(w)
	if err := enc.Encode(tail); err != nil {
		return err
	}
	return enc.Close()
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
