package krmfn

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/internal/manifest"
	"github.com/krm-gen/krm-gen/pkg/schema"
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
	_, err := execute(in, out)
	return err
}

// Run is Execute for a person watching stderr (kustomize shows an exec function's
// stderr): it also writes every result to log, one line each, as the CLI prints
// problems (FILE:LINE: [warning: ]FIELD: MESSAGE), and on errors returns a one-line
// summary instead of the results.
func Run(in io.Reader, out, log io.Writer) error {
	results, err := execute(in, out)
	for _, r := range results {
		fmt.Fprintln(log, Line(r))
	}
	var rs framework.Results
	if errors.As(err, &rs) {
		n := 0
		file := "the Platform spec"
		for _, r := range rs {
			if r.Severity == framework.Error {
				n++
				if r.File != nil && r.File.Path != "" {
					file = r.File.Path
				}
			}
		}
		return fmt.Errorf("krm-gen: %s: %d error%s; nothing rendered", file, n, plural(n))
	}
	return err
}

// Line words a result as the CLI words a problem: FILE:LINE: [warning: ]FIELD: MESSAGE.
func Line(r *framework.Result) string {
	d := schema.Diagnostic{Message: r.Message, Severity: schema.SeverityError}
	switch r.Severity {
	case framework.Warning:
		d.Severity = schema.SeverityWarning
	case framework.Info:
		d.Severity = "info"
	}
	if r.File != nil {
		d.File = r.File.Path
	}
	if r.Field != nil {
		d.Field = r.Field.Path
	}
	d.Line, _ = strconv.Atoi(r.Tags[LineTag])
	return d.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// execute runs the function and returns its results and error.
func execute(in io.Reader, out io.Writer) (framework.Results, error) {
	rw := &kio.ByteReadWriter{Reader: in, KeepReaderAnnotations: true}
	rl := framework.ResourceList{}
	var err error
	if rl.Items, err = rw.Read(); err != nil {
		return nil, fmt.Errorf("failed to read ResourceList input: %w", err)
	}
	rl.FunctionConfig = rw.FunctionConfig
	// kyaml's reconciliation writes the path/index annotations in the form(s) the
	// input items use (kustomize passes the spec itself as an item, with both).
	annos, err := kio.PreprocessResourcesForInternalAnnotationMigration(rl.Items)
	if err != nil {
		return nil, err
	}
	procErr := Processor{}.Process(&rl)
	if err := kio.ReconcileInternalAnnotations(rl.Items, annos); err != nil {
		return nil, err
	}
	for _, it := range rl.Items {
		if err := yaml.ClearEmptyAnnotations(it); err != nil {
			return nil, err
		}
	}
	results := rw.Results // the input's, unless the function has its own (as framework.Execute)
	if len(rl.Results) > 0 {
		b, err := yaml.Marshal(rl.Results)
		if err != nil {
			return nil, err
		}
		if results, err = yaml.Parse(string(b)); err != nil {
			return nil, err
		}
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	if err := writeResourceList(bw, rw, rl.Items, results); err != nil {
		return rl.Results, fmt.Errorf("writing the ResourceList: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return rl.Results, fmt.Errorf("writing the ResourceList: %w", err)
	}
	return rl.Results, procErr
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
