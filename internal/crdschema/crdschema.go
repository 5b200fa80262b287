// Package crdschema validates objects against the openAPIV3Schema of
// CustomResourceDefinitions, for tests: the CRDs of an upstream release (read from the
// Go module cache) say whether krm-gen renders only fields that release serves. The
// schemas are checked as JSON Schema (types, enums, patterns, lengths, item counts,
// required fields), with unknown fields refused as the apiserver's strict field
// validation does; CEL rules are left to the apiserver (the e2e run).
package crdschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// Schemas are the compiled schemas of some CRDs, by apiVersion and kind.
type Schemas map[string]*jsonschema.Schema

func key(apiVersion, kind string) string { return apiVersion + " " + kind }

// LoadDir compiles every CustomResourceDefinition in the YAML files of dir.
func LoadDir(dir string) (Schemas, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	out := Schemas{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, doc := range bytes.Split(data, []byte("\n---")) {
			if err := out.add(doc, f); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (s Schemas) add(doc []byte, file string) error {
	var crd struct {
		Kind string
		Spec struct {
			Group string
			Names struct{ Kind string }
			// Versions each have a schema; served ones are validated.
			Versions []struct {
				Name   string
				Served bool
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				}
			}
		}
	}
	if err := yaml.Unmarshal(doc, &crd); err != nil || crd.Kind != "CustomResourceDefinition" {
		return nil // not a CRD
	}
	for _, v := range crd.Spec.Versions {
		if !v.Served || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		apiVersion := crd.Spec.Group + "/" + v.Name
		url := "mem://" + apiVersion + "/" + crd.Spec.Names.Kind
		c := jsonschema.NewCompiler()
		if err := c.AddResource(url, jsonSchema(v.Schema.OpenAPIV3Schema, true)); err != nil {
			return fmt.Errorf("%s: %s: %w", file, apiVersion, err)
		}
		sch, err := c.Compile(url)
		if err != nil {
			return fmt.Errorf("%s: %s %s: %w", file, apiVersion, crd.Spec.Names.Kind, err)
		}
		s[key(apiVersion, crd.Spec.Names.Kind)] = sch
	}
	return nil
}

// jsonSchema turns an OpenAPI v3 (structural) schema into JSON Schema: objects with
// properties refuse unknown ones (unless x-kubernetes-preserve-unknown-fields),
// int-or-string takes both, nullable takes null; metadata is left to the apiserver.
func jsonSchema(in map[string]any, root bool) any {
	out := map[string]any{}
	for k, v := range in {
		switch k {
		case "properties":
			props := map[string]any{}
			for name, p := range v.(map[string]any) {
				if root && name == "metadata" {
					props[name] = map[string]any{"type": "object"}
					continue
				}
				props[name] = jsonSchema(p.(map[string]any), false)
			}
			out[k] = props
		case "items", "additionalProperties":
			if m, ok := v.(map[string]any); ok {
				out[k] = jsonSchema(m, false)
			} else {
				out[k] = v
			}
		case "type", "enum", "pattern", "maxLength", "minLength", "maxItems", "minItems", "maximum", "minimum", "required", "format":
			if k == "format" {
				continue // Kubernetes formats (int32, date-time) are not JSON Schema's
			}
			out[k] = v
		case "allOf", "anyOf", "oneOf":
			var list []any
			for _, s := range v.([]any) {
				list = append(list, jsonSchema(s.(map[string]any), false))
			}
			out[k] = list
		}
	}
	if in["x-kubernetes-int-or-string"] == true {
		delete(out, "type")
		out["type"] = []any{"integer", "string"}
	}
	if in["nullable"] == true {
		if t, ok := out["type"].(string); ok {
			out["type"] = []any{t, "null"}
		}
	}
	if _, hasProps := in["properties"]; hasProps && in["x-kubernetes-preserve-unknown-fields"] != true && in["additionalProperties"] == nil {
		out["additionalProperties"] = false
	}
	return out
}

// Validate checks one object; it reports whether a schema for its apiVersion and kind
// was loaded, and its problems, one per line.
func (s Schemas) Validate(obj map[string]any) (bool, []string) {
	sch, ok := s[key(fmt.Sprint(obj["apiVersion"]), fmt.Sprint(obj["kind"]))]
	if !ok {
		return false, nil
	}
	// Through JSON: the schema library wants JSON numbers, not Go ints.
	b, err := json.Marshal(obj)
	if err != nil {
		return true, []string{err.Error()}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return true, []string{err.Error()}
	}
	err = sch.Validate(inst)
	if err == nil {
		return true, nil
	}
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "jsonschema validation failed") {
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	return true, lines
}
