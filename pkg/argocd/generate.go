package argocd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"text/template"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Applications are the Applications the ApplicationSet controller creates from s, as
// it does for list generators with goTemplate: every string of the template is a Go
// template executed over one element (with s's goTemplateOptions, e.g.
// missingkey=error), and each Application lives in the ApplicationSet's namespace.
// Tests and the e2e use it to check what a fleet bootstraps.
func (s *ApplicationSet) Applications() ([]Application, error) {
	if !s.Spec.GoTemplate {
		return nil, fmt.Errorf("ApplicationSet %s: only goTemplate templates are supported", s.Name)
	}
	tmpl, err := json.Marshal(s.Spec.Template)
	if err != nil {
		return nil, err
	}
	var out []Application
	for gi, g := range s.Spec.Generators {
		if g.List == nil {
			return nil, fmt.Errorf("ApplicationSet %s: generators[%d]: only list generators are supported", s.Name, gi)
		}
		for ei, el := range g.List.Elements {
			var doc any
			if err := json.Unmarshal(tmpl, &doc); err != nil {
				return nil, err
			}
			params := make(map[string]any, len(el))
			for k, v := range el {
				params[k] = v
			}
			doc, err = s.execute(doc, params)
			if err != nil {
				return nil, fmt.Errorf("ApplicationSet %s: generators[%d].list.elements[%d]: %w", s.Name, gi, ei, err)
			}
			b, err := json.Marshal(doc)
			if err != nil {
				return nil, err
			}
			var t ApplicationSetTemplate
			if err := json.Unmarshal(b, &t); err != nil {
				return nil, err
			}
			out = append(out, Application{
				TypeMeta: metav1.TypeMeta{APIVersion: APIVersion, Kind: "Application"},
				ObjectMeta: metav1.ObjectMeta{
					Name: t.Metadata.Name, Namespace: s.Namespace, Labels: t.Metadata.Labels,
					Annotations: t.Metadata.Annotations, Finalizers: t.Metadata.Finalizers,
				},
				Spec: t.Spec,
			})
		}
	}
	return out, nil
}

// execute runs every string of v (a JSON value) as a template over params.
func (s *ApplicationSet) execute(v any, params map[string]any) (any, error) {
	switch t := v.(type) {
	case string:
		tp, err := template.New("").Option(s.Spec.GoTemplateOptions...).Parse(t)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := tp.Execute(&b, params); err != nil {
			return nil, err
		}
		return b.String(), nil
	case map[string]any:
		for k, e := range t {
			r, err := s.execute(e, params)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			t[k] = r
		}
	case []any:
		for i, e := range t {
			r, err := s.execute(e, params)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			t[i] = r
		}
	}
	return v, nil
}
