// Package manifest turns typed Kubernetes objects into YAML nodes and bytes:
// field order follows the Go structs, with apiVersion and kind first; unset
// fields (null, empty objects such as status) are dropped; output is deterministic.
package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// keepEmpty lists keys whose empty object value is meaningful and must be kept.
var keepEmpty = map[string]bool{"emptyDir": true, "selfSigned": true}

// Encode converts obj (anything encoding/json can marshal) into a YAML mapping node.
func Encode(obj any) (*yaml.Node, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := decodeValue(dec)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("encoding %T: not an object", obj)
	}
	hoist(n, "kind")
	hoist(n, "apiVersion")
	return n, nil
}

// hoist moves key to the front of mapping m.
func hoist(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			k, v := m.Content[i], m.Content[i+1]
			m.Content = append([]*yaml.Node{k, v}, append(m.Content[:i:i], m.Content[i+2:]...)...)
			return
		}
	}
}

// decodeValue reads one JSON value from dec; it returns nil for values to drop.
func decodeValue(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				if v == nil || (v.Kind == yaml.MappingNode && len(v.Content) == 0 && !keepEmpty[key]) {
					continue
				}
				m.Content = append(m.Content, str(key), v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				if v == nil {
					v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				}
				s.Content = append(s.Content, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if len(s.Content) == 0 {
				return nil, nil
			}
			return s, nil
		}
	case string:
		return str(t), nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(t.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t)}, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// str is a string scalar; multi-line strings use the literal block style.
func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") && !strings.ContainsAny(s, "\t\r") && !hasTrailingSpace(s) {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// pruneZero removes "" and 0 scalars and the objects and lists left empty by that.
func pruneZero(n *yaml.Node) *yaml.Node {
	switch n.Kind {
	case yaml.ScalarNode:
		if (n.Tag == "!!str" && n.Value == "") || (n.Tag == "!!int" && n.Value == "0") {
			return nil
		}
	case yaml.MappingNode:
		out := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], pruneZero(n.Content[i+1])
			if v != nil && (v.Kind != yaml.MappingNode || len(v.Content) > 0 || keepEmpty[k.Value]) {
				out = append(out, k, v)
			}
		}
		n.Content = out
		if len(n.Content) == 0 {
			return nil
		}
	case yaml.SequenceNode:
		out := n.Content[:0]
		for _, c := range n.Content {
			if v := pruneZero(c); v != nil {
				out = append(out, v)
			}
		}
		n.Content = out
		if len(n.Content) == 0 {
			return nil
		}
	}
	return n
}

func hasTrailingSpace(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if strings.HasSuffix(line, " ") {
			return true
		}
	}
	return false
}

// Write encodes nodes as a YAML stream, separating documents with "---".
func Write(w io.Writer, nodes ...*yaml.Node) error {
	for i, n := range nodes {
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		enc := yaml.NewEncoder(w)
		if err := enc.Encode(n); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
	}
	return nil
}

// Marshal encodes objects into one YAML stream.
func Marshal(objs ...any) ([]byte, error) {
	nodes := make([]*yaml.Node, 0, len(objs))
	for _, o := range objs {
		n, err := Encode(o)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	var buf bytes.Buffer
	if err := Write(&buf, nodes...); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Patch encodes a partial typed object as a strategic-merge patch document: besides
// what Encode drops, it drops status, empty strings and zero numbers, which typed
// structs emit for required fields the patch does not set.
func Patch(obj any) (string, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := decodeValue(dec)
	if err != nil {
		return "", err
	}
	if n == nil {
		return "{}\n", nil
	}
	n = pruneZero(n)
	for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "status" {
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			break
		}
	}
	if n == nil || len(n.Content) == 0 {
		return "{}\n", nil
	}
	var buf bytes.Buffer
	if err := Write(&buf, n); err != nil {
		return "", err
	}
	return buf.String(), nil
}
