// Package pipeline is the one path from spec bytes to rendered files, shared by the
// CLI and the KRM function: decode -> default -> validate -> resolve -> render -> encode.
package pipeline

import (
	"bytes"
	"fmt"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/internal/manifest"
	"github.com/krm-gen/krm-gen/pkg/capacity"
	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/render"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Result is a loaded spec: what it renders (when it is valid) and its diagnostics.
type Result struct {
	Spec        *schema.Platform // as written (nil when it could not be decoded)
	Trees       []Tree           // what to render: one, or one per environment; nil on errors
	Diagnostics schema.Diagnostics
}

// Valid reports whether the spec has no errors (its trees can be rendered).
func (r Result) Valid() bool { return len(r.Trees) > 0 }

// Tree is one rendered tree to be: a resolved model and the folder (relative to the
// output directory) it goes in.
type Tree struct {
	Dir   string // "" for a spec without environments, else the environment name
	Model *model.Model
}

// Load decodes, defaults, validates and resolves a spec file's bytes.
func Load(data []byte, file string) Result {
	p, pos, diags := schema.Decode(data, file)
	if p == nil {
		return Result{Diagnostics: diags}
	}
	return check(p, pos, file, diags)
}

// LoadNode decodes, defaults, validates and resolves a spec already parsed as YAML.
func LoadNode(n *yaml.Node, file string) Result {
	p, pos, diags := schema.DecodeNode(n, file)
	if p == nil {
		return Result{Diagnostics: diags}
	}
	return check(p, pos, file, diags)
}

// check resolves a decoded spec; decodeDiags are the structural problems found while
// decoding, and semantic problems at or under their fields (consequences of the
// dropped value) are not reported again.
func check(spec *schema.Platform, pos schema.Positions, file string, decodeDiags schema.Diagnostics) Result {
	trees, errs, warns := Resolve(spec)
	diags := append(decodeDiags, schema.FromFieldErrors(withoutConsequences(errs, decodeDiags), schema.SeverityError, file, pos)...)
	diags = append(diags, schema.FromFieldErrors(withoutConsequences(warns, decodeDiags), schema.SeverityWarning, file, pos)...)
	diags.Sort()
	if diags.HasErrors() {
		return Result{Spec: spec, Diagnostics: diags}
	}
	return Result{Spec: spec, Trees: trees, Diagnostics: diags}
}

// Resolve defaults, validates and resolves a spec as written: the base spec, and each
// environment's spec (the base with the environment's overrides, then defaulted). It
// returns the trees to render and every error and warning, at the spec field that
// causes it: problems of an environment's spec that an override causes are reported
// at the override, problems the base spec already has once.
func Resolve(spec *schema.Platform) (trees []Tree, errs, warns field.ErrorList) {
	base := schema.Clone(spec) // spec.DeepCopy(), without the JSON round trip
	base.Default()
	errs, warns = base.Validate()
	bm := model.Build(base, "")
	me, mw := bm.Check()
	mw = append(mw, capacityWarnings(bm)...)
	errs, warns = append(errs, me...), append(warns, mw...)
	envs := sortedEnvs(base)
	if len(envs) == 0 {
		return []Tree{{Model: bm}}, errs, dedupe(warns)
	}
	baseErrs, baseWarns := errs, warns
	for _, env := range envs {
		ep, origins, eerrs := spec.Environment(env)
		errs = append(errs, eerrs...)
		if ep == nil {
			continue
		}
		ep.Default()
		ve, vw := ep.Validate()
		m := model.Build(ep, env)
		me, mw := m.Check()
		mw = append(mw, capacityWarnings(m)...)
		ve, vw = append(ve, me...), append(vw, mw...)
		errs = append(errs, inEnvironment(env, origins, ve, baseErrs)...)
		warns = append(warns, inEnvironment(env, origins, vw, baseWarns)...)
		trees = append(trees, Tree{Dir: env, Model: m})
		// The fleet's ApplicationSet creates every root app in its own namespace: one Argo CD.
		if first := trees[0].Model; m.ArgoCD.Namespace != first.ArgoCD.Namespace {
			f, _ := origins.Map("spec.argocd.namespace")
			errs = append(errs, field.Invalid(field.NewPath(f), m.ArgoCD.Namespace, fmt.Sprintf("environments share one Argo CD (the fleet's ApplicationSet creates every root app in its namespace); environment %q uses %q", trees[0].Dir, first.ArgoCD.Namespace)))
		}
	}
	return trees, dedupe(errs), dedupe(warns)
}

// inEnvironment maps problems of an environment's merged spec back to the environment
// field that caused them; problems the base spec already has are dropped, the rest say
// which environment they come from.
func inEnvironment(env string, origins schema.Origins, errs, base field.ErrorList) field.ErrorList {
	known := map[string]bool{}
	for _, e := range base {
		known[e.Field+"\x00"+e.ErrorBody()] = true
	}
	out := make(field.ErrorList, 0, len(errs))
	for _, e := range errs {
		c := *e
		f, override := origins.Map(e.Field)
		c.Field = f
		if !override {
			if known[f+"\x00"+e.ErrorBody()] {
				continue
			}
			c.Detail = strings.TrimPrefix(fmt.Sprintf("%s (in environment %q)", c.Detail, env), " ")
		}
		out = append(out, &c)
	}
	return out
}

// withoutConsequences drops problems at or under (or above, for required-field
// checks of the same object) a field that already failed to decode.
func withoutConsequences(errs field.ErrorList, decoded schema.Diagnostics) field.ErrorList {
	if len(decoded) == 0 {
		return errs
	}
	out := errs[:0:0]
	for _, e := range errs {
		hit := false
		for _, d := range decoded {
			for _, f := range []string{d.Field, d.Related} {
				if f != "" && (e.Field == f || strings.HasPrefix(e.Field, f+".") || strings.HasPrefix(e.Field, f+"[")) {
					hit = true
				}
			}
		}
		if !hit {
			out = append(out, e)
		}
	}
	return out
}

// dedupe drops problems repeated by several environments' specs.
func dedupe(errs field.ErrorList) field.ErrorList {
	seen := map[string]bool{}
	var out field.ErrorList
	for _, e := range errs {
		key := e.Field + "\x00" + e.ErrorBody()
		if !seen[key] {
			seen[key] = true
			out = append(out, e)
		}
	}
	return out
}

func sortedEnvs(p *schema.Platform) []string {
	envs := make([]string, 0, len(p.Spec.Environments))
	for name := range p.Spec.Environments {
		envs = append(envs, name)
	}
	sort.Strings(envs)
	return envs
}

// Output is one rendered tree and the folder (relative to the output directory) it goes in.
type Output struct {
	Dir  string // "" for a spec without environments, else the environment name
	Tree *render.Tree
}

// Render renders the trees of a valid spec.
func Render(trees []Tree) ([]Output, error) {
	out := make([]Output, 0, len(trees))
	for _, tr := range trees {
		t, err := render.Render(tr.Model)
		if err != nil {
			if tr.Dir != "" {
				err = fmt.Errorf("environment %s: %w", tr.Dir, err)
			}
			return nil, err
		}
		out = append(out, Output{Dir: tr.Dir, Tree: t})
	}
	// The fleet bootstrap of the environments, beside their folders.
	var envs []*model.Model
	var rendered []*render.Tree
	for i, tr := range trees {
		if tr.Dir != "" {
			envs, rendered = append(envs, tr.Model), append(rendered, out[i].Tree)
		}
	}
	if len(envs) > 0 {
		platform := strings.TrimSuffix(envs[0].Name, "-"+envs[0].Environment)
		out = append(out, Output{Tree: render.Fleet(platform, envs, rendered)})
	}
	return out, nil
}

// Files encodes rendered trees into file contents keyed by slash-separated path.
// Files are encoded by a few workers (one per CPU), each with its own encoder; each
// file is encoded and written before the worker takes the next, so the YAML nodes of
// one file are garbage by the time the next is built (peak memory stays low on big
// platforms). The bytes do not depend on which worker encodes which file.
func Files(outputs []Output) (map[string][]byte, error) {
	type job struct {
		path string
		objs []any
	}
	var jobs []job
	files := map[string][]byte{}
	for _, o := range outputs {
		byPath := map[string]int{}
		for _, r := range o.Tree.Resources {
			i, ok := byPath[r.Path]
			if !ok {
				i = len(jobs)
				byPath[r.Path] = i
				jobs = append(jobs, job{path: path.Join(o.Dir, r.Path)})
			}
			jobs[i].objs = append(jobs[i].objs, r.Object)
		}
	}
	out := make([][]byte, len(jobs))
	errs := make([]error, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	var types manifest.Types
	for range min(len(jobs), runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc, wr := manifest.NewSharedEncoder(&types), &manifest.Writer{}
			var buf bytes.Buffer
			var nodes []*yaml.Node
			for i := int(next.Add(1) - 1); i < len(jobs); i = int(next.Add(1) - 1) {
				out[i], errs[i] = encodeFile(enc, wr, &buf, nodes[:0], jobs[i].objs)
			}
		}()
	}
	wg.Wait()
	for i, j := range jobs {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s: %w", j.path, errs[i])
		}
		files[j.path] = out[i]
	}
	for _, o := range outputs {
		for _, f := range o.Tree.Files {
			files[path.Join(o.Dir, f.Path)] = f.Content
		}
	}
	return files, nil
}

// encodeFile encodes the objects of one file into its bytes; buf and nodes are scratch
// space kept between files.
func encodeFile(enc *manifest.Encoder, wr *manifest.Writer, buf *bytes.Buffer, nodes []*yaml.Node, objs []any) ([]byte, error) {
	for _, obj := range objs {
		n, err := enc.Encode(obj)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	buf.Reset()
	err := wr.Write(buf, nodes...)
	clear(nodes)
	enc.Reset() // the nodes are written: their memory serves the next file
	if err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

// capacityWarnings warns about every pool whose desired size cannot hold what the model
// places on it (krm-gen plan prints the whole plan). A pool on an instance type the
// table lacks is left to the plan, which names it.
func capacityWarnings(m *model.Model) field.ErrorList {
	table, err := capacity.LoadTable()
	if err != nil {
		return nil
	}
	plan, err := capacity.Compute(m, table)
	if err != nil {
		return nil
	}
	return plan.Warnings()
}
