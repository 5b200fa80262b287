package krmfn

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// yaml.v3's encoder keeps every event of a document until the document ends, so
// echoing a large functionConfig (a Platform of 1,000 apps) through it held tens of
// MiB at once. encodeSplit writes the same bytes with the long block sequences of
// the document encoded one item at a time.

// splitMin is the least number of items a sequence needs to be encoded item by item.
const splitMin = 2

// sentinel is the placeholder scalar an encoded sequence holds in place of its items.
const sentinel = "krm-gen-split-7f3a9c1e"

// splitSeq is a block sequence of a document, reached from the top through the
// mapping keys path.
type splitSeq struct {
	path []*yaml.Node
	seq  *yaml.Node
}

// encodeSplit writes doc as kyaml's yaml.NewEncoder would: the long block sequences
// that only mappings lead to (spec.apps, spec.routes, ...) are replaced by a
// placeholder, the rest is encoded, and each item is encoded on its own in the same
// context (its keys and a placeholder first item) and written in the placeholder's
// place. A document it cannot split safely (anchors, aliases, foot comments in an
// item other than the last) is encoded at once.
//
// pre holds items already encoded (by preEncode), by sequence; it may be nil.
func encodeSplit(w io.Writer, doc *yaml.Node, pre map[*yaml.Node][][]byte) error {
	seqs, ok := splittable(doc, nil, nil)
	if !ok || len(seqs) == 0 {
		return encodeOne(w, doc)
	}
	saved := make([][]*yaml.Node, len(seqs))
	for i, s := range seqs {
		saved[i] = s.seq.Content
		s.seq.Content = []*yaml.Node{placeholder(i)}
	}
	var main bytes.Buffer
	err := encodeOne(&main, doc)
	for i, s := range seqs {
		s.seq.Content = saved[i]
	}
	if err != nil {
		return err
	}
	out := main.Bytes()
	for i, s := range seqs {
		line := []byte("- " + placeholder(i).Value + "\n")
		at := bytes.Index(out, line)
		if at < 0 || bytes.Count(out, line) != 1 {
			return encodeOne(w, doc) // the placeholder is not where it should be
		}
		start := bytes.LastIndexByte(out[:at], '\n') + 1
		if _, err := w.Write(out[:start]); err != nil {
			return err
		}
		done, ok := pre[s.seq]
		if ok && len(done) != len(s.seq.Content) {
			ok = false
		}
		for start := 0; start < len(s.seq.Content); start += splitBatch {
			end := min(start+splitBatch, len(s.seq.Content))
			var chunks [][]byte
			if ok {
				chunks = done[start:end]
			} else {
				var err error
				if chunks, err = encodeItems(s, s.seq.Content[start:end]); err != nil {
					return err
				}
			}
			for _, b := range chunks {
				j := bytes.Index(b, []byte("- "+sentinel+"\n"))
				if j < 0 {
					return fmt.Errorf("encoding an item of %s: no placeholder in %.60q", s.path[len(s.path)-1].Value, b)
				}
				if _, err := w.Write(b[j+len(sentinel)+3:]); err != nil {
					return err
				}
			}
		}
		out = out[at+len(line):]
	}
	_, err = w.Write(out)
	return err
}

// preEncode encodes the items of the sequences encodeSplit would split in doc, by
// sequence, without changing doc: what encodeSplit(w, doc', pre) then writes for a
// document doc' holding them under the same keys. It returns nil when there is
// nothing to split or an item fails to encode (encodeSplit then does it all).
func preEncode(doc *yaml.Node) map[*yaml.Node][][]byte {
	seqs, ok := splittable(doc, nil, nil)
	if !ok || len(seqs) == 0 {
		return nil
	}
	pre := make(map[*yaml.Node][][]byte, len(seqs))
	for _, s := range seqs {
		chunks, err := encodeItems(s, s.seq.Content)
		if err != nil {
			return nil
		}
		pre[s.seq] = chunks
	}
	return pre
}

// splitBatch is how many items of a sequence are encoded (in parallel) before they
// are written.
const splitBatch = 128

// encodeItems encodes each of items with encodeItem, on a few workers (one per CPU);
// the items are not changed, and each one's bytes depend on it alone.
func encodeItems(s splitSeq, items []*yaml.Node) ([][]byte, error) {
	out := make([][]byte, len(items))
	errs := make([]error, len(items))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(items))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(items); i = int(next.Add(1) - 1) {
				var b bytes.Buffer
				errs[i] = encodeItem(&b, s, items[i])
				out[i] = b.Bytes()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// encodeItem encodes item as the second item of s's sequence, after a placeholder,
// under s's keys (without their comments).
func encodeItem(w io.Writer, s splitSeq, item *yaml.Node) error {
	v := &yaml.Node{Kind: yaml.SequenceNode, Tag: s.seq.Tag, Style: s.seq.Style,
		Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: sentinel}, item}}
	for i := len(s.path) - 1; i >= 0; i-- {
		k := s.path[i]
		key := &yaml.Node{Kind: k.Kind, Tag: k.Tag, Style: k.Style, Value: k.Value}
		v = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{key, v}}
	}
	return encodeOne(w, v)
}

// placeholder is the scalar sequence i holds while the document is encoded.
func placeholder(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: fmt.Sprintf("%s-%d", sentinel, i)}
}

// splittable finds the block sequences of n worth encoding item by item; ok is false
// when the document has what makes a split unsafe.
func splittable(n *yaml.Node, path []*yaml.Node, found []splitSeq) (_ []splitSeq, ok bool) {
	if n.Kind != yaml.MappingNode || n.Style&yaml.FlowStyle != 0 || n.Anchor != "" {
		return found, safe(n)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Anchor != "" || k.Alias != nil {
			return found, false
		}
		p := append(path[:len(path):len(path)], k)
		switch {
		case v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && v.Anchor == "" && len(v.Content) >= splitMin:
			for j, item := range v.Content {
				if !safe(item) || (j < len(v.Content)-1 && hasFootComment(item)) {
					return found, false
				}
			}
			found = append(found, splitSeq{path: p, seq: v})
		default:
			if found, ok = splittable(v, p, found); !ok {
				return found, false
			}
		}
	}
	return found, true
}

// safe reports whether n and what it holds have no anchor, alias or the placeholder.
func safe(n *yaml.Node) bool {
	if n.Anchor != "" || n.Kind == yaml.AliasNode || (n.Kind == yaml.ScalarNode && bytes.Contains([]byte(n.Value), []byte(sentinel))) {
		return false
	}
	for _, c := range n.Content {
		if !safe(c) {
			return false
		}
	}
	return true
}

// hasFootComment reports whether n or what it holds has a foot comment (yaml.v3
// places some after the last item of a sequence otherwise than after the others).
func hasFootComment(n *yaml.Node) bool {
	if n.FootComment != "" {
		return true
	}
	for _, c := range n.Content {
		if hasFootComment(c) {
			return true
		}
	}
	return false
}

// encodeOne encodes one document with kyaml's encoder (indent 2, compact sequences).
func encodeOne(w io.Writer, doc *yaml.Node) error {
	enc := yaml.NewEncoder(w)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}
