package manifest

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Patch encodes a partial typed object as a strategic-merge patch document. Besides
// what Encode leaves out, it leaves out zero scalars and empty structs that were not
// set through a pointer: typed structs carry required fields (a container's name, an
// HPA's scaleTargetRef) that a patch does not set and must not overwrite. A field set
// to zero through a pointer (`replicas: 0`) is kept.
func Patch(obj any) (string, error) {
	e := NewEncoder()
	e.patch = true
	n, err := e.value(reflect.ValueOf(obj), true)
	if err != nil {
		return "", fmt.Errorf("encoding %T: %w", obj, err)
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return "", fmt.Errorf("encoding %T: not an object", obj)
	}
	if i := FieldIndex(n, "status"); i >= 0 {
		n.Content = slices.Delete(n.Content, i, i+2)
	}
	if len(n.Content) == 0 {
		return "{}\n", nil
	}
	var buf bytes.Buffer
	if err := Write(&buf, n); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// Marshal encodes objects into one YAML stream.
func Marshal(objs ...any) ([]byte, error) {
	e := NewEncoder()
	nodes := make([]*yaml.Node, 0, len(objs))
	for _, o := range objs {
		n, err := e.Encode(o)
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
