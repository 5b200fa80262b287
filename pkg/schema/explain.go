package schema

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/internal/manifest"
)

// OriginBase marks, in Explain's output, a value of the base spec.
const OriginBase = "base"

// Explain prints the spec of environment env as the environment's overrides make it
// (before defaults), every value followed by a comment saying where it comes from:
// base, or the environment field that set it. With app, only that app and the
// routes that reach it. Items the environment drops are listed in the header.
func (p *Platform) Explain(env, app string) ([]byte, error) {
	merged, origins, errs := p.Environment(env)
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	doc, err := manifest.Encode(merged)
	if err != nil {
		return nil, err
	}
	annotate(doc, reflect.TypeFor[Platform](), "", origins)
	var head strings.Builder
	fmt.Fprintf(&head, "Platform %s, environment %s: the base spec with the environment's overrides, before defaults.\n", p.Metadata.Name, env)
	head.WriteString("Each value says where it comes from: " + OriginBase + ", or the environment field that set it.")
	dropped := droppedItems(p, merged, env)
	if len(dropped) > 0 {
		head.WriteString("\nDropped in this environment: " + strings.Join(dropped, ", ") + ".")
	}
	if app != "" {
		if doc, err = appOnly(doc, merged, env, app); err != nil {
			return nil, err
		}
	}
	doc.HeadComment = head.String()
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// annotate puts the origin of every scalar (and empty collection) under n in its line comment.
func annotate(n *yaml.Node, t reflect.Type, path string, origins Origins) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.MappingNode && len(n.Content) > 0:
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			switch {
			case fields != nil:
				annotate(v, fields[k], strings.TrimPrefix(path+"."+k, "."), origins)
			case t != nil && t.Kind() == reflect.Map:
				annotate(v, t.Elem(), path+"["+k+"]", origins)
			default: // free-form values (chart values): keys as field.Path prints them
				annotate(v, nil, path+"["+k+"]", origins)
			}
		}
	case n.Kind == yaml.SequenceNode && len(n.Content) > 0:
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Slice {
			elem = t.Elem()
		}
		for i, c := range n.Content {
			annotate(c, elem, path+"["+strconv.Itoa(i)+"]", origins)
		}
	default:
		from, override := origins.Map(path)
		n.LineComment = OriginBase
		if override && path != "metadata.name" { // the environment renames what the model derives from it, not the name
			n.LineComment = from
		}
	}
}

// droppedItems names the apps, routes and mesh routes of p the environment drops.
func droppedItems(p, merged *Platform, env string) []string {
	var out []string
	report := func(list string, base, kept []string) {
		left := map[string]bool{}
		for _, n := range kept {
			left[n] = true
		}
		for _, n := range base {
			if !left[n] {
				out = append(out, fmt.Sprintf("spec.%s[%s]", list, n))
			}
		}
	}
	appName := func(a App) string { return a.Name }
	meshName := func(r MeshRoute) string { return r.Name }
	report("apps", itemNames(p.Spec.Apps, appName), itemNames(merged.Spec.Apps, appName))
	report("routes", itemNames(p.Spec.Routes, routeIdentity), itemNames(merged.Spec.Routes, routeIdentity))
	report("meshRoutes", itemNames(p.Spec.MeshRoutes, meshName), itemNames(merged.Spec.MeshRoutes, meshName))
	return out
}

// appOnly keeps, of an annotated spec document, the app named app and the routes that reach it.
func appOnly(doc *yaml.Node, merged *Platform, env, app string) (*yaml.Node, error) {
	spec := doc.Content[manifest.FieldIndex(doc, "spec")+1]
	names := itemNames(merged.Spec.Apps, func(a App) string { return a.Name })
	i := indexOf(names, app)
	if i < 0 {
		return nil, fmt.Errorf("environment %s has no app %q%s", env, app, didYouMean(app, names))
	}
	apps := spec.Content[manifest.FieldIndex(spec, "apps")+1]
	out := &yaml.Node{Kind: yaml.MappingNode}
	key := func(k string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: k, Tag: "!!str"} }
	out.Content = append(out.Content, key("apps"), &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{apps.Content[i]}})
	var routes []*yaml.Node
	if j := manifest.FieldIndex(spec, "routes"); j >= 0 {
		for k, r := range merged.Spec.Routes {
			if reaches(r, app) {
				routes = append(routes, spec.Content[j+1].Content[k])
			}
		}
	}
	if len(routes) > 0 {
		out.Content = append(out.Content, key("routes"), &yaml.Node{Kind: yaml.SequenceNode, Content: routes})
	}
	return out, nil
}

// reaches reports whether route r sends any request to app.
func reaches(r Route, app string) bool {
	if r.App == app || (r.Mirror != nil && r.Mirror.App == app) {
		return true
	}
	for _, b := range r.Backends {
		if b.App == app {
			return true
		}
	}
	return false
}
