package check

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Resources, data sources and module calls are evaluated without state: a
// reference to another object's attribute evaluates to a placeholder string
// naming it, "<type>.<name>[<key>].<attribute>" (data sources with a "data."
// prefix, module outputs with "module."). So an argument that points at
// another resource can be checked for pointing at the right one, and
// everything computed from variables and locals has its real value.
//
// Placeholders carry every attribute name the configuration uses anywhere,
// so any reference the configuration makes resolves.

// Instance is one evaluated instance of a resource, data source or nested
// block: its arguments and its nested blocks in source order (dynamic blocks
// expanded).
type Instance struct {
	Addr      string
	Type      string
	Attrs     map[string]cty.Value
	Blocks    []*Instance
	DependsOn []string
}

// Block returns the first nested block of type typ, or nil.
func (i *Instance) Block(typ string) *Instance {
	for _, b := range i.Blocks {
		if b.Type == typ {
			return b
		}
	}
	return nil
}

// All returns the nested blocks of type typ.
func (i *Instance) All(typ string) []*Instance {
	var out []*Instance
	for _, b := range i.Blocks {
		if b.Type == typ {
			out = append(out, b)
		}
	}
	return out
}

// Get returns the argument at a dotted path through nested blocks (the first
// block of each type), e.g. "metadata_options.http_tokens"; cty.NilVal when
// it is not set.
func (i *Instance) Get(path string) cty.Value {
	parts := strings.Split(path, ".")
	cur := i
	for _, p := range parts[:len(parts)-1] {
		if cur = cur.Block(p); cur == nil {
			return cty.NilVal
		}
	}
	v, ok := cur.Attrs[parts[len(parts)-1]]
	if !ok {
		return cty.NilVal
	}
	return v
}

// String returns a string argument ("" when unset or null).
func (i *Instance) String(path string) string {
	s, _ := asString(i.Get(path))
	return s
}

// Bool returns a bool argument and whether it is set to a known bool.
func (i *Instance) Bool(path string) (bool, bool) {
	v := i.Get(path)
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() {
		return false, false
	}
	b, err := convert.Convert(v, cty.Bool)
	if err != nil {
		return false, false
	}
	return b.True(), true
}

// Number returns a number argument and whether it is set.
func (i *Instance) Number(path string) (float64, bool) {
	v := i.Get(path)
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() {
		return 0, false
	}
	n, err := convert.Convert(v, cty.Number)
	if err != nil {
		return 0, false
	}
	f, _ := n.AsBigFloat().Float64()
	return f, true
}

// Strings returns a list or set of strings argument.
func (i *Instance) Strings(path string) []string {
	return asStrings(i.Get(path))
}

// Has reports whether the argument or nested block is present.
func (i *Instance) Has(name string) bool {
	if v, ok := i.Attrs[name]; ok && !v.IsNull() {
		return true
	}
	return i.Block(name) != nil
}

func asString(v cty.Value) (string, bool) {
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() {
		return "", false
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		return "", false
	}
	return s.AsString(), true
}

func asStrings(v cty.Value) []string {
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() || !v.CanIterateElements() {
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if s, ok := asString(e); ok {
			out = append(out, s)
		}
	}
	return out
}

// metaArguments are not arguments of the object itself.
var metaArguments = map[string]bool{"for_each": true, "count": true, "depends_on": true, "provider": true, "providers": true}

// metaBlocks are skipped (lifecycle holds preconditions, which may refer to self).
var metaBlocks = map[string]bool{"lifecycle": true, "provisioner": true, "connection": true}

// Resource evaluates every instance of resource "<type>.<name>", keyed by
// instance key ("" without for_each or count, the for_each key, or the count
// index).
func (e *Evaluator) Resource(addr string) (map[string]*Instance, error) {
	b, ok := e.m.Resources[addr]
	if !ok {
		return nil, fmt.Errorf("resource %s is not declared", addr)
	}
	return e.instances(addr, b)
}

// The evaluated instances of an address are kept: an evaluator is bound to
// one set of inputs.

// DataSource evaluates data "<type>" "<name>" (addr "<type>.<name>").
func (e *Evaluator) DataSource(addr string) (map[string]*Instance, error) {
	b, ok := e.m.Data[addr]
	if !ok {
		return nil, fmt.Errorf("data source %s is not declared", addr)
	}
	return e.instances("data."+addr, b)
}

// ResourcesOfType evaluates every instance of every resource of a type,
// keyed by instance address (aws_kms_key.logs, aws_launch_template.node["system"]).
func (e *Evaluator) ResourcesOfType(typ string) (map[string]*Instance, error) {
	out := map[string]*Instance{}
	for _, addr := range sortedKeys(e.m.Resources) {
		if !strings.HasPrefix(addr, typ+".") {
			continue
		}
		insts, err := e.Resource(addr)
		if err != nil {
			return nil, err
		}
		for _, in := range insts {
			out[in.Addr] = in
		}
	}
	return out, nil
}

// InstanceAt finds the instance a placeholder or address names, e.g.
// "aws_kms_key.logs" or `aws_launch_template.node["system"]` (a trailing
// ".<attribute>" is ignored when ref is a placeholder), and the attribute.
func (e *Evaluator) InstanceAt(ref string) (*Instance, string, error) {
	addr, attr := splitPlaceholder(ref)
	key := ""
	base := addr
	if i := strings.Index(addr, "["); i >= 0 {
		base, key = addr[:i], strings.TrimSuffix(addr[i+1:], "]")
		if uq, err := strconv.Unquote(key); err == nil {
			key = uq
		}
	}
	var insts map[string]*Instance
	var err error
	if strings.HasPrefix(base, "data.") {
		insts, err = e.DataSource(strings.TrimPrefix(base, "data."))
	} else {
		insts, err = e.Resource(base)
	}
	if err != nil {
		return nil, "", err
	}
	in, ok := insts[key]
	if !ok {
		return nil, "", fmt.Errorf("%s has no instance %q", base, key)
	}
	return in, attr, nil
}

// splitPlaceholder splits "aws_kms_key.logs.arn" into the address and the
// attribute ("aws_kms_key.logs", "arn"); data.* and indexed addresses too.
func splitPlaceholder(ref string) (addr, attr string) {
	// The address is <type>.<name> (data.<type>.<name>) with an optional [key].
	rest := ref
	prefix := ""
	if strings.HasPrefix(rest, "data.") {
		prefix, rest = "data.", strings.TrimPrefix(rest, "data.")
	}
	parts := strings.SplitN(rest, ".", 2)
	if len(parts) < 2 {
		return ref, ""
	}
	nameAndRest := parts[1]
	end := strings.IndexAny(nameAndRest, ".[")
	if end < 0 {
		return ref, ""
	}
	if nameAndRest[end] == '[' {
		close := strings.Index(nameAndRest[end:], "]")
		if close < 0 {
			return ref, ""
		}
		end += close + 1
	}
	addr = prefix + parts[0] + "." + nameAndRest[:end]
	attr = strings.TrimPrefix(nameAndRest[end:], ".")
	return addr, attr
}

// Placeholder is the value a reference to attribute attr of the object at addr
// evaluates to.
func Placeholder(addr, attr string) string { return addr + "." + attr }

func (e *Evaluator) instances(addr string, b *hclsyntax.Block) (map[string]*Instance, error) {
	if insts, ok := e.evaluated[addr]; ok {
		return insts, nil
	}
	keys, eachVals, counted, err := e.expansion(addr, b)
	if err != nil {
		return nil, err
	}
	out := map[string]*Instance{}
	for i, k := range keys {
		extra := map[string]cty.Value{}
		instAddr := addr
		switch {
		case counted:
			extra["count"] = cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(int64(i))})
			instAddr = fmt.Sprintf("%s[%s]", addr, k)
		case eachVals != nil:
			extra["each"] = cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(k), "value": eachVals[k]})
			instAddr = fmt.Sprintf("%s[%q]", addr, k)
		}
		in, err := e.evalBody(instAddr, b.Type, b.Body, extra)
		if err != nil {
			return nil, err
		}
		in.DependsOn, err = dependsOn(b.Body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
		out[k] = in
	}
	e.evaluated[addr] = out
	return out, nil
}

// expansion evaluates for_each or count: the instance keys, the each.value
// of every key (for_each) and whether the keys are count indexes.
func (e *Evaluator) expansion(addr string, b *hclsyntax.Block) ([]string, map[string]cty.Value, bool, error) {
	if fe, ok := b.Body.Attributes["for_each"]; ok {
		coll, err := e.Eval(fe.Expr, nil)
		if err != nil {
			return nil, nil, false, fmt.Errorf("%s for_each: %w", addr, err)
		}
		if coll.IsNull() || !coll.IsKnown() || !coll.CanIterateElements() {
			return nil, nil, false, fmt.Errorf("%s for_each is not a known map or set", addr)
		}
		vals := map[string]cty.Value{}
		ty := coll.Type()
		for it := coll.ElementIterator(); it.Next(); {
			k, v := it.Element()
			if ty.IsSetType() {
				k = v
			}
			s, ok := asString(k)
			if !ok {
				return nil, nil, false, fmt.Errorf("%s for_each keys must be strings", addr)
			}
			vals[s] = v
		}
		return sortedKeys(vals), vals, false, nil
	}
	if c, ok := b.Body.Attributes["count"]; ok {
		v, err := e.Eval(c.Expr, nil)
		if err != nil {
			return nil, nil, false, fmt.Errorf("%s count: %w", addr, err)
		}
		n, err := convert.Convert(v, cty.Number)
		if err != nil || n.IsNull() || !n.IsKnown() {
			return nil, nil, false, fmt.Errorf("%s count is not a known number", addr)
		}
		count, _ := n.AsBigFloat().Int64()
		keys := make([]string, count)
		for i := range keys {
			keys[i] = strconv.Itoa(i)
		}
		return keys, nil, true, nil
	}
	return []string{""}, nil, false, nil
}

func (e *Evaluator) evalBody(addr, typ string, body *hclsyntax.Body, extra map[string]cty.Value) (*Instance, error) {
	in := &Instance{Addr: addr, Type: typ, Attrs: map[string]cty.Value{}}
	for _, name := range sortedKeys(body.Attributes) {
		if metaArguments[name] {
			continue
		}
		v, err := e.Eval(body.Attributes[name].Expr, extra)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", addr, name, err)
		}
		in.Attrs[name] = v
	}
	for _, b := range body.Blocks {
		switch {
		case metaBlocks[b.Type]:
		case b.Type == "dynamic" && len(b.Labels) == 1:
			blocks, err := e.dynamicBlocks(addr, b, extra)
			if err != nil {
				return nil, err
			}
			in.Blocks = append(in.Blocks, blocks...)
		default:
			nested, err := e.evalBody(addr+"."+b.Type, b.Type, b.Body, extra)
			if err != nil {
				return nil, err
			}
			in.Blocks = append(in.Blocks, nested)
		}
	}
	return in, nil
}

func (e *Evaluator) dynamicBlocks(addr string, b *hclsyntax.Block, extra map[string]cty.Value) ([]*Instance, error) {
	label := b.Labels[0]
	iter := label
	if it, ok := b.Body.Attributes["iterator"]; ok {
		tr, d := hcl.AbsTraversalForExpr(it.Expr)
		if d.HasErrors() || len(tr) != 1 {
			return nil, fmt.Errorf("%s: dynamic %q: bad iterator", addr, label)
		}
		iter = tr.RootName()
	}
	fe, ok := b.Body.Attributes["for_each"]
	if !ok {
		return nil, fmt.Errorf("%s: dynamic %q has no for_each", addr, label)
	}
	coll, err := e.Eval(fe.Expr, extra)
	if err != nil {
		return nil, fmt.Errorf("%s: dynamic %q for_each: %w", addr, label, err)
	}
	var content *hclsyntax.Body
	for _, cb := range b.Body.Blocks {
		if cb.Type == "content" {
			content = cb.Body
		}
	}
	if content == nil {
		return nil, fmt.Errorf("%s: dynamic %q has no content", addr, label)
	}
	var out []*Instance
	for it := coll.ElementIterator(); it.Next(); {
		k, v := it.Element()
		inner := map[string]cty.Value{iter: cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
		for n, val := range extra {
			inner[n] = val
		}
		nested, err := e.evalBody(addr+"."+label, label, content, inner)
		if err != nil {
			return nil, err
		}
		out = append(out, nested)
	}
	return out, nil
}

// dependsOn returns the addresses in depends_on, as written.
func dependsOn(body *hclsyntax.Body) ([]string, error) {
	attr, ok := body.Attributes["depends_on"]
	if !ok {
		return nil, nil
	}
	exprs, d := hcl.ExprList(attr.Expr)
	if d.HasErrors() {
		return nil, diagError(d)
	}
	var out []string
	for _, x := range exprs {
		tr, d := hcl.AbsTraversalForExpr(x)
		if d.HasErrors() {
			return nil, diagError(d)
		}
		out = append(out, traversalString(tr))
	}
	return out, nil
}

func traversalString(tr hcl.Traversal) string {
	var sb strings.Builder
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			sb.WriteString(s.Name)
		case hcl.TraverseAttr:
			sb.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() == cty.String {
				sb.WriteString(fmt.Sprintf("[%q]", s.Key.AsString()))
			} else {
				sb.WriteString("[" + s.Key.AsBigFloat().String() + "]")
			}
		}
	}
	return sb.String()
}

// ---- placeholders for references ---------------------------------------------------

// builtinRoots are the reference roots that are not resources.
var builtinRoots = map[string]bool{"var": true, "local": true, "path": true, "each": true, "count": true, "self": true, "terraform": true}

// resolveObjects evaluates the placeholder value of every resource, data
// source and module call an expression refers to.
func (e *Evaluator) resolveObjects(expr hcl.Expression) error {
	for _, tr := range expr.Variables() {
		root := tr.RootName()
		if builtinRoots[root] || len(tr) < 2 {
			continue
		}
		name := func(i int) string {
			if i >= len(tr) {
				return ""
			}
			a, _ := tr[i].(hcl.TraverseAttr)
			return a.Name
		}
		switch root {
		case "data":
			key := name(1) + "." + name(2)
			if b, ok := e.m.Data[key]; ok {
				if err := e.object("data", key, b); err != nil {
					return err
				}
			}
		case "module":
			if b, ok := e.m.ModuleCalls[name(1)]; ok {
				if err := e.object("module", name(1), b); err != nil {
					return err
				}
			}
		default:
			key := root + "." + name(1)
			if b, ok := e.m.Resources[key]; ok {
				if err := e.object("", key, b); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// object computes the placeholder value of one resource ("" kind), data
// source or module call, expanded by for_each or count like the real thing.
func (e *Evaluator) object(kind, key string, b *hclsyntax.Block) error {
	id := kind + ":" + key
	if _, done := e.objects[id]; done {
		return nil
	}
	if e.pending[id] {
		return fmt.Errorf("%s refers to itself", key)
	}
	e.pending[id] = true
	defer delete(e.pending, id)
	addr := key
	if kind != "" {
		addr = kind + "." + key
	}
	var val cty.Value
	if kind == "module" {
		val = e.placeholder(addr)
	} else {
		keys, _, counted, err := e.expansion(addr, b)
		if err != nil {
			return err
		}
		_, hasForEach := b.Body.Attributes["for_each"]
		switch {
		case counted:
			elems := make([]cty.Value, len(keys))
			for i, k := range keys {
				elems[i] = e.placeholder(fmt.Sprintf("%s[%s]", addr, k))
			}
			val = cty.TupleVal(elems)
		case hasForEach:
			elems := map[string]cty.Value{}
			for _, k := range keys {
				elems[k] = e.placeholder(fmt.Sprintf("%s[%q]", addr, k))
			}
			val = cty.ObjectVal(elems)
		default:
			val = e.placeholder(addr)
		}
	}
	e.objects[id] = val
	e.objectVarsCache = nil
	return nil
}

// placeholder is the value of a reference to the object at addr: every
// attribute a placeholder string, except those the configuration indexes
// (nested blocks such as vpc_config[0]), which are a one-element list of
// such objects.
func (e *Evaluator) placeholder(addr string) cty.Value {
	attrs := map[string]cty.Value{}
	for name, indexed := range e.m.AttrNames {
		if indexed {
			attrs[name] = cty.TupleVal([]cty.Value{e.flatPlaceholder(addr + "." + name + "[0]")})
			continue
		}
		attrs[name] = cty.StringVal(Placeholder(addr, name))
	}
	return cty.ObjectVal(attrs)
}

func (e *Evaluator) flatPlaceholder(addr string) cty.Value {
	attrs := map[string]cty.Value{}
	for name := range e.m.AttrNames {
		attrs[name] = cty.StringVal(Placeholder(addr, name))
	}
	return cty.ObjectVal(attrs)
}

// objectVars returns the resource types, "data" and "module" as evaluation
// variables, from the objects computed so far.
func (e *Evaluator) objectVars() map[string]cty.Value {
	if e.objectVarsCache == nil {
		e.objectVarsCache = e.buildObjectVars()
	}
	out := make(map[string]cty.Value, len(e.objectVarsCache))
	for k, v := range e.objectVarsCache {
		out[k] = v
	}
	return out
}

func (e *Evaluator) buildObjectVars() map[string]cty.Value {
	byRoot := map[string]map[string]cty.Value{}
	dataByType := map[string]map[string]cty.Value{}
	for id, v := range e.objects {
		kind, key, _ := strings.Cut(id, ":")
		typ, name, _ := strings.Cut(key, ".")
		switch kind {
		case "module":
			if byRoot["module"] == nil {
				byRoot["module"] = map[string]cty.Value{}
			}
			byRoot["module"][key] = v
		case "data":
			if dataByType[typ] == nil {
				dataByType[typ] = map[string]cty.Value{}
			}
			dataByType[typ][name] = v
		default:
			if byRoot[typ] == nil {
				byRoot[typ] = map[string]cty.Value{}
			}
			byRoot[typ][name] = v
		}
	}
	out := map[string]cty.Value{}
	for root, m := range byRoot {
		out[root] = cty.ObjectVal(m)
	}
	if len(dataByType) > 0 {
		data := map[string]cty.Value{}
		for typ, m := range dataByType {
			data[typ] = cty.ObjectVal(m)
		}
		out["data"] = cty.ObjectVal(data)
	}
	return out
}

// collectAttrNames gathers every attribute name used in a traversal anywhere
// in body: the attributes placeholders must have. The value is true for a
// name that is indexed right after (vpc_config[0]).
func collectAttrNames(body *hclsyntax.Body, into map[string]bool) {
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		var tr hcl.Traversal
		switch x := n.(type) {
		case *hclsyntax.ScopeTraversalExpr:
			tr = x.Traversal
		case *hclsyntax.RelativeTraversalExpr:
			tr = x.Traversal
		}
		for i, step := range tr {
			if a, ok := step.(hcl.TraverseAttr); ok {
				indexed := into[a.Name]
				if i+1 < len(tr) {
					if _, ok := tr[i+1].(hcl.TraverseIndex); ok {
						indexed = true
					}
				}
				into[a.Name] = indexed
			}
		}
		return nil
	})
}

// sortedInstances returns instances in address order.
func sortedInstances(m map[string]*Instance) []*Instance {
	out := make([]*Instance, 0, len(m))
	for _, in := range m {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out
}
