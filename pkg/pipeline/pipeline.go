// Package pipeline is the one path from spec bytes to rendered files, shared by the
// CLI and the KRM function: decode -> default -> validate -> resolve -> render -> encode.
package pipeline

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/pkg/manifest"
	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/render"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Result is a validated spec and its diagnostics (warnings only when Platform is set).
type Result struct {
	Platform    *schema.Platform
	Diagnostics schema.Diagnostics
}

// Load decodes, defaults and validates a spec file's bytes.
func Load(data []byte, file string) Result {
	p, pos, diags := schema.Decode(data, file)
	if p == nil {
		return Result{Diagnostics: diags}
	}
	return check(p, pos, file, diags)
}

// LoadNode decodes, defaults and validates a spec already parsed as YAML.
func LoadNode(n *yaml.Node, file string) Result {
	p, pos, diags := schema.DecodeNode(n, file)
	if p == nil {
		return Result{Diagnostics: diags}
	}
	return check(p, pos, file, diags)
}

// check defaults and validates a decoded spec; decodeDiags are the structural
// problems found while decoding, and semantic problems at or under their fields
// (consequences of the dropped value) are not reported again.
func check(p *schema.Platform, pos schema.Positions, file string, decodeDiags schema.Diagnostics) Result {
	p.Default()
	errs, warns := p.Validate()
	for _, env := range sortedEnvs(p) {
		ep, eerrs := p.ForEnvironment(env)
		errs = append(errs, eerrs...)
		if ep == nil {
			continue
		}
		ve, vw := ep.Validate()
		errs = append(errs, inEnvironment(env, p.Spec.Environments[env], ve, errs)...)
		warns = append(warns, inEnvironment(env, p.Spec.Environments[env], vw, warns)...)
	}
	diags := append(decodeDiags, schema.FromFieldErrors(withoutConsequences(errs, decodeDiags), schema.SeverityError, file, pos)...)
	diags = append(diags, schema.FromFieldErrors(withoutConsequences(dedupe(warns), decodeDiags), schema.SeverityWarning, file, pos)...)
	diags.Sort()
	if diags.HasErrors() {
		return Result{Diagnostics: diags}
	}
	return Result{Platform: p, Diagnostics: diags}
}

// inEnvironment maps problems of an environment's merged spec back to the
// override that caused them (spec.environments[env].FIELD); problems the base spec
// already has are dropped, the rest say which environment they come from.
func inEnvironment(env string, o schema.Environment, errs, base field.ErrorList) field.ErrorList {
	known := map[string]bool{}
	for _, e := range base {
		known[e.Field+"\x00"+e.ErrorBody()] = true
	}
	ep := field.NewPath("spec", "environments").Key(env)
	out := make(field.ErrorList, 0, len(errs))
	for _, e := range errs {
		c := *e
		switch f := e.Field; {
		case f == "metadata.name":
			c.Field = ep.String()
		case o.LoadBalancer != nil && strings.HasPrefix(f, "spec.gateway.loadBalancer"):
			c.Field = ep.Child("loadBalancer").String() + strings.TrimPrefix(f, "spec.gateway.loadBalancer")
		case o.Hostname != "" && f == "spec.gateway.hostname":
			c.Field = ep.Child("hostname").String()
		case len(o.Hostnames) > 0 && routeHostnames.MatchString(f):
			c.Field = ep.Child("hostnames").String() + routeHostnames.ReplaceAllString(f, "")
		case o.GatewayReplicas != 0 && (f == "spec.gateway.replicas" || f == "spec.gateway.maxReplicas"):
			c.Field = ep.Child("gatewayReplicas").String()
		case o.AppReplicas != 0 && appReplicas.MatchString(f):
			c.Field = ep.Child("appReplicas").String()
		case o.VPCCIDR != "" && f == "spec.network.vpcCIDR":
			c.Field = ep.Child("vpcCIDR").String()
		case o.CertificateSecret != "" && f == "spec.gateway.https.certificateSecret":
			c.Field = ep.Child("certificateSecret").String()
		case known[f+"\x00"+e.ErrorBody()]:
			continue
		}
		c.Detail = fmt.Sprintf("%s (in environment %q)", c.Detail, env)
		out = append(out, &c)
	}
	return dedupe(out)
}

var (
	routeHostnames = regexp.MustCompile(`^spec\.routes\[\d+\]\.hostnames`)
	appReplicas    = regexp.MustCompile(`^spec\.apps\[\d+\]\.replicas$`)
)

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

// dedupe drops warnings repeated by every environment's merged spec.
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

// Render renders a validated platform: one tree, or one per environment.
func Render(p *schema.Platform) ([]Output, error) {
	envs := sortedEnvs(p)
	if len(envs) == 0 {
		t, err := render.Render(model.Build(p))
		if err != nil {
			return nil, err
		}
		return []Output{{Tree: t}}, nil
	}
	out := make([]Output, 0, len(envs))
	for _, env := range envs {
		ep, errs := p.ForEnvironment(env)
		if len(errs) > 0 {
			return nil, errs.ToAggregate()
		}
		m := model.Build(ep)
		m.Environment = env
		t, err := render.Render(m)
		if err != nil {
			return nil, fmt.Errorf("environment %s: %w", env, err)
		}
		out = append(out, Output{Dir: env, Tree: t})
	}
	return out, nil
}

// Files encodes rendered trees into file contents keyed by slash-separated path.
// Each file is encoded and written before the next, so the YAML nodes of one file
// are garbage by the time the next is built (peak memory stays low on big platforms).
func Files(outputs []Output) (map[string][]byte, error) {
	files := map[string][]byte{}
	var buf bytes.Buffer
	var nodes []*yaml.Node
	for _, o := range outputs {
		byPath := map[string][]any{}
		var order []string
		for _, r := range o.Tree.Resources {
			if _, ok := byPath[r.Path]; !ok {
				order = append(order, r.Path)
			}
			byPath[r.Path] = append(byPath[r.Path], r.Object)
		}
		for _, p := range order {
			nodes = nodes[:0]
			for _, obj := range byPath[p] {
				n, err := manifest.Encode(obj)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", p, err)
				}
				nodes = append(nodes, n)
			}
			buf.Reset()
			if err := manifest.Write(&buf, nodes...); err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			files[path.Join(o.Dir, p)] = bytes.Clone(buf.Bytes())
		}
		for _, f := range o.Tree.Files {
			files[path.Join(o.Dir, f.Path)] = f.Content
		}
	}
	return files, nil
}
