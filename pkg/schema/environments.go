package schema

import (
	"encoding/json"
	"fmt"
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
	Target Path        // where in the spec
	Origin *field.Path // the environment field it comes from
	Value  any         // a JSON value (as encoding/json decodes it)
	Merge  bool        // merge Value into the target as a JSON merge patch (RFC 7386) instead of replacing it
}

// Path addresses a value in a spec's JSON form: object keys (string) and list indexes (int).
type Path []any

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
		case int:
			b.WriteString("[" + strconv.Itoa(v) + "]")
		}
	}
	return b.String()
}

// Origins maps fields of an environment's merged spec back to the environment fields
// that set them.
type Origins []origin

type origin struct{ target, from string }

// Map returns the environment field a merged-spec field came from, and whether it did.
// The longest target that is the field or one of its ancestors wins.
func (o Origins) Map(f string) (string, bool) {
	best := -1
	for i, x := range o {
		if (f == x.target || strings.HasPrefix(f, x.target+".") || strings.HasPrefix(f, x.target+"[")) &&
			(best < 0 || len(x.target) > len(o[best].target)) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	return o[best].from + f[len(o[best].target):], true
}

// Environment returns the spec of environment name: a copy of p (not defaulted: the
// caller defaults it, so defaults follow the overrides) with the environment's
// overrides applied and no environments of its own, where each value came from, and
// the overrides that cannot apply.
func (p *Platform) Environment(name string) (*Platform, Origins, field.ErrorList) {
	env, ok := p.Spec.Environments[name]
	ep := field.NewPath("spec", "environments").Key(name)
	if !ok {
		return nil, nil, field.ErrorList{field.NotFound(ep, name)}
	}
	overrides, errs := env.overrides(p, ep)
	doc, err := toJSON(p)
	if err != nil {
		return nil, nil, field.ErrorList{field.InternalError(ep, err)}
	}
	delete(doc["spec"].(map[string]any), "environments")
	// Names the model derives from the platform name (<platform>-<env>-...) are the
	// environment's: problems with them are reported at the environment.
	origins := Origins{{target: "metadata.name", from: ep.String()}}
	for _, o := range overrides {
		if err := o.apply(doc); err != nil {
			errs = append(errs, field.Invalid(o.Origin, o.Value, err.Error()))
			continue
		}
		origins = append(origins, origin{target: o.Target.String(), from: o.Origin.String()})
	}
	var c Platform
	if err := fromJSON(doc, &c); err != nil {
		return nil, nil, append(errs, field.InternalError(ep, err))
	}
	return &c, origins, errs
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
