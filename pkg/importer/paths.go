package importer

import (
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// lineOf is the line of field (dotted, with [i] list indexes, e.g.
// "spec.rules[0].matches") in o, or of the nearest parent present.
func lineOf(o *Object, field string) int {
	n := o.Node
	line := o.Line
	for _, seg := range splitPath(field) {
		if n == nil {
			break
		}
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if i, err := strconv.Atoi(seg); err == nil && n != nil && n.Kind == yaml.SequenceNode {
			if i < 0 || i >= len(n.Content) {
				break
			}
			n = n.Content[i]
		} else {
			n = child(n, seg)
		}
		if n != nil {
			line = n.Line
		}
	}
	return line
}

// splitPath splits "a.b[0].c" into a, b, 0, c; keys with dots are written a["x.y"].
func splitPath(p string) []string {
	var out []string
	for p != "" {
		switch {
		case strings.HasPrefix(p, "[\""):
			end := strings.Index(p, "\"]")
			if end < 0 {
				return append(out, p[2:])
			}
			out = append(out, p[2:end])
			p = p[end+2:]
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return out
			}
			out = append(out, p[1:end])
			p = p[end+1:]
		case p[0] == '.':
			p = p[1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				return append(out, p)
			}
			out = append(out, p[:end])
			p = p[end:]
		}
	}
	return out
}

// joinKey appends a map key to a path, quoting keys that hold dots or slashes.
func joinKey(path, key string) string {
	if strings.ContainsAny(key, "./[]") {
		return path + "[\"" + key + "\"]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// lookup returns the value at a dotted path of a JSON object, or nil.
func lookup(m map[string]any, path ...string) any {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
