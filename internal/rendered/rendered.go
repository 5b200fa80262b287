// Package rendered gives tests the objects a spec renders as the generic maps the API
// server would decode, for checks against CRD schemas.
package rendered

import (
	"path"
	"testing"

	"github.com/krm-gen/krm-gen/internal/manifest"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
)

// Object is one rendered object: its file in the tree and its fields.
type Object struct {
	Path   string
	Fields map[string]any
}

// Objects renders the trees of res and returns every object, encoded as krm-gen writes
// it and decoded into a map; it fails tb on any error.
func Objects(tb testing.TB, res pipeline.Result) []Object {
	tb.Helper()
	outs, err := pipeline.Render(res.Trees)
	if err != nil {
		tb.Fatal(err)
	}
	var objs []Object
	for _, o := range outs {
		for _, r := range o.Tree.Resources {
			n, err := manifest.Encode(r.Object)
			if err != nil {
				tb.Fatal(err)
			}
			var fields map[string]any
			if err := n.Decode(&fields); err != nil {
				tb.Fatal(err)
			}
			objs = append(objs, Object{Path: path.Join(o.Dir, r.Path), Fields: fields})
		}
	}
	return objs
}
