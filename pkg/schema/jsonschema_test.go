package schema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := schema.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schema.SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schema.SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func instance(t *testing.T, data []byte) any {
	t.Helper()
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSpecsMatchJSONSchema checks every blueprint and golden spec against the
// published schema, that each blueprint carries the yaml-language-server modeline,
// and that the schema rejects what strict decoding rejects.
func TestSpecsMatchJSONSchema(t *testing.T) {
	s := compile(t)
	bps, _ := filepath.Glob("../../blueprints/*/platform.yaml")
	golden, _ := filepath.Glob("../../testdata/golden/*/platform.yaml")
	if len(bps) == 0 {
		t.Fatal("no blueprints")
	}
	for _, p := range append(bps, golden...) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(instance(t, data)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if strings.Contains(p, "blueprints") && !strings.HasPrefix(string(data), "# yaml-language-server: $schema=../../schema/platform.schema.json\n") {
			t.Errorf("%s: must start with the yaml-language-server modeline", p)
		}
	}
	for _, bad := range []string{"unknown-field-suggestion", "taint-bad-effect", "app-port-not-int", "wrong-kind"} {
		data, _ := os.ReadFile("../../testdata/invalid/" + bad + ".yaml")
		if err := s.Validate(instance(t, data)); err == nil {
			t.Errorf("schema accepts testdata/invalid/%s.yaml", bad)
		}
	}
}

func TestCommittedSchemaIsCurrent(t *testing.T) {
	b, err := schema.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../../schema/platform.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, committed) {
		t.Error("schema/platform.schema.json is stale: run `make render`")
	}
	if !json.Valid(committed) {
		t.Error("committed schema is not JSON")
	}
}

// TestDescriptionsKeepTheirCommas: the schema reflector splits a jsonschema tag at
// commas, so a description's own commas must be escaped (\\, in the Go tag) or the
// description is cut at the first one in the schema and in docs/spec.md.
func TestDescriptionsKeepTheirCommas(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	tag := regexp.MustCompile(`jsonschema:"description=([^"]*)"`)
	checked := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tag.FindAllSubmatch(src, -1) {
			checked++
			if d := string(m[1]); regexp.MustCompile(`(^|[^\\]),`).MatchString(d) {
				t.Errorf("%s: description %q has an unescaped comma: write \\\\, (the schema would cut it there)", f, d)
			}
		}
	}
	if checked < 50 {
		t.Errorf("checked %d descriptions, want the schema's (at least 50)", checked)
	}
}
