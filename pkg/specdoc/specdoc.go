// Package specdoc writes the spec reference (docs/spec.md) from the spec's JSON Schema:
// one table per object type, in the order a reader meets them from the root.
package specdoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/invopop/jsonschema"
)

// Markdown renders the JSON Schema schemaJSON (as `krm-gen schema` prints it) as a
// Markdown reference. The output depends only on the schema.
func Markdown(schemaJSON []byte) ([]byte, error) {
	var root jsonschema.Schema
	if err := json.Unmarshal(schemaJSON, &root); err != nil {
		return nil, fmt.Errorf("spec reference: reading the JSON Schema: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Platform spec reference\n\n")
	fmt.Fprintf(&b, "<!-- Generated from the JSON Schema (`krm-gen schema`) by `make render`; `make verify` checks it. Do not edit. -->\n\n")
	if root.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", root.Description)
	}
	fmt.Fprintf(&b, "Schema `$id`: `%s`. Decoding is strict: a field not listed here is an error. "+
		"Fields marked **required** must be set; the others have defaults or are optional. "+
		"Compatibility: [compatibility.md](compatibility.md).\n\n", root.ID)

	order := []string{"Platform"}
	defs := map[string]*jsonschema.Schema{"Platform": &root}
	for name, d := range root.Definitions {
		defs[name] = d
	}
	seen := map[string]bool{"Platform": true}
	for i := 0; i < len(order); i++ {
		for _, ref := range refs(defs[order[i]]) {
			if !seen[ref] && defs[ref] != nil {
				seen[ref] = true
				order = append(order, ref)
			}
		}
	}
	// Definitions no field reaches (none today) still get a section, last, by name.
	var rest []string
	for name := range defs {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	order = append(order, rest...)

	fmt.Fprintf(&b, "Types: ")
	for i, name := range order {
		if i > 0 {
			b.WriteString(" · ")
		}
		fmt.Fprintf(&b, "[%s](#%s)", name, strings.ToLower(name))
	}
	b.WriteString("\n")
	for _, name := range order {
		section(&b, name, defs[name])
	}
	return b.Bytes(), nil
}

func section(b *bytes.Buffer, name string, s *jsonschema.Schema) {
	fmt.Fprintf(b, "\n## %s\n\n", name)
	if s.Description != "" && name != "Platform" {
		fmt.Fprintf(b, "%s\n\n", cell(s.Description))
	}
	if s.Properties == nil || s.Properties.Len() == 0 {
		fmt.Fprintf(b, "Type: %s.\n", typeOf(s))
		return
	}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	b.WriteString("| field | type | description |\n| --- | --- | --- |\n")
	for p := s.Properties.Oldest(); p != nil; p = p.Next() {
		desc := cell(p.Value.Description)
		if len(p.Value.Enum) > 0 {
			vals := make([]string, len(p.Value.Enum))
			for i, v := range p.Value.Enum {
				vals[i] = fmt.Sprintf("`%v`", v)
			}
			if desc != "" {
				desc += "; "
			}
			desc += "one of " + strings.Join(vals, ", ")
		}
		if required[p.Key] {
			desc = strings.TrimSpace("**required**. " + desc)
		}
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", p.Key, typeOf(p.Value), desc)
	}
}

// typeOf words a schema's type, linking object types to their section.
func typeOf(s *jsonschema.Schema) string {
	switch {
	case s == nil:
		return "any"
	case s.Ref != "":
		n := refName(s.Ref)
		return fmt.Sprintf("[%s](#%s)", n, strings.ToLower(n))
	case s.Type == "array":
		return "list of " + typeOf(s.Items)
	case s.Type == "object" && s.AdditionalProperties != nil && !isBool(s.AdditionalProperties):
		return "map of string to " + typeOf(s.AdditionalProperties)
	case len(s.OneOf) > 0 || len(s.AnyOf) > 0:
		var alts []string
		for _, a := range append(append([]*jsonschema.Schema{}, s.OneOf...), s.AnyOf...) {
			alts = append(alts, typeOf(a))
		}
		return strings.Join(alts, " or ")
	case s.Type != "":
		return s.Type
	default:
		return "any"
	}
}

// refs lists the definitions a schema's fields refer to, in field order.
func refs(s *jsonschema.Schema) []string {
	var out []string
	var walk func(*jsonschema.Schema)
	walk = func(s *jsonschema.Schema) {
		if s == nil {
			return
		}
		if s.Ref != "" {
			out = append(out, refName(s.Ref))
			return
		}
		walk(s.Items)
		if !isBool(s.AdditionalProperties) {
			walk(s.AdditionalProperties)
		}
		for _, a := range s.OneOf {
			walk(a)
		}
		for _, a := range s.AnyOf {
			walk(a)
		}
		if s.Properties != nil {
			for p := s.Properties.Oldest(); p != nil; p = p.Next() {
				walk(p.Value)
			}
		}
	}
	walk(s)
	return out
}

// isBool reports whether s is the schema true or false (as additionalProperties: false).
func isBool(s *jsonschema.Schema) bool {
	if s == nil {
		return false
	}
	b, err := json.Marshal(s)
	return err == nil && (string(b) == "true" || string(b) == "false")
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

// cell makes text safe in a table cell: pipes escaped, and angle brackets too, so that
// placeholders such as <app>-<version> are not read as HTML tags (and hidden).
func cell(s string) string {
	s = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}
