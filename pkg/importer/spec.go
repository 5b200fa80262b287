package importer

import (
	"bytes"
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/internal/manifest"
)

// SpecYAML writes the imported Platform as a commented YAML document: a header
// naming the command (its arguments: options and inputs) and the report's size,
// and a comment on each field import guessed (Notes).
func (r *Result) SpecYAML(command []string) ([]byte, error) {
	if r.Platform == nil {
		return nil, fmt.Errorf("no platform imported")
	}
	root, err := manifest.Encode(r.Platform)
	if err != nil {
		return nil, fmt.Errorf("encoding the spec: %w", err)
	}
	root.HeadComment = fmt.Sprintf("Written by `krm-gen import %s`.\n"+
		"%d input field(s) or object(s) are not carried over and the rendered platform\n"+
		"differs from the input in %d way(s): both lists were printed by the import.\n"+
		"Review this spec, render it (krm-gen render -f platform.yaml -o DIR) and read\n"+
		"the diff against the input before the first sync.", strings.Join(command, " "), len(r.Losses), len(r.Differences))
	if err := keepNulls(root, r.Platform.Spec.Environments); err != nil {
		return nil, fmt.Errorf("encoding the spec: %w", err)
	}
	for path, note := range r.Notes {
		if k := keyNode(root, splitPath(path)); k != nil {
			k.HeadComment = note
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, fmt.Errorf("writing the spec: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("writing the spec: %w", err)
	}
	return buf.Bytes(), nil
}

// keyNode is the key node of the mapping field at path, or nil.
func keyNode(n *yaml.Node, path []string) *yaml.Node {
	var key *yaml.Node
	for _, seg := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == seg {
				key, n, found = n.Content[i], n.Content[i+1], true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return key
}

// Report is the text import prints: the losses, then the differences.
func (r *Result) Report() string {
	var b strings.Builder
	if len(r.Losses) > 0 {
		fmt.Fprintf(&b, "Not carried over (%d):\n", len(r.Losses))
		for _, l := range r.Losses {
			b.WriteString(l.String() + "\n")
		}
	}
	if len(r.Differences) > 0 {
		fmt.Fprintf(&b, "What the rendered platform does differently (%d):\n", len(r.Differences))
		for _, d := range r.Differences {
			b.WriteString("- " + d + "\n")
		}
	}
	return b.String()
}
