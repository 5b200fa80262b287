package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// slab hands out nodes and Content slices from large blocks, and keeps the children of
// the mappings and sequences being built on a stack: a render makes millions of nodes.
//
// The blocks handed out are remembered, so that reset can hand them out again.
type slab struct {
	nodes []yaml.Node
	ptrs  []*yaml.Node
	stack []*yaml.Node

	blocks    [][]yaml.Node  // node blocks made; the first usedNodes are in use
	ptrBlocks [][]*yaml.Node // pointer blocks of the standard size made; the first usedPtrs in use
	usedNodes int
	usedPtrs  int
}

const (
	nodeBlock = 512  // nodes per block
	ptrBlock  = 1024 // node pointers per standard block
)

// reset makes every block free again, zeroed: no node handed out before may be used.
func (s *slab) reset() {
	for _, b := range s.blocks[:s.usedNodes] {
		clear(b)
	}
	for _, b := range s.ptrBlocks[:s.usedPtrs] {
		clear(b)
	}
	s.usedNodes, s.usedPtrs = 0, 0
	s.nodes, s.ptrs = nil, nil
}

// node returns a zeroed node.
func (s *slab) node() *yaml.Node {
	if len(s.nodes) == 0 {
		if s.usedNodes == len(s.blocks) {
			s.blocks = append(s.blocks, make([]yaml.Node, nodeBlock))
		}
		s.nodes = s.blocks[s.usedNodes]
		s.usedNodes++
	}
	n := &s.nodes[0]
	s.nodes = s.nodes[1:]
	return n
}

// content returns a slice of k node pointers (capacity k: appending to it later never
// touches its neighbours).
func (s *slab) content(k int) []*yaml.Node {
	if k == 0 {
		return nil
	}
	if len(s.ptrs) < k {
		switch {
		case k > ptrBlock:
			s.ptrs = make([]*yaml.Node, k) // one of a kind: not reused
		case s.usedPtrs < len(s.ptrBlocks):
			s.ptrs = s.ptrBlocks[s.usedPtrs]
			s.usedPtrs++
		default:
			s.ptrs = make([]*yaml.Node, ptrBlock)
			s.ptrBlocks = append(s.ptrBlocks, s.ptrs)
			s.usedPtrs++
		}
	}
	c := s.ptrs[:k:k]
	s.ptrs = s.ptrs[k:]
	return c
}

// pop moves the children above base on the stack into an exactly sized slice.
func (s *slab) pop(base int) []*yaml.Node {
	c := s.content(len(s.stack) - base)
	copy(c, s.stack[base:])
	clear(s.stack[base:])
	s.stack = s.stack[:base]
	return c
}

func (s *slab) scalar(tag, value string) *yaml.Node {
	n := s.node()
	n.Kind, n.Tag, n.Value = yaml.ScalarNode, tag, value
	return n
}

// str is a string scalar, a literal block when it spans lines.
func (s *slab) str(v string) *yaml.Node {
	n := s.scalar("!!str", v)
	if literal(v) {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// literal: s is written as a literal block (multi-line, no tabs, CRs or trailing spaces).
func literal(s string) bool {
	return strings.IndexByte(s, '\n') >= 0 && !strings.ContainsAny(s, "\t\r") && !hasTrailingSpace(s)
}

// hasTrailingSpace: a line of s ends with a space.
func hasTrailingSpace(s string) bool {
	return strings.Contains(s, " \n") || strings.HasSuffix(s, " ")
}

// decodeJSON converts one JSON document (what a MarshalJSON method wrote) into YAML
// nodes from s; it returns nil for null. Object members whose value is null are left
// out; everything else is kept. It reads the bytes directly: json.Decoder.Token costs
// an allocation per token.
func decodeJSON(raw []byte, s *slab) (*yaml.Node, error) {
	d := jsonReader{b: raw, s: s}
	n, err := d.value()
	if err != nil {
		return nil, err
	}
	if d.skipSpace(); d.i != len(d.b) {
		return nil, d.errorf("unexpected data after the top-level value")
	}
	return n, nil
}

type jsonReader struct {
	b []byte
	i int
	s *slab
}

func (d *jsonReader) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", d.i, fmt.Sprintf(format, args...))
}

func (d *jsonReader) skipSpace() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value reads one JSON value; it returns nil for null.
func (d *jsonReader) value() (*yaml.Node, error) {
	d.skipSpace()
	if d.i >= len(d.b) {
		return nil, d.errorf("unexpected end of input")
	}
	switch c := d.b[d.i]; {
	case c == '{':
		d.i++
		m := d.s.node()
		m.Kind, m.Tag = yaml.MappingNode, "!!map"
		if d.skipSpace(); d.i < len(d.b) && d.b[d.i] == '}' {
			d.i++
			return m, nil
		}
		base := len(d.s.stack)
		for {
			if d.skipSpace(); d.i >= len(d.b) || d.b[d.i] != '"' {
				return nil, d.errorf("expected an object key")
			}
			key, err := d.string()
			if err != nil {
				return nil, err
			}
			if d.skipSpace(); d.i >= len(d.b) || d.b[d.i] != ':' {
				return nil, d.errorf("expected ':'")
			}
			d.i++
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			if v != nil {
				d.s.stack = append(d.s.stack, d.s.str(key), v)
			}
			if d.skipSpace(); d.i < len(d.b) && d.b[d.i] == ',' {
				d.i++
				continue
			}
			if d.i < len(d.b) && d.b[d.i] == '}' {
				d.i++
				m.Content = d.s.pop(base)
				return m, nil
			}
			return nil, d.errorf("expected ',' or '}'")
		}
	case c == '[':
		d.i++
		sq := d.s.node()
		sq.Kind, sq.Tag = yaml.SequenceNode, "!!seq"
		if d.skipSpace(); d.i < len(d.b) && d.b[d.i] == ']' {
			d.i++
			return sq, nil
		}
		base := len(d.s.stack)
		for {
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			if v == nil {
				v = d.s.scalar("!!null", "null")
			}
			d.s.stack = append(d.s.stack, v)
			if d.skipSpace(); d.i < len(d.b) && d.b[d.i] == ',' {
				d.i++
				continue
			}
			if d.i < len(d.b) && d.b[d.i] == ']' {
				d.i++
				sq.Content = d.s.pop(base)
				return sq, nil
			}
			return nil, d.errorf("expected ',' or ']'")
		}
	case c == '"':
		s, err := d.string()
		if err != nil {
			return nil, err
		}
		return d.s.str(s), nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := d.i
		for d.i < len(d.b) && strings.IndexByte("0123456789+-.eE", d.b[d.i]) >= 0 {
			d.i++
		}
		num := string(d.b[start:d.i])
		tag := "!!int"
		if strings.ContainsAny(num, ".eE") {
			tag = "!!float"
		}
		return d.s.scalar(tag, num), nil
	case bytes.HasPrefix(d.b[d.i:], []byte("true")):
		d.i += 4
		return d.s.scalar("!!bool", "true"), nil
	case bytes.HasPrefix(d.b[d.i:], []byte("false")):
		d.i += 5
		return d.s.scalar("!!bool", "false"), nil
	case bytes.HasPrefix(d.b[d.i:], []byte("null")):
		d.i += 4
		return nil, nil
	}
	return nil, d.errorf("unexpected character %q", d.b[d.i])
}

// string reads a JSON string starting at its opening quote. Strings without escapes
// (nearly all) are copied as they are; the rest are unquoted by encoding/json.
func (d *jsonReader) string() (string, error) {
	start := d.i
	j := start + 1
	escaped := false
	for ; j < len(d.b); j++ {
		if c := d.b[j]; c == '"' {
			break
		} else if c == '\\' {
			escaped = true
			j++
		}
	}
	if j >= len(d.b) {
		return "", d.errorf("unterminated string")
	}
	d.i = j + 1
	body := d.b[start+1 : j]
	if !escaped && utf8.Valid(body) {
		return string(body), nil
	}
	var s string
	if err := json.Unmarshal(d.b[start:j+1], &s); err != nil {
		return "", err
	}
	return s, nil
}
