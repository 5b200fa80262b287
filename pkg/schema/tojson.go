package schema

import (
	"encoding/json"
	"reflect"
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// json writes the checked node tree n (of type t) as the JSON that yaml.v3's decode
// into any followed by json.Marshal would give, as far as json.Unmarshal can tell (key
// order and string escapes may differ), without building the generic value: the typed
// parts straight from the nodes, values of other kinds (free-form helm values) through
// yaml.v3 and encoding/json. It reports false for YAML it does not cover (merge keys,
// keys that are not plain strings, unusual tags), for which the caller takes the
// generic path.
func (w walker) json(buf []byte, n *yaml.Node, t reflect.Type, depth int) ([]byte, bool) {
	if n = aliased(n); depth > maxDepth || n == nil {
		return buf, false
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return append(buf, "null"...), true
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		if n.Kind != yaml.MappingNode || (n.Tag != "!!map" && n.Tag != "") {
			return buf, false
		}
		buf = append(buf, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
				return buf, false
			}
			ft := t
			if t.Kind() == reflect.Map {
				ft = t.Elem()
			} else {
				var ok bool
				if ft, ok = w.fieldType(t, k.Value); !ok {
					return buf, false
				}
			}
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, k.Value)
			buf = append(buf, ':')
			var ok bool
			if buf, ok = w.json(buf, v, ft, depth+1); !ok {
				return buf, false
			}
		}
		return append(buf, '}'), true
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode || (n.Tag != "!!seq" && n.Tag != "") {
			return buf, false
		}
		buf = append(buf, '[')
		for i, item := range n.Content {
			if i > 0 {
				buf = append(buf, ',')
			}
			var ok bool
			if buf, ok = w.json(buf, item, t.Elem(), depth+1); !ok {
				return buf, false
			}
		}
		return append(buf, ']'), true
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			return buf, false
		}
		return appendJSONString(buf, n.Value), true
	case reflect.Int32, reflect.Int64, reflect.Int:
		if v, ok := plainInt(n); ok {
			return strconv.AppendInt(buf, v, 10), true
		}
	case reflect.Bool:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
			switch n.Value {
			case "true", "True", "TRUE":
				return append(buf, "true"...), true
			case "false", "False", "FALSE":
				return append(buf, "false"...), true
			}
		}
	}
	// Anything else as yaml.v3 and encoding/json make it.
	var v any
	if err := n.Decode(&v); err != nil {
		return buf, false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return buf, false
	}
	return append(buf, b...), true
}

// plainInt is the value of an integer scalar written in plain decimal (no sign but
// '-', no leading zeros, underscores or base prefixes), the form yaml.v3 reads as
// strconv does; it reports false for every other form.
func plainInt(n *yaml.Node) (int64, bool) {
	s := n.Value
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Style != 0 || s == "" {
		return 0, false
	}
	digits := s
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if digits == "" || len(digits) > 18 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 is written as it is:
// json.Unmarshal reads it as U+FFFD, as it reads json.Marshal's "\ufffd".
func appendJSONString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\t':
			buf = append(buf, '\\', 't')
		case '\r':
			buf = append(buf, '\\', 'r')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
