package schema

import (
	"encoding"
	"encoding/json"
	"reflect"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// set decodes the checked node tree n (checked against type t) into v, which must
// hold its zero value, as json.Unmarshal of what json writes for n would: the typed
// parts straight from the nodes, anything else (patches, free-form values, scalars in
// unusual forms) through json and encoding/json, value by value. It reports false
// where json would, for the caller to take the whole-document path. Decoding a big
// spec spent a third of its time writing and reading that JSON.
func (w walker) set(v reflect.Value, n *yaml.Node, t reflect.Type, depth int) bool {
	if n = aliased(n); depth > maxDepth || n == nil {
		return false
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return true // null leaves a zero value as it is
	}
	if v.Kind() == reflect.Interface || w.unmarshals(v.Type()) {
		return w.setJSON(v, n, t, depth)
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v.Kind() == reflect.Pointer {
		p := reflect.New(v.Type().Elem())
		if !w.set(p.Elem(), n, t, depth) {
			return false
		}
		v.Set(p)
		return true
	}
	if v.Type() != t {
		return w.setJSON(v, n, t, depth)
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		if n.Kind != yaml.MappingNode || (n.Tag != "!!map" && n.Tag != "") {
			return false
		}
		if t.Kind() == reflect.Map {
			if t.Key().Kind() != reflect.String {
				return w.setJSON(v, n, t, depth)
			}
			v.Set(reflect.MakeMapWithSize(t, len(n.Content)/2))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
				return false
			}
			if t.Kind() == reflect.Map {
				if !utf8.ValidString(k.Value) {
					return w.setJSON(v, n, t, depth) // json.Unmarshal mends it
				}
				elem := reflect.New(t.Elem()).Elem()
				if !w.set(elem, val, t.Elem(), depth+1) {
					return false
				}
				v.SetMapIndex(reflect.ValueOf(k.Value).Convert(t.Key()), elem)
				continue
			}
			ft, index, ok := w.field(t, k.Value)
			if !ok || !w.set(v.FieldByIndex(index), val, ft, depth+1) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode || (n.Tag != "!!seq" && n.Tag != "") {
			return false
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			if !w.set(s.Index(i), item, t.Elem(), depth+1) {
				return false
			}
		}
		v.Set(s)
		return true
	case reflect.String:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && utf8.ValidString(n.Value) {
			v.SetString(n.Value)
			return true
		}
	case reflect.Int32, reflect.Int64, reflect.Int:
		if i, ok := plainInt(n); ok && !v.OverflowInt(i) {
			v.SetInt(i)
			return true
		}
	case reflect.Bool:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
			switch n.Value {
			case "true", "True", "TRUE":
				v.SetBool(true)
				return true
			case "false", "False", "FALSE":
				return true
			}
		}
	}
	return w.setJSON(v, n, t, depth)
}

// setJSON decodes n into v through json and encoding/json.
func (w walker) setJSON(v reflect.Value, n *yaml.Node, t reflect.Type, depth int) bool {
	raw, ok := w.json(nil, n, t, depth)
	return ok && json.Unmarshal(raw, v.Addr().Interface()) == nil
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// unmarshals reports whether *t decodes itself from JSON or text (json.Unmarshal
// asks it), looked up once per type and decode.
func (w walker) unmarshals(t reflect.Type) bool {
	u, ok := w.custom[t]
	if !ok {
		pt := reflect.PointerTo(t)
		u = pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler)
		w.custom[t] = u
	}
	return u
}
