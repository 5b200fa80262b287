package krmfn

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/pkg/pipeline"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// kustomizationNames are the file names kustomize reads in a folder.
var kustomizationNames = [...]string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// source is the spec file a functionConfig came from.
type source struct {
	file  string             // relative to the kustomization's folder
	diags schema.Diagnostics // the problems of the file, at its lines
	pos   schema.Positions   // the file's field lines
}

// specSource finds the file the functionConfig was read from, so problems can be
// reported at its lines: kustomize passes the generator's config re-serialized (keys
// sorted, comments dropped) and without its path, but runs an exec function in the
// kustomization's folder. It returns the file when one of the kustomization's
// generators holds the same Platform; ok is false otherwise.
func specSource(dir string, fc pipeline.Result) (src source, ok bool) {
	if fc.Spec == nil {
		return source{}, false
	}
	for _, gen := range generatorFiles(dir) {
		data, err := os.ReadFile(filepath.Join(dir, gen))
		if err != nil {
			continue
		}
		nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
		if err != nil || len(nodes) != 1 || nodes[0].GetKind() != schema.Kind || nodes[0].GetName() != fc.Spec.Metadata.Name {
			continue
		}
		r := pipeline.Load(data, gen)
		if r.Spec != nil && sameSpec(r.Spec, fc.Spec) {
			_, pos, _ := schema.Decode(data, gen)
			return source{file: gen, diags: r.Diagnostics, pos: pos}, true
		}
	}
	return source{}, false
}

// generatorFiles lists the files named under generators: in dir's kustomization.
func generatorFiles(dir string) []string {
	for _, name := range kustomizationNames {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		k, err := yaml.Parse(string(data))
		if err != nil {
			return nil
		}
		gens, err := k.Pipe(yaml.Lookup("generators"))
		if err != nil || gens == nil {
			return nil
		}
		var out []string
		for _, g := range gens.Content() {
			if g.Kind == yaml.ScalarNode && !strings.Contains(g.Value, "://") {
				out = append(out, filepath.ToSlash(filepath.Clean(g.Value)))
			}
		}
		return out
	}
	return nil
}

// sameSpec compares two decoded specs, ignoring the annotations kustomize adds.
func sameSpec(a, b *schema.Platform) bool {
	ca, cb := *a, *b
	ca.Metadata.Annotations, cb.Metadata.Annotations = nil, nil
	return reflect.DeepEqual(ca, cb)
}
