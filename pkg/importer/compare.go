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

	"sigs.k8s.io/yaml"

	"github.com/krm-gen/krm-gen/pkg/pipeline"
)

// ContentKinds are compared field by field with what the spec renders; other kinds
// krm-gen derives (Argo CD objects, policies, grants) by name only.
var ContentKinds = map[string]bool{
	"Gateway": true, "HTTPRoute": true, "GRPCRoute": true, "Deployment": true,
	"Service": true, "ConfigMap": true, "Namespace": true,
}

// Rendered is one object the spec renders, as JSON values.
type Rendered struct {
	Dir                   string // the environment's folder, "" without environments
	Kind, Namespace, Name string
	Raw                   map[string]any
}

// Key identifies an object: Kind/namespace/name.
func Key(kind, ns, name string) string { return kind + "/" + ns + "/" + name }

// RenderSpec loads, validates and renders spec bytes; it returns every object of
// every tree, or the spec's diagnostics as an error.
func RenderSpec(spec []byte, file string) ([]Rendered, error) {
	res := pipeline.Load(spec, file)
	if !res.Valid() {
		var msgs []string
		for _, d := range res.Diagnostics.Errors() {
			msgs = append(msgs, d.String())
		}
		return nil, fmt.Errorf("the imported spec is not valid:\n%s", strings.Join(msgs, "\n"))
	}
	outs, err := pipeline.Render(res.Trees)
	if err != nil {
		return nil, fmt.Errorf("rendering the imported spec: %w", err)
	}
	var out []Rendered
	for _, o := range outs {
		for _, r := range o.Tree.Resources {
			b, err := json.Marshal(r.Object)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.Path, err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("%s: %w", r.Path, err)
			}
			delete(m, "status")
			Prune(m)
			out = append(out, Rendered{Dir: o.Dir, Kind: str(m["kind"]), Namespace: str(lookup(m, "metadata", "namespace")), Name: str(lookup(m, "metadata", "name")), Raw: m})
		}
	}
	return out, nil
}

// derivedKinds are objects krm-gen writes itself from the spec.
var derivedKinds = map[string]string{
	"Application": "Argo CD Application", "AppProject": "Argo CD AppProject",
	"AuthorizationPolicy": "AuthorizationPolicy", "PeerAuthentication": "PeerAuthentication",
	"ReferenceGrant": "ReferenceGrant", "ServiceAccount": "ServiceAccount",
	"Certificate": "Certificate", "ClusterIssuer": "ClusterIssuer", "TargetGroupBinding": "TargetGroupBinding",
}

// Compare checks what the spec renders against the input: input fields that are not
// rendered as they were are losses; rendered objects and fields the input lacks are
// differences. The result's Losses and Differences grow.
func (r *Result) Compare(objs []*Object, rendered []Rendered) {
	if len(r.envDirs) == 0 {
		r.compare(objs, rendered)
		return
	}
	for env, dir := range r.envDirs { // each environment against its own tree
		var in []*Object
		var out []Rendered
		for _, o := range objs {
			if strings.HasPrefix(o.File, dir+string(filepath.Separator)) {
				in = append(in, o)
			}
		}
		for _, x := range rendered {
			if x.Dir == env {
				out = append(out, x)
			}
		}
		r.compare(in, out)
	}
	sortFindings(r.Losses)
}

// compare is Compare for one tree.
func (r *Result) compare(objs []*Object, rendered []Rendered) {
	byKey := map[string]Rendered{}
	for _, x := range rendered {
		byKey[Key(x.Kind, x.Namespace, x.Name)] = x
	}
	known := map[string]bool{}
	for _, l := range r.Losses {
		known[l.Object+"\x00"+l.Field] = true
	}
	inputKeys := map[string]bool{}
	for _, o := range objs {
		k := Key(o.Kind, o.Namespace, o.Name)
		inputKeys[k] = true
		x, ok := byKey[k]
		switch {
		case o.Kind == KindTerraformVariables:
			// not a Kubernetes object: its fields went into the spec
		case !ok && !o.used && o.Kind == "Service":
			r.Losses = append(r.Losses, Finding{File: o.File, Line: o.Line, Object: o.Ref(), Message: "not carried over: the spec gives each inline app one Service, named after it; this one is no app's own (it selects several Deployments, or none in the input)"})
		case !ok && !o.used:
			r.Losses = append(r.Losses, Finding{File: o.File, Line: o.Line, Object: o.Ref(), Message: fmt.Sprintf("kind %s (%s) is not carried over", o.Kind, o.APIVersion)})
		case !ok && o.Kind == "ReferenceGrant":
			r.Differences = append(r.Differences, fmt.Sprintf("%s: removed: the routes krm-gen renders need no such grant (a grant only permits cross-namespace references)", o.Ref()))
		case !ok && derivedKinds[o.Kind] != "":
			r.Differences = append(r.Differences, fmt.Sprintf("%s: not rendered; krm-gen writes its own %ss", o.Ref(), derivedKinds[o.Kind]))
		case !ok && known[o.Ref()+"\x00"]:
			// already reported by the import itself
		case !ok && o.renamed != "":
			r.Differences = append(r.Differences, fmt.Sprintf("%s: rendered as %s", o.Ref(), o.renamed))
		case !ok:
			r.Losses = append(r.Losses, Finding{File: o.File, Line: o.Line, Object: o.Ref(), Message: "not rendered under this name (see the differences)"})
		case o.Kind == "Application":
			for _, f := range [][]string{{"spec", "destination", "server"}, {"spec", "source", "repoURL"}, {"spec", "source", "targetRevision"}} {
				if in, out := str(lookup(o.Raw, f...)), str(lookup(x.Raw, f...)); in != out {
					r.Differences = append(r.Differences, fmt.Sprintf("%s: %s changes from %q to %q", o.Ref(), strings.Join(f, "."), in, out))
				}
			}
		case ContentKinds[o.Kind]:
			var added []string
			var losses []Finding
			diffValue(o, "", o.Raw, x.Raw, &losses, &added)
			for _, l := range losses {
				if !known[l.Object+"\x00"+l.Field] {
					r.Losses = append(r.Losses, l)
				}
			}
			if len(added) > 0 {
				r.Differences = append(r.Differences, fmt.Sprintf("%s: adds %s", o.Ref(), summarize(added, 6)))
			}
		}
	}
	adds := map[string][]string{}
	for _, x := range rendered {
		if !inputKeys[Key(x.Kind, x.Namespace, x.Name)] {
			adds[x.Kind] = append(adds[x.Kind], strings.TrimPrefix(x.Namespace+"/"+x.Name, "/"))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(adds)) {
		r.Differences = append(r.Differences, fmt.Sprintf("adds %d %s: %s", len(adds[k]), k, summarize(adds[k], 8)))
	}
	sortFindings(r.Losses)
}

func summarize(xs []string, n int) string {
	sort.Strings(xs)
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + fmt.Sprintf(" and %d more", len(xs)-n)
}

// ignored are fields the API server sets: never compared.
var ignored = map[string]bool{
	"status": true, "metadata.creationTimestamp": true, "metadata.resourceVersion": true, "metadata.uid": true,
	"metadata.generation": true, "metadata.managedFields": true, "metadata.selfLink": true,
	`metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]`: true,
	`metadata.annotations["deployment.kubernetes.io/revision"]`:                true,
}

// diffValue compares an input value with the rendered one at path.
func diffValue(o *Object, path string, in, out any, losses *[]Finding, added *[]string) {
	if ignored[path] {
		return
	}
	lose := func(msg string) {
		*losses = append(*losses, Finding{File: o.File, Line: lineOf(o, path), Object: o.Ref(), Field: path, Message: msg})
	}
	switch iv := in.(type) {
	case map[string]any:
		ov, ok := out.(map[string]any)
		if !ok {
			if out == nil && len(iv) == 0 {
				return
			}
			lose("not rendered")
			return
		}
		for _, k := range slices.Sorted(maps.Keys(iv)) {
			diffValue(o, joinKey(path, k), iv[k], ov[k], losses, added)
		}
		for _, k := range slices.Sorted(maps.Keys(ov)) {
			if _, ok := iv[k]; !ok && !ignored[joinKey(path, k)] {
				*added = append(*added, joinKey(path, k))
			}
		}
	case []any:
		ov, ok := out.([]any)
		if !ok {
			if out == nil && len(iv) == 0 {
				return
			}
			lose("not rendered")
			return
		}
		inIdx, okIn := byName(iv)
		outIdx, okOut := byName(ov)
		if okIn && okOut && overlap(inIdx, outIdx) {
			// Lists of named items (containers, env, ports, volumes): by name.
			for i, item := range iv {
				name := str(item.(map[string]any)["name"])
				if j, found := outIdx[name]; found {
					diffValue(o, fmt.Sprintf("%s[%d]", path, i), item, ov[j], losses, added)
				} else {
					*losses = append(*losses, Finding{File: o.File, Line: lineOf(o, fmt.Sprintf("%s[%d]", path, i)), Object: o.Ref(), Field: fmt.Sprintf("%s[%d]", path, i), Message: fmt.Sprintf("%s: not rendered", name)})
				}
			}
			for _, name := range slices.Sorted(maps.Keys(outIdx)) {
				if _, found := inIdx[name]; !found {
					j := outIdx[name]
					*added = append(*added, fmt.Sprintf("%s[%d]", path, j))
				}
			}
			return
		}
		if len(ov) != len(iv) {
			lose(fmt.Sprintf("%d items, rendered %d", len(iv), len(ov)))
		}
		for i := range min(len(iv), len(ov)) {
			diffValue(o, fmt.Sprintf("%s[%d]", path, i), iv[i], ov[i], losses, added)
		}
		for i := len(iv); i < len(ov); i++ {
			*added = append(*added, fmt.Sprintf("%s[%d]", path, i))
		}
	case nil:
	case string:
		if outStr, ok := out.(string); ok && iv != outStr && strings.Contains(iv, "\n") {
			// A document in a string (a parametersRef patch): compare its fields.
			var pi, po any
			if yaml.Unmarshal([]byte(iv), &pi) == nil && yaml.Unmarshal([]byte(outStr), &po) == nil {
				if _, isMap := pi.(map[string]any); isMap {
					diffValue(o, path, pi, po, losses, added)
					return
				}
			}
		}
		if out == nil {
			lose(fmt.Sprintf("%s: not rendered", short(in)))
		} else if in != out {
			lose(fmt.Sprintf("%s, rendered %s", short(in), short(out)))
		}
	default:
		switch {
		case out == nil:
			lose(fmt.Sprintf("%s: not rendered", short(in)))
		case !reflect.DeepEqual(in, out) && fmt.Sprint(in) != fmt.Sprint(out):
			lose(fmt.Sprintf("%s, rendered %s", short(in), short(out)))
		}
	}
}

// short prints a value for a message, cut to one line.
func short(v any) string {
	s := fmt.Sprint(v)
	if str, ok := v.(string); ok {
		s = fmt.Sprintf("%q", str)
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 || len(s) > 60 {
		if i < 0 || i > 60 {
			i = 60
		}
		s = s[:i] + "..."
	}
	return s
}

// Prune removes empty objects (what encoding/json writes for zero structs) and nulls
// from a JSON value, in place; it reports whether v itself is empty.
func Prune(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil || Prune(e) {
				if _, isMap := e.(map[string]any); isMap || e == nil {
					delete(t, k)
				}
			}
		}
		return len(t) == 0
	case []any:
		for _, e := range t {
			Prune(e)
		}
	}
	return false
}

// byName indexes a list whose items are objects with distinct names; ok is false
// for any other list.
func byName(l []any) (map[string]int, bool) {
	out := map[string]int{}
	for i, item := range l {
		m, isMap := item.(map[string]any)
		name, isStr := m["name"].(string)
		if !isMap || !isStr {
			return nil, false
		}
		if _, dup := out[name]; dup {
			return nil, false
		}
		out[name] = i
	}
	return out, true
}

// overlap says whether two name indexes share a name (else lists are compared by
// position: a renamed single container is the same container).
func overlap(a, b map[string]int) bool {
	for k := range a {
		if _, ok := b[k]; ok {
			return true
		}
	}
	return false
}
