package importer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Options change how objects are read into a spec.
type Options struct {
	// Name is the platform's name; by default the root Application's name without
	// -root, else the app.kubernetes.io/part-of label, else "platform".
	Name string
	// Namespace is given to namespaced objects that have none; empty makes such
	// objects an error.
	Namespace string
	// RepoURL is spec.git.repoURL when the input has no app-of-apps Application to
	// read it from; empty leaves a placeholder to replace.
	RepoURL string
}

// Finding is one line of the report: a loss (something of the input the spec cannot
// carry) at a place of the input.
type Finding struct {
	File    string
	Line    int
	Object  string // Kind namespace/name
	Field   string // "" for the whole object
	Message string
}

// String renders the finding as FILE:LINE: Kind namespace/name: field: what is lost.
func (f Finding) String() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.File)
		if f.Line > 0 {
			fmt.Fprintf(&b, ":%d", f.Line)
		}
		b.WriteString(": ")
	}
	b.WriteString(f.Object)
	if f.Field != "" {
		b.WriteString(": " + f.Field)
	}
	b.WriteString(": " + f.Message)
	return b.String()
}

// Result is an imported platform with its report.
type Result struct {
	Platform *schema.Platform
	// Notes are comments for the written spec, by spec field path (e.g. "spec.nodePools").
	Notes map[string]string
	// Losses are what the spec cannot express; the rendered platform lacks them.
	Losses []Finding
	// Differences are what the rendered platform does that the input did not.
	Differences []string
	// Problems are input errors: no spec could be built.
	Problems []Problem
	envDirs  map[string]string // environment -> its tree in the input
}

// Import builds the Platform spec for objs. It never panics on any input; errors are
// returned as Problems with the file and line they are at.
func Import(objs []*Object, opts Options) *Result {
	if trees := envTrees(objs); trees != nil {
		return importEnvironments(trees, opts)
	}
	b := newBuilder(objs, opts)
	if len(b.res.Problems) > 0 {
		return b.res
	}
	b.build()
	if len(b.res.Problems) > 0 {
		return b.res
	}
	b.res.Platform = b.p
	sortFindings(b.res.Losses)
	return b.res
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].File != fs[j].File {
			return fs[i].File < fs[j].File
		}
		return fs[i].Line < fs[j].Line
	})
}

// clusterScoped are the kinds without a namespace the importer knows.
var clusterScoped = map[string]bool{
	"Namespace": true, "ClusterRole": true, "ClusterRoleBinding": true, "CustomResourceDefinition": true,
	"ClusterIssuer": true, KindTerraformVariables: true, "GatewayClass": true, "ValidatingWebhookConfiguration": true,
	"MutatingWebhookConfiguration": true, "ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
	"PriorityClass": true, "StorageClass": true, "PersistentVolume": true, "Node": true,
}

// builder accumulates the spec while it walks the objects.
type builder struct {
	objs  []*Object
	opts  Options
	p     *schema.Platform
	res   *Result
	byKey map[string]*Object // Kind/namespace/name
	pools *poolSet
	// inlineSvc maps namespace/Service to the inline app it belongs to.
	inlineSvc map[string]string
	// versionSvc maps namespace/Service to the version of an inline app it selects.
	versionSvc map[string]string
	// extSvc maps namespace/Service to the external app whose Service it is.
	extSvc map[string]string
	// appPort is the port app: routes reach, by app name.
	appPort map[string]int32
	// svcPorts maps an inline app's Service ports to the container ports they target
	// (the ports krm-gen's Service listens on), by app name.
	svcPorts map[string]map[int32]int32
}

func newBuilder(objs []*Object, opts Options) *builder {
	b := &builder{
		objs: objs, opts: opts,
		p:     &schema.Platform{APIVersion: schema.APIVersion, Kind: schema.Kind},
		res:   &Result{Notes: map[string]string{}},
		byKey: map[string]*Object{},
		pools: &poolSet{}, inlineSvc: map[string]string{}, versionSvc: map[string]string{}, extSvc: map[string]string{}, appPort: map[string]int32{},
		svcPorts: map[string]map[int32]int32{},
	}
	for _, o := range objs {
		if o.Namespace == "" && !clusterScoped[o.Kind] {
			if opts.Namespace == "" {
				b.res.Problems = append(b.res.Problems, Problem{File: o.File, Line: o.Line,
					Message: o.Kind + " " + o.Name + ": no metadata.namespace (set it, or pass --namespace for objects without one)"})
				continue
			}
			o.Namespace = opts.Namespace
			md, ok := o.Raw["metadata"].(map[string]any)
			if !ok {
				md = map[string]any{}
				o.Raw["metadata"] = md
			}
			md["namespace"] = opts.Namespace
		}
		key := o.Kind + "/" + o.Namespace + "/" + o.Name
		if prev, ok := b.byKey[key]; ok {
			b.res.Problems = append(b.res.Problems, Problem{File: o.File, Line: o.Line,
				Message: fmt.Sprintf("%s: defined twice (first at %s:%d)", o.Ref(), prev.File, prev.Line)})
			continue
		}
		b.byKey[key] = o
	}
	return b
}

// find returns the object of kind in ns named name, or nil.
func (b *builder) find(kind, ns, name string) *Object { return b.byKey[kind+"/"+ns+"/"+name] }

// ofKind returns the objects of kind, in input order.
func (b *builder) ofKind(kinds ...string) []*Object {
	var out []*Object
	for _, o := range b.objs {
		for _, k := range kinds {
			if o.Kind == k {
				out = append(out, o)
			}
		}
	}
	return out
}

func (b *builder) problem(o *Object, format string, args ...any) {
	b.res.Problems = append(b.res.Problems, Problem{File: o.File, Line: o.Line, Message: o.Ref() + ": " + fmt.Sprintf(format, args...)})
}

// lose records a loss at field (a dotted path into o, "" for the whole object).
func (b *builder) lose(o *Object, field, format string, args ...any) {
	b.res.Losses = append(b.res.Losses, Finding{File: o.File, Line: lineOf(o, field), Object: o.Ref(), Field: field, Message: fmt.Sprintf(format, args...)})
}

func (b *builder) differ(format string, args ...any) {
	b.res.Differences = append(b.res.Differences, fmt.Sprintf(format, args...))
}

// build runs the steps in dependency order: the platform's identity, then the gateway
// (its pool), apps, routes (which name apps' Services), security.
func (b *builder) build() {
	b.identity()
	b.gateway()
	if len(b.res.Problems) > 0 {
		return
	}
	b.waypoints()
	b.inlineApps()
	b.externalApps()
	b.gatewayOutOfApps()
	b.health()
	b.routes()
	b.security()
	b.p.Spec.NodePools = b.terraform(b.pools.spec())
	b.defaultPool()
	b.httpsOnEKS()
	b.network()
}
