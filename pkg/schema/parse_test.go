package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// sameNodes reports where a and b differ in what decoding reads (kind, tag, value,
// style, anchor, line, column, children; an alias by what it points at), "" if nowhere.
func sameNodes(a, b *yaml.Node, at string) string {
	switch {
	case a == nil || b == nil:
		if a != b {
			return at + ": one is nil"
		}
		return ""
	case a.Kind != b.Kind || a.Tag != b.Tag || a.Value != b.Value || a.Style != b.Style || a.Anchor != b.Anchor:
		return fmt.Sprintf("%s: %v %q %q style %v anchor %q vs %v %q %q style %v anchor %q", at, a.Kind, a.Tag, a.Value, a.Style, a.Anchor, b.Kind, b.Tag, b.Value, b.Style, b.Anchor)
	case a.Line != b.Line || a.Column != b.Column:
		return fmt.Sprintf("%s: at %d:%d vs %d:%d", at, a.Line, a.Column, b.Line, b.Column)
	case len(a.Content) != len(b.Content):
		return fmt.Sprintf("%s: %d vs %d children", at, len(a.Content), len(b.Content))
	case (a.Alias == nil) != (b.Alias == nil):
		return at + ": an alias in one only"
	case a.Alias != nil && (a.Alias.Line != b.Alias.Line || a.Alias.Column != b.Alias.Column):
		return fmt.Sprintf("%s: alias of %d:%d vs %d:%d", at, a.Alias.Line, a.Alias.Column, b.Alias.Line, b.Alias.Column)
	}
	for i := range a.Content {
		if d := sameNodes(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", at, i)); d != "" {
			return d
		}
	}
	return ""
}

// checkSplit parses data both ways: a split parse must give the whole parse's tree,
// and only of a document the whole parse reads. It reports whether data was split.
func checkSplit(t *testing.T, name string, data []byte, parts int) bool {
	t.Helper()
	split, ok := parseSplit(data, parts)
	if !ok {
		return false
	}
	whole, err := parseWhole(data)
	if err != nil || len(whole) != 1 {
		t.Fatalf("%s: split although the whole parse gives %d documents, error %v", name, len(whole), err)
	}
	if d := sameNodes(whole[0], split, ""); d != "" {
		t.Fatalf("%s: the split parse differs from the whole one at %s", name, d)
	}
	return true
}

// items repeats the item template (with %d for its number) n times.
func items(n int, template string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.ReplaceAll(template, "%d", fmt.Sprint(i)))
	}
	return b.String()
}

const specHead = "apiVersion: krm-gen.dev/v1alpha1\nkind: Platform\nmetadata:\n  name: p\nspec:\n  provider: eks\n"

// TestParseSpecSplitsAlike: on specs that split and on the forms that must not (or
// may not) split, the split parse is the whole parse.
func TestParseSpecSplitsAlike(t *testing.T) {
	item := "  - name: app-%d\n    namespace: team\n    image: nginx:1.%d\n    env:\n    - {name: A, value: \"%d\"}\n"
	for _, tc := range []struct {
		name  string
		spec  string
		split bool // must split (false: may or may not)
	}{
		{"indented list", specHead + "  apps:\n" + items(12, item) + "  gateway: {name: g}\n", true},
		{"indentless list", specHead + "  apps:\n" + items(12, "  - name: app-%d\n    port: 80%d\n") + "  health: {path: /h}\n", true},
		{"list last, no final newline", specHead + "  apps:\n" + strings.TrimSuffix(items(12, item), "\n"), true},
		{"comments and blank lines between items", specHead + "  apps: # the apps\n\n# team a\n" + items(12, item+"\n    # inside\n\n") + "# end\n  nodePools: {}\n", true},
		{"CRLF", strings.ReplaceAll(specHead+"  apps:\n"+items(12, item)+"  gateway: {name: g}\n", "\n", "\r\n"), true},
		{"block scalars with items inside", specHead + "  apps:\n" + items(12, "  - name: app-%d\n    files:\n    - content: |\n        - not: an item\n\n          - nor: this\n      path: /x\n    script: >-\n      - folded\n  # a comment in the list\n") + "  gateway: {}\n", true},
		{"scalar and null items", specHead + "  apps:\n" + items(12, "  - app-%d\n  -\n  - 'q%d'\n"), true},
		{"anchors within an item", specHead + "  apps:\n" + items(12, "  - name: &n app-%d\n    namespace: *n\n"), true},
		{"keys after the list", specHead + "  apps:\n" + items(12, item) + "  environments:\n  - name: dev\n  - name: prod\n", true},
		{"apps and routes", specHead + "  apps:\n" + items(12, item) + "  gateway: {}\n  routes:\n" + items(12, "  - {path: /a%d, app: app-%d}\n") + "  health: {}\n", true},
		{"routes before apps", specHead + "  routes:\n" + items(12, "  - path: /a%d\n    app: app-%d\n") + "  apps:\n" + items(12, item), true},
		{"routes too short to cut", specHead + "  apps:\n" + items(12, item) + "  routes:\n  - {path: /a, app: a}\n", true},
		{"quoted scalar over a cut", specHead + "  apps:\n" + items(6, item) + "  - name: \"long\n  - name: fake\n    x\"\n" + items(6, item), false},
		{"single-quoted scalar over a cut", specHead + "  apps:\n" + items(6, item) + "  - name: 'long\n  - name: fake'\n" + items(6, item), false},
		{"flow mapping over a cut", specHead + "  apps:\n" + items(6, item) + "  - {name: a,\n  - b: c}\n" + items(6, item), false},
		{"alias to another item", specHead + "  apps:\n  - name: &first app-x\n" + items(12, "  - name: app-%d\n    namespace: *first\n"), false},
		{"alias to an anchor before the list", specHead + "  team: &t team-a\n  apps:\n" + items(12, "  - name: app-%d\n    namespace: *t\n"), false},
		{"apps inside a quoted scalar", specHead + "  note: \"x\n  apps:\n" + items(12, "  - name: app-%d\n") + "  \"\n", false},
		{"apps twice", specHead + "  apps:\n" + items(6, item) + "  apps:\n" + items(6, item), false},
		{"a less indented line ends an item", specHead + "  apps:\n" + items(6, item) + " x: 1\n" + items(6, item), false},
		{"a sibling at the items' indentation", specHead + "  apps:\n" + items(6, item) + "  x: 1\n" + items(6, item), false},
		{"invalid YAML in an item", specHead + "  apps:\n" + items(6, item) + "  - name: [a, b\n" + items(6, item), false},
		{"tab after the dash", specHead + "  apps:\n" + items(6, item) + "  -\tname: t\n" + items(6, item), false},
		{"document markers", "---\n" + specHead + "  apps:\n" + items(12, item), false},
		{"directive", "%YAML 1.2\n---\n" + specHead + "  apps:\n" + items(12, item), false},
		{"flow list", specHead + "  apps: [" + strings.Repeat("{name: a}, ", 12) + "{name: b}]\n", false},
		{"apps elsewhere", "spec:\n  other:\n    apps:\n" + items(12, "    - name: a%d\n"), false},
		{"tagged list", specHead + "  apps: !!seq\n" + items(12, item), false},
		{"anchor defined again in the list", specHead + "  team: &t a\n  apps:\n" + items(12, "  - name: app-%d\n    namespace: &t t%d\n") + "  gateway: {name: *t}\n", false},
		{"lone CR", specHead + "  apps:\n" + items(6, item) + "  - name: a\r    namespace: b\n" + items(6, item), false},
		{"NEL", specHead + "  apps:\n" + items(6, item) + "  - name: a \u0085\n" + items(6, item), false},
		{"line separator", specHead + "  apps:\n" + items(6, item) + "  - name: a # \u2028x\n" + items(6, item), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if split := checkSplit(t, tc.name, []byte(tc.spec), 2); tc.split && !split {
				t.Fatalf("%s: not split", tc.name)
			}
			for parts := 3; parts <= 6; parts++ {
				checkSplit(t, tc.name, []byte(tc.spec), parts)
			}
		})
	}
}

// TestParseSpecOnTheRepositorysSpecs: every spec of the repository (blueprints,
// golden and invalid cases) parses split as whole, and parseSpec gives the whole
// parse of a spec big enough to split.
func TestParseSpecOnTheRepositorysSpecs(t *testing.T) {
	var files []string
	for _, glob := range []string{"../../blueprints/*/platform.yaml", "../../testdata/*/*.yaml", "../../testdata/*/*/*.yaml"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d specs found", len(files))
	}
	splits := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if checkSplit(t, f, data, 2) {
			splits++
		}
	}
	if splits == 0 {
		t.Fatal("no spec of the repository split: the test covers nothing")
	}
	big := []byte(specHead + "  apps:\n" + items(2000, "  - name: app-%d\n    namespace: team-%d\n    image: registry.example.com/app:%d\n"))
	if len(big) < minSplitBytes {
		t.Fatalf("big spec is %d bytes, under %d", len(big), minSplitBytes)
	}
	prev := runtime.GOMAXPROCS(2) // parseSpec splits only on more than one CPU
	got, err := parseSpec(big)
	runtime.GOMAXPROCS(prev)
	if err != nil || len(got) != 1 {
		t.Fatalf("parseSpec: %d documents, %v", len(got), err)
	}
	want, _ := parseWhole(big)
	if d := sameNodes(want[0], got[0], ""); d != "" {
		t.Fatalf("parseSpec differs from the whole parse at %s", d)
	}
}

// FuzzParseSpec: whenever a document splits, the split parse is the whole parse.
func FuzzParseSpec(f *testing.F) {
	item := "  - name: app-%d\n    env:\n    - {name: A, value: \"%d\"}\n"
	f.Add(specHead+"  apps:\n"+items(8, item), 2)
	f.Add(specHead+"  apps:\n"+items(4, item)+"  - name: \"a\n  - b\"\n"+items(4, item), 2)
	f.Add(specHead+"  apps:\n  - &a x\n"+items(8, "  - *a\n"), 3)
	f.Add(specHead+"  apps:\n"+items(8, "  - |\n    - x\n   y\n"), 2)
	f.Fuzz(func(t *testing.T, spec string, parts int) {
		if parts < 2 || parts > 8 {
			return
		}
		checkSplit(t, "fuzz", []byte(spec), parts)
	})
}
