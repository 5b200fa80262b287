package specdoc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/schema"
	"github.com/krm-gen/krm-gen/pkg/specdoc"
)

// TestEveryFieldIsDocumented: each definition of the schema has a section, and each of
// its properties a row.
func TestEveryFieldIsDocumented(t *testing.T) {
	js, err := schema.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	md, err := specdoc.Markdown(js)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Defs map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(js, &s); err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	for _, part := range strings.Split(string(md), "\n## ")[1:] {
		name, body, _ := strings.Cut(part, "\n")
		sections[name] = body
	}
	for name, def := range s.Defs {
		body, ok := sections[name]
		if !ok {
			t.Errorf("no section for %s", name)
			continue
		}
		for p := range def.Properties {
			if !strings.Contains(body, "| `"+p+"` |") {
				t.Errorf("%s: no row for %s", name, p)
			}
		}
	}
}

func TestMarkdownTypes(t *testing.T) {
	cases := []struct{ name, schema, want string }{
		{"ref", `{"properties": {"a": {"$ref": "#/$defs/A"}}, "$defs": {"A": {"type": "object"}}}`, "| `a` | [A](#a) |  |"},
		{"list", `{"properties": {"a": {"type": "array", "items": {"type": "string"}}}}`, "| `a` | list of string |  |"},
		{"map", `{"properties": {"a": {"type": "object", "additionalProperties": {"type": "integer"}}}}`, "| `a` | map of string to integer |  |"},
		{"placeholder", `{"properties": {"a": {"type": "string", "description": "Service <app>-<version>"}}}`, "| `a` | string | Service &lt;app&gt;-&lt;version&gt; |"},
		{"enum, required", `{"required": ["a"], "properties": {"a": {"type": "string", "enum": ["x", "y"], "description": "Pick | one"}}}`, "| `a` | string | **required**. Pick \\| one; one of `x`, `y` |"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			md, err := specdoc.Markdown([]byte(c.schema))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(md), c.want+"\n") {
				t.Errorf("got:\n%s\nwant a line %q", md, c.want)
			}
		})
	}
}
