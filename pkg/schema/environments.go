package schema

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// An environment's spec is the base spec with overrides applied. Every override names
// the part of the spec it sets (its target) and the field of the environment that asked
// for it (its origin), so a problem found in the merged spec is reported where the
// user can fix it.

// Override sets one part of an environment's spec.
type Override struct {
	Target Path         // where in the spec
	Origin *field.Path  // the environment field it comes from
	Value  any          // a JSON value (as encoding/json decodes it)
	Merge  bool         // merge Value into the target as a JSON merge patch (RFC 7386) instead of replacing it
	typ    reflect.Type // a merge patch: the Go type of the target (to tell struct fields from map keys)
}

// Path addresses a value in a spec's JSON form: object keys (string), map keys (Key,
// only to name fields) and list indexes (int).
type Path []any

// Key is a key of a Go map of the spec (labels, node pools) in a Path: it prints as
// field.Path prints map keys ("spec.nodePools[system]").
type Key string

// String prints the path as field.Path does ("spec.apps[2].replicas").
func (p Path) String() string {
	var b strings.Builder
	for i, e := range p {
		switch v := e.(type) {
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		case Key:
			b.WriteString("[" + string(v) + "]")
		case int:
			b.WriteString("[" + strconv.Itoa(v) + "]")
		}
	}
	return b.String()
}

func (p Path) with(e any) Path { return append(p[:len(p):len(p)], e) }

// Origins maps fields of an environment's merged spec back to where they came from:
// the environment field that set them (an override), or the base spec's field of
// another index (an item of a list some of whose items the environment dropped).
type Origins []origin

type origin struct {
	target   Path
	from     string
	override bool
}

// Map returns where a merged-spec field came from, and whether an override of the
// environment set it: the longest target that is the field or one of its ancestors
// wins; a field no override set comes from the base (at the same path, unless the
// environment dropped list items before it).
func (o Origins) Map(f string) (string, bool) {
	best, bestLen := -1, -1
	for i, x := range o {
		t := x.target.String()
		if (f == t || strings.HasPrefix(f, t+".") || strings.HasPrefix(f, t+"[")) && len(t) > bestLen {
			best, bestLen = i, len(t)
		}
	}
	if best < 0 {
		return f, false
	}
	return o[best].from + f[bestLen:], o[best].override
}

// Environment returns the spec of environment name: a copy of p (not defaulted: the
// caller defaults it, so defaults follow the overrides) with the environment's
// overrides applied and no environments of its own, where each value came from, and
// the overrides that cannot apply. Shorthand fields apply first, then the patches
// (git, gateway, ..., apps.<name>, routes.<name>); a null app patch drops the app and
// the routes that reach only it.
func (p *Platform) Environment(name string) (*Platform, Origins, field.ErrorList) {
	env, ok := p.Spec.Environments[name]
	ep := field.NewPath("spec", "environments").Key(name)
	if !ok {
		return nil, nil, field.ErrorList{field.NotFound(ep, name)}
	}
	overrides, errs := env.overrides(p, ep)
	patches, drops, perrs := env.patches(p, ep)
	errs = append(errs, perrs...)
	doc, err := toJSON(p)
	if err != nil {
		return nil, nil, field.ErrorList{field.InternalError(ep, err)}
	}
	delete(doc["spec"].(map[string]any), "environments")
	// Names the model derives from the platform name (<platform>-<env>-...) are the
	// environment's: problems with them are reported at the environment.
	origins := Origins{{target: Path{"metadata", "name"}, from: ep.String(), override: true}}
	for _, o := range append(overrides, patches...) {
		if err := o.apply(doc); err != nil {
			errs = append(errs, field.Invalid(o.Origin, o.Value, err.Error()))
			continue
		}
		if !o.Merge {
			origins = append(origins, origin{target: o.Target, from: o.Origin.String(), override: true})
			continue
		}
		patchLeaves(o.Value, o.typ, nil, func(suffix Path) {
			origins = append(origins, origin{target: append(append(Path{}, o.Target...), suffix...), from: extend(o.Origin, suffix).String(), override: true})
		})
	}
	origins = dropItems(doc["spec"].(map[string]any), drops, origins)
	var c Platform
	if err := fromJSON(doc, &c); err != nil {
		return nil, nil, append(errs, field.InternalError(ep, err))
	}
	return &c, origins, errs
}

// patchLeaves calls fn with the path (below the patch) of every value a merge patch
// sets or removes: objects are walked, anything else is a leaf.
func patchLeaves(v any, t reflect.Type, at Path, fn func(Path)) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	m, ok := v.(map[string]any)
	if !ok || t == nil || len(m) == 0 || (t.Kind() != reflect.Struct && t.Kind() != reflect.Map) {
		fn(at)
		return
	}
	var fields map[string]reflect.Type
	if t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	for _, k := range sortedKeys(m) {
		if fields != nil {
			patchLeaves(m[k], fields[k], at.with(k), fn)
		} else {
			patchLeaves(m[k], t.Elem(), at.with(Key(k)), fn)
		}
	}
}

// extend appends a Path below fp.
func extend(fp *field.Path, suffix Path) *field.Path {
	for _, e := range suffix {
		switch v := e.(type) {
		case string:
			fp = fp.Child(v)
		case Key:
			fp = fp.Key(string(v))
		case int:
			fp = fp.Index(v)
		}
	}
	return fp
}

// Lists of the spec whose items environments patch by name.
var namedLists = []string{"apps", "routes", "meshRoutes"}

// patches turns an environment's patches into merge overrides of the base spec p, and
// says which list items (by list, base index) the environment drops.
func (e Environment) patches(p *Platform, ep *field.Path) ([]Override, map[string]map[int]bool, field.ErrorList) {
	var out []Override
	var errs field.ErrorList
	specFields := jsonFields(reflect.TypeFor[Spec]())
	parts := []struct {
		name  string
		patch *Patch
	}{
		{"git", e.Git}, {"versions", e.Versions}, {"argocd", e.ArgoCD}, {"network", e.Network},
		{"nodePools", e.NodePools}, {"gateway", e.Gateway}, {"health", e.Health},
		{"security", e.Security}, {"waypoints", e.Waypoints},
	}
	for _, part := range parts {
		if part.patch == nil || part.patch.Value == nil {
			continue
		}
		if _, ok := part.patch.Value.(map[string]any); !ok {
			errs = append(errs, field.Invalid(ep.Child(part.name), part.patch.Value, "must be an object"))
			continue
		}
		out = append(out, Override{Target: Path{"spec", part.name}, Origin: ep.Child(part.name), Value: part.patch.Value, Merge: true, typ: specFields[part.name]})
	}
	drops := map[string]map[int]bool{}
	lists := map[string]struct {
		patches map[string]Patch
		names   []string
		typ     reflect.Type
	}{
		"apps":       {e.Apps, itemNames(p.Spec.Apps, func(a App) string { return a.Name }), reflect.TypeFor[App]()},
		"routes":     {e.Routes, itemNames(p.Spec.Routes, routeIdentity), reflect.TypeFor[Route]()},
		"meshRoutes": {e.MeshRoutes, itemNames(p.Spec.MeshRoutes, func(r MeshRoute) string { return r.Name }), reflect.TypeFor[MeshRoute]()},
	}
	singular := map[string]string{"apps": "app", "routes": "route", "meshRoutes": "mesh route"}
	for _, list := range namedLists {
		l := lists[list]
		drops[list] = map[int]bool{}
		for _, name := range sortedKeys(l.patches) {
			fp := ep.Child(list).Key(name)
			i := indexOf(l.names, name)
			if i < 0 {
				errs = append(errs, field.Forbidden(fp, fmt.Sprintf("no %s %q in spec.%s%s", singular[list], name, list, didYouMean(name, l.names))))
				continue
			}
			v := l.patches[name].Value
			if v == nil {
				drops[list][i] = true
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				errs = append(errs, field.Invalid(fp, v, "must be an object, or null to drop the "+singular[list]))
				continue
			}
			if n, ok := m["name"]; ok && n != name {
				errs = append(errs, field.Invalid(fp.Child("name"), n, fmt.Sprintf("an environment patches the %s %q and cannot rename it", singular[list], name)))
				continue
			}
			if list == "routes" {
				m = withoutShortForms(m)
			}
			out = append(out, Override{Target: Path{"spec", list, i}, Origin: fp, Value: m, Merge: true, typ: l.typ})
		}
	}
	// A dropped app takes the routes that reach only it along.
	dropped := map[string]bool{}
	for i := range drops["apps"] {
		dropped[p.Spec.Apps[i].Name] = true
	}
	for i, r := range p.Spec.Routes {
		if reachesOnly(r, dropped) {
			drops["routes"][i] = true
		}
	}
	return out, drops, errs
}

// routeShortForms: a route says one thing one way; a patch setting the long form
// replaces the short forms of the base route (which it would otherwise conflict with).
var routeShortForms = map[string][]string{"backends": {"app", "backend"}, "matches": {"path", "match"}}

// withoutShortForms returns a route patch that also removes the short forms its long
// forms replace (unless it says something about them itself).
func withoutShortForms(patch map[string]any) map[string]any {
	out := maps.Clone(patch)
	for long, shorts := range routeShortForms {
		if patch[long] == nil {
			continue
		}
		for _, short := range shorts {
			if _, said := patch[short]; !said {
				out[short] = nil
			}
		}
	}
	return out
}

// routeIdentity is the name a route is patched by: its name, or the one derived from it.
func routeIdentity(r Route) string {
	if r.Name != "" {
		return r.Name
	}
	return RouteName(r)
}

// reachesOnly reports whether every app route r reaches is in apps (and it reaches one).
func reachesOnly(r Route, apps map[string]bool) bool {
	if len(apps) == 0 {
		return false
	}
	if r.App != "" {
		return apps[r.App]
	}
	if len(r.Backends) == 0 {
		return false
	}
	for _, b := range r.Backends {
		if b.App == "" || !apps[b.App] {
			return false
		}
	}
	return true
}

func itemNames[T any](items []T, name func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = name(it)
	}
	return out
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

// dropItems removes the dropped items of the named lists of spec and moves the
// origins along: origins of dropped items go, those of later items follow their new
// index, and items that moved map back to their base index.
func dropItems(spec map[string]any, drops map[string]map[int]bool, origins Origins) Origins {
	for _, list := range namedLists {
		if len(drops[list]) == 0 {
			continue
		}
		items, _ := spec[list].([]any)
		newIndex := make(map[int]int, len(items))
		kept := make([]any, 0, len(items))
		for i, it := range items {
			if drops[list][i] {
				continue
			}
			newIndex[i] = len(kept)
			kept = append(kept, it)
		}
		if len(kept) == 0 {
			delete(spec, list)
		} else {
			spec[list] = kept
		}
		out := origins[:0:0]
		for _, o := range origins {
			if len(o.target) > 2 && o.target[0] == "spec" && o.target[1] == list {
				j, ok := newIndex[o.target[2].(int)]
				if !ok {
					continue
				}
				o.target = append(Path{"spec", list, j}, o.target[3:]...)
			}
			out = append(out, o)
		}
		for i := range items {
			if j, ok := newIndex[i]; ok && j != i {
				out = append(out, origin{target: Path{"spec", list, j}, from: Path{"spec", list, i}.String()})
			}
		}
		origins = out
	}
	return origins
}

// overrides turns an environment's fields into overrides of the base spec p.
func (e Environment) overrides(p *Platform, ep *field.Path) ([]Override, field.ErrorList) {
	var out []Override
	var errs field.ErrorList
	set := func(target Path, origin string, v any) {
		out = append(out, Override{Target: target, Origin: ep.Child(origin), Value: v})
	}
	if e.Revision != "" {
		set(Path{"spec", "git", "revision"}, "revision", e.Revision)
	}
	if e.Server != "" {
		set(Path{"spec", "argocd", "server"}, "server", e.Server)
	}
	if e.Hostname != "" {
		set(Path{"spec", "gateway", "hostname"}, "hostname", e.Hostname)
	}
	if len(e.Hostnames) > 0 {
		for i := range p.Spec.Routes {
			set(Path{"spec", "routes", i, "hostnames"}, "hostnames", e.Hostnames)
		}
	}
	if e.GatewayReplicas != 0 {
		set(Path{"spec", "gateway", "replicas"}, "gatewayReplicas", e.GatewayReplicas)
	}
	if e.AppReplicas != 0 {
		for i := range p.Spec.Apps {
			if p.Spec.Apps[i].Inline() { // a chart's or folder's replicas are its own
				set(Path{"spec", "apps", i, "replicas"}, "appReplicas", e.AppReplicas)
				// Every Deployment of the app: a version's own replicas too.
				for j, ver := range p.Spec.Apps[i].Versions {
					if ver.Replicas != nil {
						set(Path{"spec", "apps", i, "versions", j, "replicas"}, "appReplicas", e.AppReplicas)
					}
				}
			}
		}
	}
	if e.CertificateSecret != "" {
		if p.Spec.Gateway.HTTPS == nil {
			errs = append(errs, field.Invalid(ep.Child("certificateSecret"), e.CertificateSecret, "the platform has no HTTPS listener (spec.gateway.https)"))
		} else {
			set(Path{"spec", "gateway", "https", "certificateSecret"}, "certificateSecret", e.CertificateSecret)
		}
	}
	if e.VPCCIDR != "" {
		set(Path{"spec", "network", "vpcCIDR"}, "vpcCIDR", e.VPCCIDR)
	}
	if e.LoadBalancer != nil {
		lb, err := toJSONValue(e.LoadBalancer)
		if err != nil {
			errs = append(errs, field.InternalError(ep.Child("loadBalancer"), err))
		} else {
			set(Path{"spec", "gateway", "loadBalancer"}, "loadBalancer", lb)
		}
	}
	return out, errs
}

// apply sets (or merges) the override's value at its target in doc.
func (o Override) apply(doc map[string]any) error {
	var parent any = doc
	for i, e := range o.Target[:len(o.Target)-1] {
		next, err := child(parent, e, o.Target[:i+1])
		if err != nil {
			return err
		}
		if next == nil { // a missing object on the way: create it
			next = map[string]any{}
			if err := setChild(parent, e, next); err != nil {
				return err
			}
		}
		parent = next
	}
	last := o.Target[len(o.Target)-1]
	v := o.Value
	if o.Merge {
		cur, err := child(parent, last, o.Target)
		if err != nil {
			return err
		}
		v = MergePatch(cur, v)
	}
	return setChild(parent, last, v)
}

func child(parent, e any, at Path) (any, error) {
	switch k := e.(type) {
	case string:
		m, ok := parent.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is not an object", at[:len(at)-1])
		}
		return m[k], nil
	case int:
		l, ok := parent.([]any)
		if !ok || k < 0 || k >= len(l) {
			return nil, fmt.Errorf("%s has no item %d", at[:len(at)-1], k)
		}
		return l[k], nil
	}
	return nil, fmt.Errorf("bad path element %v", e)
}

func setChild(parent, e, v any) error {
	switch k := e.(type) {
	case string:
		m, ok := parent.(map[string]any)
		if !ok {
			return fmt.Errorf("cannot set %q: not an object", k)
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return nil
	case int:
		l, ok := parent.([]any)
		if !ok || k < 0 || k >= len(l) {
			return fmt.Errorf("no item %d", k)
		}
		l[k] = v
		return nil
	}
	return fmt.Errorf("bad path element %v", e)
}

// MergePatch applies a JSON merge patch (RFC 7386) to target and returns the result:
// objects merge key by key, a null value removes the key, anything else replaces.
func MergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	out := make(map[string]any, len(t))
	for k, v := range t {
		out[k] = v
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if p[k] == nil {
			delete(out, k)
			continue
		}
		out[k] = MergePatch(out[k], p[k])
	}
	return out
}

func toJSON(p *Platform) (map[string]any, error) {
	v, err := toJSONValue(p)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

func toJSONValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

func fromJSON(v any, into any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}

// DeepCopy returns an independent copy of p.
func (p *Platform) DeepCopy() *Platform {
	var c Platform
	if err := fromJSON(p, &c); err != nil {
		panic(fmt.Sprintf("schema: copying a Platform: %v", err)) // every Platform is JSON
	}
	return &c
}
