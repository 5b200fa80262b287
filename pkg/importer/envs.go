package importer

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

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
// environment per tree; trees that differ in more than environments override are
// an error (import them one by one).
func importEnvironments(trees map[string][]*Object, opts Options) *Result {
	dirs := make([]string, 0, len(trees))
	for d := range trees {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	out := &Result{Notes: map[string]string{}, envDirs: map[string]string{}}
	envs := map[string]*schema.Platform{}
	var base *schema.Platform
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
		if !okName || !okPath || (base != nil && (name != baseName || path != basePath)) {
			out.Problems = append(out.Problems, Problem{File: d, Message: fmt.Sprintf("several platforms in the input (%s is %s at %s): import each tree separately", d, p.Metadata.Name, p.Spec.Git.Path)})
			return out
		}
		envs[env] = p
		out.envDirs[env] = d
		out.Losses = append(out.Losses, r.Losses...)
		for _, df := range r.Differences {
			out.Differences = append(out.Differences, env+": "+df)
		}
		if base == nil {
			base, baseName, basePath = p.DeepCopy(), name, path
		}
	}
	base.Metadata.Name, base.Spec.Git.Path = baseName, basePath
	base.Spec.Git.Revision, base.Spec.ArgoCD.Server = "", ""
	base.Spec.Environments = map[string]schema.Environment{}
	for env, p := range envs {
		base.Spec.Environments[env] = environment(p)
	}
	stripOverridden(base)
	for env, p := range envs {
		merged, _, errs := base.Environment(env)
		if len(errs) > 0 {
			out.Problems = append(out.Problems, Problem{Message: fmt.Sprintf("environment %s: %v", env, errs.ToAggregate())})
			return out
		}
		merged.Metadata.Name, merged.Spec.Git.Path = p.Metadata.Name, p.Spec.Git.Path
		if f := firstDifference(normal(merged), normal(p)); f != "" {
			out.Problems = append(out.Problems, Problem{Message: fmt.Sprintf("environment %s differs from the others in %s, which environments cannot override: import each tree separately", env, f)})
			return out
		}
	}
	out.Platform = base
	sortFindings(out.Losses)
	return out
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
