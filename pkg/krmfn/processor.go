// Package krmfn is krm-gen's KRM function: it reads a ResourceList whose
// functionConfig is the Platform spec and appends the rendered objects, each
// annotated with the path it has in the rendered out/ tree.
package krmfn

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/internal/manifest"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// LineTag is the Result tag that carries the spec line of a problem.
const LineTag = "line"

// EnvironmentAnnotation on the functionConfig picks one environment of a spec that
// has several, so a kustomize build emits one cluster's objects (names repeat
// across environments).
const EnvironmentAnnotation = "krm-gen.dev/environment"

// Processor renders the functionConfig Platform into the ResourceList.
type Processor struct {
	// Dir is the folder problems are located in: kustomize runs an exec function in
	// the kustomization's folder, and a generator file there holding the same spec
	// gives problems its file name and lines. "" is the working directory.
	Dir string
}

// Process implements framework.ResourceListProcessor. It returns the results as the
// error when any is an error, so the function exits non-zero.
func (p Processor) Process(rl *framework.ResourceList) error {
	outputs, err := p.render(rl)
	if err != nil {
		return err
	}
	return emit(outputs, pathAnnotations, func(n *yaml.Node) error {
		rl.Items = append(rl.Items, yaml.NewRNode(n))
		return nil
	})
}

// render validates and renders rl's functionConfig: it appends the diagnostics to
// rl.Results, drops the Platform spec from rl.Items (never echoed back) and returns
// the trees to emit, or the results as the error when any is an error.
func (p Processor) render(rl *framework.ResourceList) ([]pipeline.Output, error) {
	if rl.FunctionConfig == nil || rl.FunctionConfig.IsNilOrEmpty() {
		rl.Results = append(rl.Results, &framework.Result{
			Severity: framework.Error,
			Message:  "missing functionConfig: pass the Platform spec (kind: Platform) as the function's config",
		})
		return nil, rl.Results
	}
	file := specFile(rl.FunctionConfig)
	res := pipeline.LoadNode(rl.FunctionConfig.YNode(), file)
	env := rl.FunctionConfig.GetAnnotations()[EnvironmentAnnotation]
	noEnv := res.Valid() && env == "" && len(res.Trees) > 1
	diags, line := res.Diagnostics, 0
	if (len(diags) > 0 || noEnv) && file == "functionConfig" {
		dir := p.Dir
		if dir == "" {
			dir = "."
		}
		if src, ok := specSource(dir, res); ok {
			file, diags, line = src.file, src.diags, src.pos.Line("metadata.annotations")
		}
	}
	for _, d := range diags {
		rl.Results = append(rl.Results, result(d))
	}
	if !res.Valid() {
		return nil, rl.Results
	}
	if noEnv {
		envs := make([]string, len(res.Trees))
		for i, t := range res.Trees {
			envs[i] = t.Dir
		}
		r := &framework.Result{
			Severity: framework.Error, File: &framework.File{Path: file},
			Field: &framework.Field{Path: "metadata.annotations[" + EnvironmentAnnotation + "]"},
			Message: fmt.Sprintf("required: the spec has environments (%s) and one kustomize build holds one (their names repeat): set the annotation %s: <environment> on the spec (krm-gen render writes every environment)",
				strings.Join(envs, ", "), EnvironmentAnnotation),
		}
		if line > 0 {
			r.Tags = map[string]string{LineTag: strconv.Itoa(line)}
		}
		rl.Results = append(rl.Results, r)
		return nil, rl.Results
	}
	outputs, err := pipeline.Render(res.Trees)
	if err != nil {
		rl.Results = append(rl.Results, &framework.Result{Severity: framework.Error, Message: err.Error(), File: &framework.File{Path: file}})
		return nil, rl.Results
	}
	if env != "" {
		var picked []pipeline.Output
		for _, o := range outputs {
			if o.Dir == env {
				picked = append(picked, o)
			}
		}
		if len(picked) == 0 {
			rl.Results = append(rl.Results, &framework.Result{
				Severity: framework.Error, File: &framework.File{Path: file},
				Field:   &framework.Field{Path: "metadata.annotations[" + EnvironmentAnnotation + "]"},
				Message: fmt.Sprintf("no environment %q in spec.environments", env),
			})
			return nil, rl.Results
		}
		outputs = picked
	}
	items := make([]*yaml.RNode, 0, len(rl.Items))
	for _, it := range rl.Items {
		if it.GetKind() == schema.Kind && it.GetApiVersion() == schema.APIVersion {
			continue // never echo a Platform spec back
		}
		items = append(items, it)
	}
	rl.Items = items
	return outputs, nil
}

// pathAnnotations are the annotations that carry an object's path and index in the
// rendered tree: kyaml's internal ones and the legacy ones older kustomize and kpt
// releases read (path, index, path, index).
var pathAnnotations = []string{
	kioutil.PathAnnotation, kioutil.IndexAnnotation,
	//lint:ignore SA1019 older kustomize and kpt releases read only the legacy annotations
	kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation,
}

// emit encodes the objects of outputs one at a time, each with those of
// pathAnnotations listed in annos set to its path or index in the rendered tree,
// and hands each node to fn: a node is not kept after fn returns unless fn keeps it.
func emit(outputs []pipeline.Output, annos []string, fn func(*yaml.Node) error) error {
	enc := manifest.NewEncoder()
	for _, obj := range objects(outputs) {
		n, err := obj.encode(enc, annos)
		if err != nil {
			return err
		}
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

// object is one rendered object and where it goes: its file and its index in it.
type object struct {
	obj   any
	path  string
	index int
}

// objects lists the objects of outputs in order.
func objects(outputs []pipeline.Output) []object {
	var out []object
	for _, o := range outputs {
		index := map[string]int{}
		for _, r := range o.Tree.Resources {
			p := path.Join(o.Dir, r.Path)
			out = append(out, object{obj: r.Object, path: p, index: index[p]})
			index[p]++
		}
	}
	return out
}

// encode encodes the object with those of pathAnnotations listed in annos set to its
// path or index.
func (o object) encode(enc *manifest.Encoder, annos []string) (*yaml.Node, error) {
	n, err := enc.Encode(o.obj)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.path, err)
	}
	if len(annos) == 0 {
		return n, nil
	}
	kv := make([]string, 0, 2*len(annos))
	for _, k := range annos {
		v := o.path
		if strings.HasSuffix(k, "/index") { // kioutil.IndexAnnotation and its legacy form
			v = strconv.Itoa(o.index)
		}
		kv = append(kv, k, v)
	}
	if err := setAnnotations(n, kv...); err != nil {
		return nil, fmt.Errorf("%s: %w", o.path, err)
	}
	return n, nil
}

// setAnnotations sets annotations (key, value pairs) on an object's node as
// kyaml's SetAnnotation does (appended, values single-quoted), without its
// per-call path lookups. Setting the internal and legacy path/index annotations
// together leaves kio.ReconcileInternalAnnotations nothing to add.
func setAnnotations(obj *yaml.Node, kv ...string) error {
	meta := mappingField(obj, "metadata")
	if meta == nil {
		return fmt.Errorf("object has no metadata")
	}
	annos := mappingField(meta, "annotations")
	if annos == nil {
		annos = &yaml.Node{Kind: yaml.MappingNode}
		meta.Content = append(meta.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "annotations"}, annos)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: kv[i+1], Style: yaml.SingleQuotedStyle}
		if j := manifest.FieldIndex(annos, kv[i]); j >= 0 {
			annos.Content[j+1] = v
			continue
		}
		annos.Content = append(annos.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: kv[i]}, v)
	}
	return nil
}

// mappingField is the mapping value of key in mapping m, or nil.
func mappingField(m *yaml.Node, key string) *yaml.Node {
	if i := manifest.FieldIndex(m, key); i >= 0 && m.Content[i+1].Kind == yaml.MappingNode {
		return m.Content[i+1]
	}
	return nil
}

func result(d schema.Diagnostic) *framework.Result {
	r := &framework.Result{Message: d.Message, Severity: framework.Error}
	if d.Severity == schema.SeverityWarning {
		r.Severity = framework.Warning
	}
	if d.Field != "" {
		r.Field = &framework.Field{Path: d.Field}
	}
	if d.File != "" {
		r.File = &framework.File{Path: d.File}
	}
	if d.Line > 0 {
		r.Tags = map[string]string{LineTag: strconv.Itoa(d.Line)}
	}
	return r
}

// specFile names the functionConfig's source file for messages, when known.
func specFile(fc *yaml.RNode) string {
	a := fc.GetAnnotations()
	//lint:ignore SA1019 older kustomize releases still set only the legacy annotation
	for _, k := range []string{kioutil.PathAnnotation, kioutil.LegacyPathAnnotation} {
		if p := a[k]; p != "" {
			return p
		}
	}
	return "functionConfig"
}
