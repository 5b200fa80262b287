// Package check verifies, without providers or network, that the Terraform in
// terraform/ accepts every platform.auto.tfvars.json krm-gen renders and that
// the node-pool taints it applies are the tolerations krm-gen rendered.
//
// It reads the Terraform configuration with HashiCorp's HCL libraries and
// evaluates the few expressions that matter (variable types, defaults and
// validations, the locals and the node-group arguments that carry labels and
// taints) with a small set of Terraform's functions implemented in funcs.go.
package check

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Variable is one `variable` block.
type Variable struct {
	Name       string
	Type       cty.Type
	Defaults   *typeexpr.Defaults
	HasDefault bool
	Default    cty.Value
	// Nullable is false for `nullable = false`: a null value means the default.
	Nullable    bool
	Validations []Validation
}

// Validation is one `validation` block of a variable.
type Validation struct {
	Condition hcl.Expression
	Message   hcl.Expression
	Range     hcl.Range
}

// Module is the part of a Terraform module the checks need.
type Module struct {
	Dir       string
	Variables map[string]*Variable
	Locals    map[string]hcl.Expression
	// Resources and data sources by "<type>.<name>", module calls by name.
	Resources   map[string]*hclsyntax.Block
	Data        map[string]*hclsyntax.Block
	ModuleCalls map[string]*hclsyntax.Block
	// AttrNames is every attribute name used in a reference anywhere in the
	// module: the attributes of the placeholders references evaluate to.
	AttrNames map[string]bool
}

// LoadModule parses every *.tf file of dir (not recursive, like Terraform).
func LoadModule(dir string) (*Module, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.tf files in %s", dir)
	}
	sort.Strings(files)
	m := &Module{
		Dir:         dir,
		Variables:   map[string]*Variable{},
		Locals:      map[string]hcl.Expression{},
		Resources:   map[string]*hclsyntax.Block{},
		Data:        map[string]*hclsyntax.Block{},
		ModuleCalls: map[string]*hclsyntax.Block{},
		AttrNames:   map[string]bool{},
	}
	parser := hclparse.NewParser()
	var diags hcl.Diagnostics
	for _, f := range files {
		file, d := parser.ParseHCLFile(f)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		body := file.Body.(*hclsyntax.Body)
		collectAttrNames(body, m.AttrNames)
		for _, b := range body.Blocks {
			switch b.Type {
			case "variable":
				v, d := parseVariable(b)
				diags = append(diags, d...)
				if v != nil {
					m.Variables[v.Name] = v
				}
			case "locals":
				for name, attr := range b.Body.Attributes {
					if _, dup := m.Locals[name]; dup {
						diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "duplicate local " + name, Subject: attr.SrcRange.Ptr()})
					}
					m.Locals[name] = attr.Expr
				}
			case "resource":
				if len(b.Labels) == 2 {
					m.Resources[b.Labels[0]+"."+b.Labels[1]] = b
				}
			case "data":
				if len(b.Labels) == 2 {
					m.Data[b.Labels[0]+"."+b.Labels[1]] = b
				}
			case "module":
				if len(b.Labels) == 1 {
					m.ModuleCalls[b.Labels[0]] = b
				}
			}
		}
	}
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	return m, nil
}

func parseVariable(b *hclsyntax.Block) (*Variable, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	if len(b.Labels) != 1 {
		return nil, diags
	}
	v := &Variable{Name: b.Labels[0], Type: cty.DynamicPseudoType, Nullable: true}
	if attr, ok := b.Body.Attributes["type"]; ok {
		ty, defs, d := typeexpr.TypeConstraintWithDefaults(attr.Expr)
		diags = append(diags, d...)
		v.Type, v.Defaults = ty, defs
	}
	if attr, ok := b.Body.Attributes["default"]; ok {
		val, d := attr.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			conv, err := convertVar(v, val)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("variable %q: default does not match its type: %s", v.Name, err), Subject: attr.SrcRange.Ptr()})
			}
			v.HasDefault, v.Default = true, conv
		}
	}
	if attr, ok := b.Body.Attributes["nullable"]; ok {
		val, d := attr.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() && val.Type() == cty.Bool && !val.IsNull() {
			v.Nullable = val.True()
		}
	}
	for _, vb := range b.Body.Blocks {
		if vb.Type != "validation" {
			continue
		}
		cond, ok1 := vb.Body.Attributes["condition"]
		msg, ok2 := vb.Body.Attributes["error_message"]
		if !ok1 || !ok2 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "validation without condition or error_message", Subject: vb.DefRange().Ptr()})
			continue
		}
		v.Validations = append(v.Validations, Validation{Condition: cond.Expr, Message: msg.Expr, Range: vb.DefRange()})
	}
	return v, diags
}

// convertVar does what Terraform does with a variable's value: apply the
// optional() defaults of the type constraint, then convert to the type.
func convertVar(v *Variable, val cty.Value) (cty.Value, error) {
	if v.Defaults != nil && !val.IsNull() {
		val = v.Defaults.Apply(val)
	}
	return convert.Convert(val, v.Type)
}

// LoadTfvarsJSON reads a .tfvars.json file the way Terraform does (HCL's JSON
// syntax) and returns the raw value of every top-level key.
func LoadTfvarsJSON(path string) (map[string]cty.Value, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	file, diags := hclparse.NewParser().ParseJSON(src, path)
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	attrs, diags := file.Body.JustAttributes()
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	out := map[string]cty.Value{}
	for name, attr := range attrs {
		val, d := attr.Expr.Value(nil)
		if d.HasErrors() {
			return nil, diagError(d)
		}
		out[name] = val
	}
	return out, nil
}

// Inputs binds a tfvars file to the module: every key must be a declared
// variable whose type accepts the value, every variable without a default must
// be set, and every variable validation must pass. It returns the final value
// of every variable (given or default) and the problems found.
func (m *Module) Inputs(raw map[string]cty.Value) (map[string]cty.Value, []error) {
	var errs []error
	vals := map[string]cty.Value{}
	for _, name := range sortedKeys(raw) {
		v, ok := m.Variables[name]
		if !ok {
			errs = append(errs, fmt.Errorf("key %q is not a variable of %s", name, m.Dir))
			continue
		}
		if raw[name].IsNull() && !v.Nullable {
			// nullable = false: Terraform uses the default for null.
			if !v.HasDefault {
				errs = append(errs, fmt.Errorf("variable %q must not be null", name))
				continue
			}
			vals[name] = v.Default
			continue
		}
		conv, err := convertVar(v, raw[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("variable %q: value does not match type %s: %s", name, typeexpr.TypeString(v.Type), describeConvErr(err)))
			continue
		}
		vals[name] = conv
	}
	for _, name := range sortedKeys(m.Variables) {
		v := m.Variables[name]
		if _, given := raw[name]; given {
			continue
		}
		if !v.HasDefault {
			errs = append(errs, fmt.Errorf("variable %q has no default and is not set", name))
			continue
		}
		vals[name] = v.Default
	}
	if len(errs) > 0 {
		return vals, errs
	}
	// Validations see only their own variable (Terraform < 1.9 semantics).
	for _, name := range sortedKeys(m.Variables) {
		v := m.Variables[name]
		for _, val := range v.Validations {
			ctx := &hcl.EvalContext{
				Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{name: vals[name]})},
				Functions: Functions(m.Dir),
			}
			ok, d := val.Condition.Value(ctx)
			if d.HasErrors() {
				errs = append(errs, fmt.Errorf("variable %q: validation at %s cannot be evaluated: %s", name, val.Range, diagError(d)))
				continue
			}
			if ok.IsNull() || !ok.IsKnown() || ok.Type() != cty.Bool {
				errs = append(errs, fmt.Errorf("variable %q: validation at %s is not a boolean", name, val.Range))
				continue
			}
			if ok.False() {
				msg, d := val.Message.Value(ctx)
				text := "(error_message cannot be evaluated)"
				if !d.HasErrors() && msg.Type() == cty.String && msg.IsKnown() && !msg.IsNull() {
					text = msg.AsString()
				}
				errs = append(errs, fmt.Errorf("variable %q: validation failed: %s", name, text))
			}
		}
	}
	return vals, errs
}

// Evaluator evaluates locals and resource arguments of a module for one set of
// variable values. Locals are evaluated lazily, only those referenced, and so
// are the placeholders of the objects referenced (resources.go).
type Evaluator struct {
	m       *Module
	vars    map[string]cty.Value
	locals  map[string]cty.Value
	objects map[string]cty.Value
	// evaluated instances by address (resources.go)
	evaluated map[string]map[string]*Instance
	// objectVarsCache holds objectVars until another object is computed.
	objectVarsCache map[string]cty.Value
	pending         map[string]bool
}

// NewEvaluator binds a module to variable values (from Inputs).
func (m *Module) NewEvaluator(vars map[string]cty.Value) *Evaluator {
	return &Evaluator{m: m, vars: vars, locals: map[string]cty.Value{}, objects: map[string]cty.Value{}, evaluated: map[string]map[string]*Instance{}, pending: map[string]bool{}}
}

// Var returns the value of var.<name> (given or default).
func (e *Evaluator) Var(name string) cty.Value { return e.vars[name] }

func (e *Evaluator) ctx(extra map[string]cty.Value) *hcl.EvalContext {
	abs, _ := filepath.Abs(e.m.Dir)
	vars := e.objectVars()
	for k, v := range map[string]cty.Value{
		"var":   cty.ObjectVal(e.vars),
		"local": cty.ObjectVal(e.locals),
		"path":  cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal(abs), "root": cty.StringVal(abs), "cwd": cty.StringVal(abs)}),
	} {
		vars[k] = v
	}
	for k, v := range extra {
		vars[k] = v
	}
	return &hcl.EvalContext{Variables: vars, Functions: Functions(e.m.Dir)}
}

// Local returns the value of local.<name>.
func (e *Evaluator) Local(name string) (cty.Value, error) {
	if v, ok := e.locals[name]; ok {
		return v, nil
	}
	expr, ok := e.m.Locals[name]
	if !ok {
		return cty.NilVal, fmt.Errorf("local.%s is not declared", name)
	}
	if e.pending[name] {
		return cty.NilVal, fmt.Errorf("local.%s refers to itself", name)
	}
	e.pending[name] = true
	defer delete(e.pending, name)
	if err := e.resolve(expr); err != nil {
		return cty.NilVal, fmt.Errorf("local.%s: %w", name, err)
	}
	v, d := expr.Value(e.ctx(nil))
	if d.HasErrors() {
		return cty.NilVal, fmt.Errorf("local.%s: %w", name, diagError(d))
	}
	e.locals[name] = v
	return v, nil
}

// resolve evaluates the locals and the object placeholders an expression
// refers to.
func (e *Evaluator) resolve(expr hcl.Expression) error {
	if err := e.resolveObjects(expr); err != nil {
		return err
	}
	for _, tr := range expr.Variables() {
		if tr.RootName() != "local" || len(tr) < 2 {
			continue
		}
		attr, ok := tr[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		if _, err := e.Local(attr.Name); err != nil {
			return err
		}
	}
	return nil
}

// Eval evaluates an expression with var, local, path and the extra variables
// (each, a dynamic block iterator, ...).
func (e *Evaluator) Eval(expr hcl.Expression, extra map[string]cty.Value) (cty.Value, error) {
	if err := e.resolve(expr); err != nil {
		return cty.NilVal, err
	}
	v, d := expr.Value(e.ctx(extra))
	if d.HasErrors() {
		return cty.NilVal, diagError(d)
	}
	return v, nil
}

// Taint is a node taint in Kubernetes spelling (effect NoSchedule, ...).
type Taint struct {
	Key, Value, Effect string
}

func (t Taint) String() string { return fmt.Sprintf("%s=%s:%s", t.Key, t.Value, t.Effect) }

// NodeGroup is what one aws_eks_node_group instance applies to its nodes.
type NodeGroup struct {
	Labels map[string]string
	// Taints as EKS receives them (effect NO_SCHEDULE, ...).
	EKSTaints []Taint
}

// NodeGroups evaluates the (single) aws_eks_node_group resource for every
// for_each key: its labels argument and its taint blocks, static or dynamic,
// exactly as written in the configuration.
func (e *Evaluator) NodeGroups() (map[string]NodeGroup, error) {
	var block *hclsyntax.Block
	for _, addr := range sortedKeys(e.m.Resources) {
		if strings.HasPrefix(addr, "aws_eks_node_group.") {
			if block != nil {
				return nil, fmt.Errorf("more than one aws_eks_node_group resource; the check expects one with for_each over the node pools")
			}
			block = e.m.Resources[addr]
		}
	}
	if block == nil {
		return nil, fmt.Errorf("no aws_eks_node_group resource")
	}
	fe, ok := block.Body.Attributes["for_each"]
	if !ok {
		return nil, fmt.Errorf("aws_eks_node_group has no for_each")
	}
	coll, err := e.Eval(fe.Expr, nil)
	if err != nil {
		return nil, fmt.Errorf("aws_eks_node_group for_each: %w", err)
	}
	if !coll.CanIterateElements() {
		return nil, fmt.Errorf("aws_eks_node_group for_each is not a map")
	}
	out := map[string]NodeGroup{}
	for it := coll.ElementIterator(); it.Next(); {
		k, v := it.Element()
		if k.Type() != cty.String {
			return nil, fmt.Errorf("aws_eks_node_group for_each must be a map")
		}
		key := k.AsString()
		each := map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
		ng := NodeGroup{Labels: map[string]string{}}
		if la, ok := block.Body.Attributes["labels"]; ok {
			lv, err := e.Eval(la.Expr, each)
			if err != nil {
				return nil, fmt.Errorf("node group %q labels: %w", key, err)
			}
			if err := toStringMap(lv, ng.Labels); err != nil {
				return nil, fmt.Errorf("node group %q labels: %w", key, err)
			}
		}
		for _, b := range block.Body.Blocks {
			switch {
			case b.Type == "taint":
				t, err := e.taintBlock(b.Body, each)
				if err != nil {
					return nil, fmt.Errorf("node group %q taint: %w", key, err)
				}
				ng.EKSTaints = append(ng.EKSTaints, t)
			case b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == "taint":
				ts, err := e.dynamicTaints(b, each)
				if err != nil {
					return nil, fmt.Errorf("node group %q dynamic taint: %w", key, err)
				}
				ng.EKSTaints = append(ng.EKSTaints, ts...)
			}
		}
		out[key] = ng
	}
	return out, nil
}

func (e *Evaluator) dynamicTaints(b *hclsyntax.Block, each map[string]cty.Value) ([]Taint, error) {
	iterName := "taint"
	if it, ok := b.Body.Attributes["iterator"]; ok {
		tr, d := hcl.AbsTraversalForExpr(it.Expr)
		if d.HasErrors() || len(tr) != 1 {
			return nil, fmt.Errorf("bad iterator")
		}
		iterName = tr.RootName()
	}
	fe, ok := b.Body.Attributes["for_each"]
	if !ok {
		return nil, fmt.Errorf("no for_each")
	}
	coll, err := e.Eval(fe.Expr, each)
	if err != nil {
		return nil, err
	}
	var content *hclsyntax.Body
	for _, cb := range b.Body.Blocks {
		if cb.Type == "content" {
			content = cb.Body
		}
	}
	if content == nil {
		return nil, fmt.Errorf("no content block")
	}
	var out []Taint
	for it := coll.ElementIterator(); it.Next(); {
		k, v := it.Element()
		extra := map[string]cty.Value{iterName: cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
		for n, val := range each {
			extra[n] = val
		}
		t, err := e.taintBlock(content, extra)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (e *Evaluator) taintBlock(body *hclsyntax.Body, extra map[string]cty.Value) (Taint, error) {
	var t Taint
	for name, dst := range map[string]*string{"key": &t.Key, "value": &t.Value, "effect": &t.Effect} {
		attr, ok := body.Attributes[name]
		if !ok {
			continue
		}
		v, err := e.Eval(attr.Expr, extra)
		if err != nil {
			return t, fmt.Errorf("%s: %w", name, err)
		}
		if v.IsNull() {
			continue
		}
		s, err := convert.Convert(v, cty.String)
		if err != nil || !s.IsKnown() {
			return t, fmt.Errorf("%s is not a string", name)
		}
		*dst = s.AsString()
	}
	return t, nil
}

func toStringMap(v cty.Value, dst map[string]string) error {
	if v.IsNull() {
		return nil
	}
	if !v.CanIterateElements() {
		return fmt.Errorf("not a map")
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		s, err := convert.Convert(e, cty.String)
		if err != nil || s.IsNull() || k.Type() != cty.String {
			return fmt.Errorf("not a map of strings")
		}
		dst[k.AsString()] = s.AsString()
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func describeConvErr(err error) string {
	if pe, ok := err.(cty.PathError); ok && len(pe.Path) > 0 {
		return fmt.Sprintf("%s: %s", pathString(pe.Path), pe.Error())
	}
	return err.Error()
}

func pathString(p cty.Path) string {
	var sb strings.Builder
	for _, step := range p {
		switch s := step.(type) {
		case cty.GetAttrStep:
			sb.WriteString("." + s.Name)
		case cty.IndexStep:
			if s.Key.Type() == cty.String {
				sb.WriteString(fmt.Sprintf("[%q]", s.Key.AsString()))
			} else if s.Key.Type() == cty.Number {
				sb.WriteString("[" + s.Key.AsBigFloat().String() + "]")
			}
		}
	}
	return sb.String()
}

type diagErr struct{ diags hcl.Diagnostics }

func (d diagErr) Error() string {
	var parts []string
	for _, x := range d.diags {
		if x.Severity != hcl.DiagError {
			continue
		}
		s := x.Summary
		if x.Detail != "" {
			s += ": " + x.Detail
		}
		if x.Subject != nil {
			s = x.Subject.String() + ": " + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func diagError(d hcl.Diagnostics) error { return diagErr{d} }

// ctyFromJSON reads a JSON value the way a .tfvars.json value is read.
func ctyFromJSON(src string) (cty.Value, error) {
	file, diags := hclparse.NewParser().ParseJSON([]byte(`{"v": `+src+`}`), "inline.json")
	if diags.HasErrors() {
		return cty.NilVal, diagError(diags)
	}
	attrs, diags := file.Body.JustAttributes()
	if diags.HasErrors() {
		return cty.NilVal, diagError(diags)
	}
	v, diags := attrs["v"].Expr.Value(nil)
	if diags.HasErrors() {
		return cty.NilVal, diagError(diags)
	}
	return v, nil
}
