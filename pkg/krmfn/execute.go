package krmfn

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/internal/manifest"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Execute runs the function (Processor) on the ResourceList read from in and
// writes the resulting ResourceList to out. It does what framework.Execute does
// (read with kyaml, process, attach the results) but streams the rendered objects:
// each is encoded, annotated and written with manifest.Write before the next, so
// the output is never held as one tree of kyaml nodes (which took three times the
// render's memory at 1,000 apps, BENCHMARKS.md). The output is what
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
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, fmt.Errorf("failed to read ResourceList input: %w", err)
	}
	// A big spec's long lists are parsed in runs beside the rest (see readCut); should
	// the spec not render, the whole input is read again, so that what is echoed is
	// exactly what came in.
	if cut := schema.CutLists(data, cutPaths...); cut != nil {
		if rw, rl, ok := readCut(cut); ok {
			if results, done, err := executeList(rw, rl, out, cut.Found(itemApps) || cut.Found(itemRoutes)); done {
				return results, err
			}
		}
	}
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(data), KeepReaderAnnotations: true}
	rl := framework.ResourceList{}
	if rl.Items, err = rw.Read(); err != nil {
		return nil, fmt.Errorf("failed to read ResourceList input: %w", err)
	}
	rl.FunctionConfig = rw.FunctionConfig
	results, _, err := executeList(rw, rl, out, false)
	return results, err
}

// cutPaths are the long lists of a ResourceList kustomize sends: the apps and routes
// of its functionConfig and of the spec as its one item (by the indexes below).
var cutPaths = [][]string{
	configApps:   append([]string{"functionConfig"}, schema.SpecApps...),
	configRoutes: append([]string{"functionConfig"}, schema.SpecRoutes...),
	itemApps:     append([]string{"items", "-"}, schema.SpecApps...),
	itemRoutes:   append([]string{"items", "-"}, schema.SpecRoutes...),
}

// The indexes of cutPaths.
const (
	configApps = iota
	configRoutes
	itemApps
	itemRoutes
)

// readCut reads a ResourceList with its long lists cut out: kyaml reads the rest
// while the functionConfig's lists are parsed in runs on every CPU and then put in
// their places. The item's lists are left out when they are the very bytes of the
// functionConfig's (as kustomize sends them; what parsed there parses here): the
// item is the Platform spec, which the function drops unread when it renders
// (executeList says whether it did). ok is false when the cut does not hold: an
// alias anywhere in the rest (it could name what was cut out), comments in the
// functionConfig's lists (it is written out again), a slot not where the cut found
// it. The caller then reads the input whole.
func readCut(cut *schema.Cut) (*kio.ByteReadWriter, framework.ResourceList, bool) {
	var rl framework.ResourceList
	for _, i := range []int{configApps, configRoutes} {
		if cut.Comments(i) {
			return nil, rl, false
		}
	}
	for _, i := range []int{itemApps, itemRoutes} {
		if cut.Found(i) && !cut.SameText(i, i-itemApps+configApps) {
			return nil, rl, false
		}
	}
	var lists []*yaml.Node
	listsOK := false
	parsed := make(chan struct{})
	go func() {
		defer close(parsed)
		lists, _, listsOK = cut.ParseLists(configApps, configRoutes) // any alias refuses, below
	}()
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(cut.Rest), KeepReaderAnnotations: true}
	items, err := rw.Read()
	<-parsed
	if err != nil || !listsOK || rw.FunctionConfig == nil || schema.HasAlias(rw.FunctionConfig.YNode()) {
		return nil, rl, false
	}
	for _, it := range items {
		if schema.HasAlias(it.YNode()) {
			return nil, rl, false
		}
	}
	if (cut.Found(configApps) || cut.Found(configRoutes)) && !cut.Graft(rw.FunctionConfig.YNode(), 1, lists, configApps, configRoutes) {
		return nil, rl, false
	}
	for _, i := range []int{itemApps, itemRoutes} {
		if !cut.Found(i) {
			continue
		}
		found := 0
		for _, it := range items {
			if cut.Slot(it.YNode(), i, 2) != nil {
				found++
				if it.GetKind() != schema.Kind || it.GetApiVersion() != schema.APIVersion {
					return nil, rl, false
				}
			}
		}
		if found != 1 {
			return nil, rl, false
		}
	}
	rl.Items, rl.FunctionConfig = items, rw.FunctionConfig
	return rw, rl, true
}

// executeList runs the function on the ResourceList rw read; with cutItem (the
// Platform item's list was not read) it writes nothing and reports done false
// unless the spec renders, which drops that item.
func executeList(rw *kio.ByteReadWriter, rl framework.ResourceList, out io.Writer, cutItem bool) (_ framework.Results, done bool, _ error) {
	// The forms of the path/index annotations the input items use (kustomize passes
	// the spec itself as an item, with both).
	annos, err := kio.PreprocessResourcesForInternalAnnotationMigration(rl.Items)
	if err != nil {
		return nil, true, err
	}
	// The functionConfig is echoed at the end; its long sequences (spec.apps, ...) are
	// encoded meanwhile, beside the render (both only read it).
	var pre map[*yaml.Node][][]byte
	preDone := make(chan struct{})
	if fc := rw.FunctionConfig; rw.WrappingKind != "" && fc != nil {
		go func() {
			defer close(preDone)
			pre = preEncode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("functionConfig"), fc.YNode()}})
		}()
	} else {
		close(preDone)
	}
	defer func() { <-preDone }() // nothing changes the functionConfig before it is done
	outputs, procErr := Processor{}.render(&rl)
	if cutItem && procErr != nil {
		return nil, false, nil
	}
	// kyaml's reconciliation writes the path/index annotations in the form(s) the
	// input items use, for the items passed through and, as they are written, for
	// the rendered ones.
	reconcile := func(items ...*yaml.RNode) error {
		if err := kio.ReconcileInternalAnnotations(items, annos); err != nil {
			return err
		}
		for _, it := range items {
			if err := yaml.ClearEmptyAnnotations(it); err != nil {
				return err
			}
		}
		return nil
	}
	if err := reconcile(rl.Items...); err != nil {
		return nil, true, err
	}
	results := rw.Results // the input's, unless the function has its own (as framework.Execute)
	if len(rl.Results) > 0 {
		b, err := yaml.Marshal(rl.Results)
		if err != nil {
			return nil, true, err
		}
		if results, err = yaml.Parse(string(b)); err != nil {
			return nil, true, err
		}
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	lw := &listWriter{w: bw, wrapped: rw.WrappingKind != ""}
	if err := lw.start(rw, len(rl.Items) > 0 || rendersAny(outputs)); err != nil {
		return rl.Results, true, fmt.Errorf("writing the ResourceList: %w", err)
	}
	if err := lw.items(rl.Items...); err != nil {
		return rl.Results, true, fmt.Errorf("writing the ResourceList: %w", err)
	}
	// The rendered objects get the path annotations kyaml's reconciliation would leave
	// them (found once, on a probe), rather than every one and a reconciliation each.
	kept, err := keptAnnotations(reconcile)
	if err != nil {
		return nil, true, err
	}
	if err := lw.objects(objects(outputs), kept); err != nil {
		return rl.Results, true, fmt.Errorf("writing the ResourceList: %w", err)
	}
	<-preDone
	if err := lw.end(rw, results, pre); err != nil {
		return rl.Results, true, fmt.Errorf("writing the ResourceList: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return rl.Results, true, fmt.Errorf("writing the ResourceList: %w", err)
	}
	return rl.Results, true, procErr
}

// keptAnnotations are those of pathAnnotations that reconcile leaves on an object
// that has them all, as every rendered object has before reconciliation.
func keptAnnotations(reconcile func(...*yaml.RNode) error) ([]string, error) {
	probe := yaml.NewMapRNode(nil)
	probe.SetKind("ConfigMap")
	if err := probe.SetName("probe"); err != nil {
		return nil, err
	}
	all := map[string]string{}
	for i, k := range pathAnnotations {
		all[k] = strconv.Itoa(i % 2) // a path and an index that kyaml sees agree
	}
	if err := probe.SetAnnotations(all); err != nil {
		return nil, err
	}
	if err := reconcile(probe); err != nil {
		return nil, err
	}
	left := probe.GetAnnotations()
	var kept []string
	for _, k := range pathAnnotations {
		if _, ok := left[k]; ok {
			kept = append(kept, k)
		}
	}
	return kept, nil
}

// rendersAny reports whether outputs hold at least one object.
func rendersAny(outputs []pipeline.Output) bool {
	for _, o := range outputs {
		if len(o.Tree.Resources) > 0 {
			return true
		}
	}
	return false
}

// listWriter writes the items of a ResourceList as they come, wrapped as the input
// was (a ResourceList with its functionConfig and the results) or as a plain stream.
// A batch of items is written as the mapping {items: [batch]} without its first line:
// the emitter writes a sequence item the same way whatever comes before it, so the
// batches together are byte for byte the sequence written at once.
type listWriter struct {
	w       io.Writer
	wrapped bool
	wr      manifest.Writer
	buf     bytes.Buffer
	written int
}

// start writes what comes before the items: the ResourceList's apiVersion, kind and
// "items:" (with any, else "items: []").
func (l *listWriter) start(rw *kio.ByteReadWriter, any bool) error {
	if !l.wrapped {
		return nil
	}
	head := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		scalar("apiVersion"), scalar(rw.WrappingAPIVersion),
		scalar("kind"), scalar(rw.WrappingKind),
		scalar("items"), {Kind: yaml.SequenceNode},
	}}
	if err := l.wr.Write(&l.buf, head); err != nil {
		return err
	}
	b := l.buf.Bytes()
	if any { // "items: []\n" becomes "items:\n", the items follow
		b = append(bytes.TrimSuffix(b, []byte(" []\n")), '\n')
	}
	_, err := l.w.Write(b)
	l.buf.Reset()
	return err
}

// items writes a batch of items.
func (l *listWriter) items(items ...*yaml.RNode) error {
	if len(items) == 0 {
		return nil
	}
	nodes := make([]*yaml.Node, len(items))
	for i, it := range items {
		nodes[i] = it.YNode()
	}
	if !l.wrapped {
		for _, n := range nodes {
			if l.written > 0 {
				if _, err := io.WriteString(l.w, "---\n"); err != nil {
					return err
				}
			}
			if err := l.wr.Write(l.w, n); err != nil {
				return err
			}
			l.written++
		}
		return nil
	}
	l.buf.Reset()
	batch := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("items"), {Kind: yaml.SequenceNode, Content: nodes}}}
	if err := l.wr.Write(&l.buf, batch); err != nil {
		return err
	}
	b, ok := bytes.CutPrefix(l.buf.Bytes(), []byte("items:\n"))
	if !ok {
		return fmt.Errorf("unexpected encoding of an item: %.40q", l.buf.Bytes())
	}
	_, err := l.w.Write(b)
	l.written += len(nodes)
	return err
}

// objectBatch is how many objects are encoded (in parallel) before they are written:
// enough to keep the workers busy, few enough that their bytes stay small.
const objectBatch = 256

// objects encodes objs (with the annotations annos) and writes them as items, in
// order. A few workers (one per CPU), each with its own encoder and writer, encode
// a batch of objects into the bytes items would write for each; the bytes of one
// item do not depend on what comes before it, so they are written as they are.
func (l *listWriter) objects(objs []object, annos []string) error {
	workers := max(1, min(runtime.GOMAXPROCS(0), len(objs)))
	type worker struct {
		enc *manifest.Encoder
		lw  listWriter
	}
	ws := make([]worker, workers)
	var types manifest.Types
	for i := range ws {
		ws[i] = worker{enc: manifest.NewSharedEncoder(&types), lw: listWriter{wrapped: l.wrapped}}
	}
	out := make([][]byte, min(objectBatch, len(objs)))
	errs := make([]error, len(out))
	for start := 0; start < len(objs); start += objectBatch {
		batch := objs[start:min(start+objectBatch, len(objs))]
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := range ws {
			wg.Add(1)
			go func(w *worker) {
				defer wg.Done()
				for i := int(next.Add(1) - 1); i < len(batch); i = int(next.Add(1) - 1) {
					out[i], errs[i] = nil, nil
					n, err := batch[i].encode(w.enc, annos)
					if err == nil {
						var b bytes.Buffer
						w.lw.w = &b
						w.lw.written = 0
						err = w.lw.items(yaml.NewRNode(n))
						w.enc.Reset() // n is written: its memory serves the next object
						out[i] = b.Bytes()
					}
					errs[i] = err
				}
			}(&ws[w])
		}
		wg.Wait()
		for i := range batch {
			if errs[i] != nil {
				return errs[i]
			}
			if !l.wrapped && l.written > 0 {
				if _, err := io.WriteString(l.w, "---\n"); err != nil {
					return err
				}
			}
			if _, err := l.w.Write(out[i]); err != nil {
				return err
			}
			l.written++
		}
	}
	return nil
}

// end writes what comes after the items: the functionConfig (with its comments and
// styles: yaml.v3 writes it, it is small) and the results.
//
// pre holds the functionConfig's items encoded already (see preEncode), or nil.
func (l *listWriter) end(rw *kio.ByteReadWriter, results *yaml.RNode, pre map[*yaml.Node][][]byte) error {
	if !l.wrapped {
		return nil
	}
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
	return encodeSplit(l.w, tail, pre)
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
