package importer

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// envTrees groups the objects by rendered tree when the input holds several (each
// tree is the folder above a bootstrap/ folder holding a root Application); nil for
// one tree.
func envTrees(objs []*Object) map[string][]*Object {
	var roots []string
	for _, o := range objs {
		if o.Kind == "Application" && strings.HasSuffix(o.Name, "-root") && filepath.Base(filepath.Dir(o.File)) == "bootstrap" {
			roots = append(roots, filepath.Dir(filepath.Dir(o.File)))
		}
	}
	if len(roots) < 2 {
		return nil
	}
	trees := map[string][]*Object{}
	for _, o := range objs {
		for _, r := range roots {
			if strings.HasPrefix(o.File, r+string(filepath.Separator)) {
				trees[r] = append(trees[r], o)
			}
		}
	}
	return trees
}

// importEnvironments imports each tree and folds them into one spec with an
// environment per tree: the base holds, for each part of the spec, the value most
// environments share, and each environment says how it differs with the shorthand
// fields where they apply and merge patches for the rest. Trees that differ in what
// no environment can override (the provider, the cluster, metadata) are an error
// (import them one by one).
func importEnvironments(trees map[string][]*Object, opts Options) *Result {
	dirs := make([]string, 0, len(trees))
	for d := range trees {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	out := &Result{Notes: map[string]string{}, envDirs: map[string]string{}}
	var names []string
	specs := map[string]*schema.Platform{}    // each environment's spec, named as the base
	shorts := map[string]schema.Environment{} // each environment's shorthand fields
	var baseName, basePath string
	for _, d := range dirs {
		env := filepath.Base(d)
		r := Import(trees[d], opts)
		if len(r.Problems) > 0 {
			return r
		}
		p := r.Platform
		name, okName := strings.CutSuffix(p.Metadata.Name, "-"+env)
		path, okPath := strings.CutSuffix(p.Spec.Git.Path, "/"+env)
		if !okName || !okPath || (names != nil && (name != baseName || path != basePath)) {
			out.Problems = append(out.Problems, Problem{File: d, Message: fmt.Sprintf("several platforms in the input (%s is %s at %s): import each tree separately", d, p.Metadata.Name, p.Spec.Git.Path)})
			return out
		}
		if names == nil {
			baseName, basePath = name, path
		}
		names = append(names, env)
		out.envDirs[env] = d
		out.Losses = append(out.Losses, r.Losses...)
		for _, df := range r.Differences {
			out.Differences = append(out.Differences, env+": "+df)
		}
		shorts[env] = environment(p)
		q := p.DeepCopy()
		q.Metadata.Name, q.Spec.Git.Path = name, path
		specs[env] = q
	}
	base, err := chooseBase(names, specs, shorts)
	if err != nil {
		out.Problems = append(out.Problems, Problem{Message: err.Error()})
		return out
	}
	for _, env := range names {
		if msg := patchEnvironment(base, env, specs[env]); msg != "" {
			out.Problems = append(out.Problems, Problem{Message: msg})
			return out
		}
	}
	out.Platform = base
	sortFindings(out.Losses)
	return out
}

// patchEnvironment adds to the environment env of base (which holds its shorthand
// fields) the merge patches that make its spec want, or says why it cannot. Parts that
// differ only in values the defaults fill are not patched, unless the patched spec
// still differs from want (then every part written differently is).
func patchEnvironment(base *schema.Platform, env string, want *schema.Platform) string {
	shorthands := applicable(base.Spec.Environments[env], base)
	for _, strict := range []bool{false, true} {
		e, err := environmentPatches(base, env, shorthands, want, strict)
		if err != nil {
			return fmt.Sprintf("environment %s: %v", env, err)
		}
		base.Spec.Environments[env] = e
		merged, _, errs := base.Environment(env)
		if len(errs) > 0 {
			return fmt.Sprintf("environment %s: %v", env, errs.ToAggregate())
		}
		f := firstDifference(normal(merged), normal(want))
		if f == "" {
			return ""
		}
		if strict {
			if list, ok := strings.CutPrefix(f, "spec."); ok && namedList(list) != nil && !slices.Equal(itemNames(merged, list), itemNames(want, list)) {
				return fmt.Sprintf("environment %s lists %s in another order than the others, which environments cannot override: import each tree separately", env, f)
			}
			return fmt.Sprintf("environment %s differs from the others in %s, which environments cannot override: import each tree separately", env, f)
		}
	}
	return ""
}

// environmentPatches returns the environment e (its shorthands) with the merge patches
// that turn the base's spec for env into want: one per top-level part, app, route and
// mesh route that differs (in its defaulted form, or as written when strict), null for
// an app, route or mesh route want lacks (but for routes dropped with their app).
func environmentPatches(base *schema.Platform, env string, e schema.Environment, want *schema.Platform, strict bool) (schema.Environment, error) {
	e.Apps, e.Routes, e.MeshRoutes = nil, nil, nil
	ev := reflect.ValueOf(&e).Elem()
	for _, f := range patchParts() {
		ev.FieldByIndex(f.index).Set(reflect.Zero(f.typ))
	}
	base.Spec.Environments[env] = e
	wantParts, wantRaw := parts(want), rawJSON(want)
	differs := func(key string, have map[string]any, haveRaw map[string]any) bool {
		if strict {
			return !reflect.DeepEqual(haveRaw[key], wantRaw[key])
		}
		return !reflect.DeepEqual(have[key], wantParts[key])
	}
	// The top-level parts and the apps first, then the routes and mesh routes of the
	// spec with those patches (dropping an app drops the routes that reach only it).
	for _, lists := range [][]string{{"apps"}, {"routes", "meshRoutes"}} {
		merged, _, errs := base.Environment(env)
		if len(errs) > 0 {
			return e, errs.ToAggregate()
		}
		have, haveRaw := parts(merged), rawJSON(merged)
		if lists[0] == "apps" {
			for _, f := range patchParts() {
				key := "spec." + f.name
				if !differs(key, have, haveRaw) {
					continue
				}
				if d, ok := mergeDiff(object(haveRaw[key]), object(wantRaw[key])); ok {
					ev.FieldByIndex(f.index).Set(reflect.ValueOf(&schema.Patch{Value: d}))
				}
			}
		}
		for _, list := range lists {
			patches := map[string]schema.Patch{}
			for _, name := range itemNames(merged, list) {
				key := itemKey(list, name)
				w, ok := wantRaw[key]
				switch {
				case !ok:
					patches[name] = schema.Patch{Value: nil}
				case differs(key, have, haveRaw):
					if d, ok := mergeDiff(haveRaw[key], w); ok {
						patches[name] = schema.Patch{Value: d}
					}
				}
			}
			if len(patches) > 0 {
				*namedList(list)(&e) = patches
			}
		}
		base.Spec.Environments[env] = e
	}
	return e, nil
}

// A patchPart is a field of schema.Environment that merge-patches a top-level part of
// the spec (git, gateway, ...), named as that part.
type patchPart struct {
	name  string
	index []int
	typ   reflect.Type
}

// patchParts are the parts of the spec environments patch, as schema.Environment
// declares them (its *schema.Patch fields).
func patchParts() []patchPart {
	var out []patchPart
	t := reflect.TypeFor[schema.Environment]()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type != reflect.TypeFor[*schema.Patch]() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, patchPart{name: name, index: f.Index, typ: f.Type})
	}
	return out
}

// namedList returns the field of an environment patching the items of list by name, or
// nil when list is not one of apps, routes, meshRoutes.
func namedList(list string) func(*schema.Environment) *map[string]schema.Patch {
	switch list {
	case "apps":
		return func(e *schema.Environment) *map[string]schema.Patch { return &e.Apps }
	case "routes":
		return func(e *schema.Environment) *map[string]schema.Patch { return &e.Routes }
	case "meshRoutes":
		return func(e *schema.Environment) *map[string]schema.Patch { return &e.MeshRoutes }
	}
	return nil
}

var namedLists = []string{"apps", "routes", "meshRoutes"}

// itemNames are the names environments patch the items of list by, in order.
func itemNames(p *schema.Platform, list string) []string {
	var out []string
	switch list {
	case "apps":
		for _, a := range p.Spec.Apps {
			out = append(out, a.Name)
		}
	case "routes":
		for _, r := range p.Spec.Routes {
			out = append(out, or(r.Name, schema.RouteName(r)))
		}
	case "meshRoutes":
		for _, r := range p.Spec.MeshRoutes {
			out = append(out, r.Name)
		}
	}
	return out
}

func itemKey(list, name string) string { return "spec." + list + "[" + name + "]" }

// parts splits the defaulted JSON form of p (normal) into the parts an environment
// overrides one by one: apiVersion, kind, metadata, spec.<field>, and the items of
// the named lists as spec.<list>[<name>].
func parts(p *schema.Platform) map[string]any { return split(p, normal(p)) }

// rawJSON is parts of p as written (not defaulted).
func rawJSON(p *schema.Platform) map[string]any {
	c := p.DeepCopy()
	c.Spec.Environments = nil
	b, _ := json.Marshal(c)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return split(p, m)
}

func split(p *schema.Platform, doc map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range doc {
		if k != "spec" {
			out[k] = v
		}
	}
	spec, _ := doc["spec"].(map[string]any)
	for k, v := range spec {
		if namedList(k) == nil {
			out["spec."+k] = v
		}
	}
	for _, list := range namedLists {
		items, _ := spec[list].([]any)
		for i, name := range itemNames(p, list) {
			if i < len(items) {
				if _, dup := out[itemKey(list, name)]; !dup {
					out[itemKey(list, name)] = items[i]
				}
			}
		}
	}
	delete(out, "spec.environments")
	return out
}

// object is v, or an empty object for a part that is absent.
func object(v any) any {
	if v == nil {
		return map[string]any{}
	}
	return v
}

// chooseBase builds the base spec of the environments names (specs, with their
// shorthand fields shorts): what every environment sets through a shorthand is left
// out, and each part (see parts) is the value of the environment whose value, with each
// environment's shorthands applied, is the one of most environments (the first
// environment's on a tie). Apps, routes and mesh routes are the union of the
// environments', in an order each environment's own follows where it can.
func chooseBase(names []string, specs map[string]*schema.Platform, shorts map[string]schema.Environment) (*schema.Platform, error) {
	cands := map[string]*schema.Platform{} // each environment's spec as a base
	raw := map[string]map[string]any{}
	for _, c := range names {
		b := specs[c].DeepCopy()
		b.Spec.Git.Revision, b.Spec.ArgoCD.Server = "", ""
		b.Spec.Environments = maps.Clone(shorts)
		stripOverridden(b)
		for e, short := range b.Spec.Environments {
			b.Spec.Environments[e] = applicable(short, b)
		}
		cands[c], raw[c] = b, rawJSON(b)
	}
	want := map[string]map[string]any{}
	seen := map[string]map[string]map[string]any{} // candidate -> environment -> parts
	for _, e := range names {
		want[e] = parts(specs[e])
	}
	for _, c := range names {
		seen[c] = map[string]map[string]any{}
		for _, e := range names {
			m, _, errs := cands[c].Environment(e)
			if len(errs) > 0 {
				return nil, fmt.Errorf("environment %s: %v", e, errs.ToAggregate())
			}
			seen[c][e] = parts(m)
		}
	}
	// vote returns the environment whose value of key suits most environments (among
	// those that have the key, for a list item).
	vote := func(key string, item bool) string {
		best, bestScore := "", -1
		for _, c := range names {
			if _, has := raw[c][key]; item && !has {
				continue
			}
			score := 0
			for _, e := range names {
				w, has := want[e][key]
				if item && !has {
					continue
				}
				if reflect.DeepEqual(seen[c][e][key], w) {
					score++
				}
			}
			if score > bestScore {
				best, bestScore = c, score
			}
		}
		return best
	}
	doc := map[string]any{}
	spec := map[string]any{}
	keys := map[string]bool{}
	for _, c := range names {
		for k := range raw[c] {
			keys[k] = true
		}
	}
	for k := range keys {
		if strings.Contains(k, "[") {
			continue
		}
		v, ok := raw[vote(k, false)][k]
		if !ok {
			continue
		}
		if part, ok := strings.CutPrefix(k, "spec."); ok {
			spec[part] = v
		} else {
			doc[k] = v
		}
	}
	for _, list := range namedLists {
		var orders [][]string
		for _, c := range names {
			orders = append(orders, itemNames(cands[c], list))
		}
		var items []any
		for _, name := range mergeOrder(orders) {
			items = append(items, raw[vote(itemKey(list, name), true)][itemKey(list, name)])
		}
		if len(items) > 0 {
			spec[list] = items
		}
	}
	doc["spec"] = spec
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var base schema.Platform
	if err := json.Unmarshal(b, &base); err != nil {
		return nil, err
	}
	base.Spec.Environments = maps.Clone(shorts)
	return &base, nil
}

// mergeOrder merges lists of names into one holding each name once, in which each
// list's names keep their order where the lists agree: a name the merged list lacks
// goes right after the name before it in its list.
func mergeOrder(lists [][]string) []string {
	var out []string
	for _, l := range lists {
		for i, n := range l {
			if slices.Contains(out, n) {
				continue
			}
			at := 0
			if i > 0 {
				at = slices.Index(out, l[i-1]) + 1
			}
			out = slices.Insert(out, at, n)
		}
	}
	return out
}

// mergeDiff returns the JSON merge patch (RFC 7386) that turns from into to, and
// whether they differ: objects are compared key by key (a key to lacks is null in the
// patch), anything else that differs is replaced whole (lists included). from and to
// are JSON values as encoding/json decodes them; to holds no nulls (a merge patch
// cannot set one).
func mergeDiff(from, to any) (any, bool) {
	f, fok := from.(map[string]any)
	t, tok := to.(map[string]any)
	if !fok || !tok {
		if reflect.DeepEqual(from, to) {
			return nil, false
		}
		return to, true
	}
	patch := map[string]any{}
	for k := range f {
		if _, ok := t[k]; !ok {
			patch[k] = nil
		}
	}
	for k, tv := range t {
		fv, ok := f[k]
		if !ok {
			patch[k] = tv
			continue
		}
		if d, ok := mergeDiff(fv, tv); ok {
			patch[k] = d
		}
	}
	return patch, len(patch) > 0
}

// environment is what an environment's spec sets among the fields environments override.
func environment(p *schema.Platform) schema.Environment {
	s := p.Spec
	e := schema.Environment{Revision: or(s.Git.Revision, schema.DefaultRevision), Server: s.ArgoCD.Server,
		Hostname: s.Gateway.Hostname, GatewayReplicas: s.Gateway.Replicas, VPCCIDR: s.Network.VPCCIDR}
	if h := s.Gateway.HTTPS; h != nil {
		e.CertificateSecret = h.CertificateSecret
	}
	lb := s.Gateway.LoadBalancer
	if !reflect.DeepEqual(lb, schema.LoadBalancer{}) {
		e.LoadBalancer = &lb
	}
	for i, r := range s.Routes {
		if i == 0 {
			e.Hostnames = r.Hostnames
		} else if !reflect.DeepEqual(r.Hostnames, e.Hostnames) {
			e.Hostnames = nil
			break
		}
	}
	for _, a := range s.Apps {
		if !a.Inline() {
			continue
		}
		if e.AppReplicas == 0 {
			e.AppReplicas = max(a.Replicas, 1)
		} else if max(a.Replicas, 1) != e.AppReplicas {
			e.AppReplicas = -1
		}
	}
	if e.AppReplicas < 0 {
		e.AppReplicas = 0
	}
	return e
}

// applicable is e without the shorthands that cannot apply to base: a certificate
// Secret when base has no HTTPS listener (the environment's gateway patch adds the
// listener with its Secret).
func applicable(e schema.Environment, base *schema.Platform) schema.Environment {
	if base.Spec.Gateway.HTTPS == nil {
		e.CertificateSecret = ""
	}
	return e
}

// stripOverridden clears from the base spec what every environment sets.
func stripOverridden(p *schema.Platform) {
	all := func(f func(schema.Environment) bool) bool {
		for _, e := range p.Spec.Environments {
			if !f(e) {
				return false
			}
		}
		return true
	}
	s := &p.Spec
	if all(func(e schema.Environment) bool { return len(e.Hostnames) > 0 }) {
		for i := range s.Routes {
			s.Routes[i].Hostnames = nil
		}
	}
	if all(func(e schema.Environment) bool { return e.AppReplicas > 0 }) {
		for i := range s.Apps {
			s.Apps[i].Replicas = 0
		}
	}
	if all(func(e schema.Environment) bool { return e.LoadBalancer != nil }) {
		s.Gateway.LoadBalancer = schema.LoadBalancer{}
	}
	if all(func(e schema.Environment) bool { return e.VPCCIDR != "" }) {
		s.Network.VPCCIDR = ""
	}
	if all(func(e schema.Environment) bool { return e.GatewayReplicas != 0 }) {
		s.Gateway.Replicas = 0
	}
}

// normal is a spec with its defaults, as JSON values, for comparison.
func normal(p *schema.Platform) map[string]any {
	c := p.DeepCopy()
	c.Spec.Environments = nil
	c.Default()
	b, _ := json.Marshal(c)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// firstDifference is the first path where a and b differ, or "".
func firstDifference(a, b any) string {
	var walk func(path string, a, b any) string
	walk = func(path string, a, b any) string {
		am, aok := a.(map[string]any)
		bm, bok := b.(map[string]any)
		if aok && bok {
			keys := map[string]bool{}
			for k := range am {
				keys[k] = true
			}
			for k := range bm {
				keys[k] = true
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			sort.Strings(sorted)
			for _, k := range sorted {
				if d := walk(joinKey(path, k), am[k], bm[k]); d != "" {
					return d
				}
			}
			return ""
		}
		if !reflect.DeepEqual(a, b) {
			return or(path, "the spec")
		}
		return ""
	}
	return walk("", a, b)
}

// keepNulls writes into the YAML of a spec (root) the environments' fields whose
// patches hold nulls, which the manifest encoder leaves out as it does every null: a
// null patch drops an app, a route or a mesh route, a null in a patch removes a field.
func keepNulls(root *yaml.Node, envs map[string]schema.Environment) error {
	for _, env := range slices.Sorted(maps.Keys(envs)) {
		b, err := json.Marshal(envs[env])
		if err != nil {
			return err
		}
		var fields map[string]any
		if err := json.Unmarshal(b, &fields); err != nil {
			return err
		}
		for _, f := range slices.Sorted(maps.Keys(fields)) {
			if !hasNull(fields[f]) {
				continue
			}
			n := &yaml.Node{}
			if err := n.Encode(fields[f]); err != nil {
				return err
			}
			if !setNode(root, []string{"spec", "environments", env, f}, n) {
				return fmt.Errorf("no spec.environments[%s].%s in the encoded spec", env, f)
			}
		}
	}
	return nil
}

// hasNull reports whether the JSON value v is or holds a null.
func hasNull(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range t {
			if hasNull(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if hasNull(e) {
				return true
			}
		}
	}
	return false
}

// setNode sets the value of the mapping field at path to v, adding the last key when
// it is missing; false when a mapping on the way is missing.
func setNode(n *yaml.Node, path []string, v *yaml.Node) bool {
	for i, seg := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return false
		}
		j := 0
		for j+1 < len(n.Content) && n.Content[j].Value != seg {
			j += 2
		}
		if j+1 >= len(n.Content) {
			if i < len(path)-1 {
				return false
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: seg}, v)
			return true
		}
		if i == len(path)-1 {
			n.Content[j+1] = v
			return true
		}
		n = n.Content[j+1]
	}
	return false
}
