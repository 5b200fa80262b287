package krmfn

import (
	"bytes"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestEncodeSplit: encodeSplit writes byte for byte what one yaml.v3 encoding of the
// document writes, whatever the comments and styles, and splits where it can.
func TestEncodeSplit(t *testing.T) {
	cases := []struct {
		name, doc string
		split     bool // whether a sequence is encoded item by item
	}{
		{"plain", "spec:\n  apps:\n  - name: a\n  - name: b\n  - name: c\n", true},
		{"head comments on items", "spec:\n  apps:\n  # first\n  - name: a # line\n  # second\n  - {name: b, port: 80}\n", true},
		{"comment on the key", "spec:\n  # the apps\n  apps: # line\n  - a\n  - b\n", true},
		{"foot comment on the last item", "spec:\n  apps:\n  - a\n  - b\n  # foot\nother: 1\n", true},
		{"foot comment inside", "spec:\n  apps:\n  - a: 1\n\n    # foot of a\n  - b: 2\n", false},
		{"nested sequences", "spec:\n  apps:\n  - name: a\n    files:\n    - path: /x\n      content: |\n        hi\n    - path: /y\n  - name: b\ntop:\n- 1\n- 2\n", true},
		{"flow sequence", "spec:\n  apps: [a, b, c]\n", false},
		{"literal blocks and quotes", "data:\n  items:\n  - |\n    line one\n      indented\n  - 'it''s'\n  - \"tab\\there\"\n  - \"on\"\n", true},
		{"anchors", "a:\n  list: &l\n  - 1\n  - 2\nb: *l\n", false},
		{"too short", "spec:\n  apps:\n  - a\n", false},
		{"the placeholder as a value", "spec:\n  apps:\n  - " + sentinel + "-0\n  - b\n", false},
		{"sequence of sequences", "m:\n  s:\n  - - 1\n    - 2\n  - - 3\n", true},
		{"empty items", "m:\n  s:\n  - {}\n  - []\n  - \"\"\n  - null\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(c.doc), &doc); err != nil {
				t.Fatal(err)
			}
			root := doc.Content[0]
			var want, got bytes.Buffer
			if err := encodeOne(&want, root); err != nil {
				t.Fatal(err)
			}
			if err := encodeSplit(&got, root, nil); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("encodeSplit:\n%s\nyaml.v3:\n%s", got.String(), want.String())
			}
			seqs, ok := splittable(root, nil, nil)
			if split := ok && len(seqs) > 0; split != c.split {
				t.Errorf("split = %v, want %v", split, c.split)
			}
			var again bytes.Buffer
			if err := encodeOne(&again, root); err != nil || again.String() != want.String() {
				t.Errorf("encodeSplit changed the document: %v\n%s", err, again.String())
			}
		})
	}
}
