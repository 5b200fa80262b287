package writer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// parsedIdentity is an object's identity as a YAML parser reads it ("" when the
// document is no object).
func parsedIdentity(t *testing.T, doc []byte) string {
	t.Helper()
	n, err := yaml.Parse(string(doc))
	if err != nil || n.GetKind() == "" {
		return ""
	}
	return identity(n.GetKind(), n.GetNamespace(), n.GetName())
}

// TestPlainIdentityOfRenderedTrees: every object of every committed tree is read by
// the fast path, with the identity the YAML parser gives.
func TestPlainIdentityOfRenderedTrees(t *testing.T) {
	var files []string
	for _, root := range []string{"../../out", "../../testdata/golden"} {
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
				files = append(files, p)
			}
			return nil
		})
	}
	docs := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range bytes.Split(b, []byte("\n---\n")) {
			doc = bytes.TrimSpace(doc)
			want := parsedIdentity(t, doc)
			if want == "" {
				continue // a platform.yaml with comments, a kustomization: not rendered objects
			}
			docs++
			got, ok := plainIdentity(doc)
			if !ok && strings.Contains(f, "/expected/") || !ok && strings.HasPrefix(f, "../../out/") {
				t.Errorf("%s: the fast path declines a rendered object (%s)", f, want)
			} else if ok && got != want {
				t.Errorf("%s: fast identity %q, parsed %q", f, got, want)
			}
		}
	}
	if docs < 300 {
		t.Errorf("checked %d objects, want the committed trees' (over 300)", docs)
	}
}

// TestPlainIdentityDeclines: hand-edited forms the fast path cannot be sure of go to
// the parser; where it answers, it answers as the parser does.
func TestPlainIdentityDeclines(t *testing.T) {
	for _, doc := range []string{
		"kind: ConfigMap\nmetadata:\n  name: \"quoted\"\n  namespace: a",
		"kind: ConfigMap\nmetadata:\n  name: a # comment",
		"kind: ConfigMap\nmetadata: {name: flow, namespace: a}",
		"{kind: ConfigMap, metadata: {name: flow}}",
		"kind: ConfigMap\nmetadata:\n  name: null",
		"kind: ConfigMap\nkind: Secret\nmetadata:\n  name: a",
		"kind: ConfigMap\nmetadata:\n  name: &x a",
		"---\nkind: ConfigMap\nmetadata:\n  name: a",
		"- kind: ConfigMap",
		"kind: ConfigMap\nmetadata:\n    name: deeper",
		"kind: ConfigMap",
	} {
		got, ok := plainIdentity([]byte(doc))
		if ok && got != parsedIdentity(t, []byte(doc)) {
			t.Errorf("%q: fast identity %q, parsed %q", doc, got, parsedIdentity(t, []byte(doc)))
		}
		if ok && strings.ContainsAny(doc, "\"#{&") {
			t.Errorf("%q: read by the fast path (%q), want the parser", doc, got)
		}
	}
	// Nested keys named like metadata's own are not taken for them.
	doc := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: real\n  labels:\n    name: label\n    namespace: label\n  namespace: ns\ndata:\n  name: data\n"
	if got, ok := plainIdentity([]byte(doc)); !ok || got != "ConfigMap ns/real" {
		t.Errorf("got %q %v, want ConfigMap ns/real", got, ok)
	}
}
