package schema

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
)

// SchemaID is the $id of the spec's JSON Schema.
const SchemaID = "https://krm-gen.dev/schemas/platform.v1alpha1.json"

// JSONSchema returns the JSON Schema of the Platform spec, generated from the Go
// types: unknown fields are rejected, fields without omitempty are required.
func JSONSchema() ([]byte, error) {
	r := &jsonschema.Reflector{ExpandedStruct: true, Mapper: enumSchema}
	s := r.Reflect(&Platform{})
	s.ID = SchemaID
	s.Title = "krm-gen Platform"
	s.Description = "One spec for layers 3-4 of an EKS/AKS platform: Argo CD apps, Istio ambient, Gateway API, apps."
	// The cluster's nodes are its pools: at least one (validation says so too).
	if spec := s.Definitions["Spec"]; spec != nil {
		if pools, ok := spec.Properties.Get("nodePools"); ok {
			one := uint64(1)
			pools.MinProperties = &one
		}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("json schema: %w", err)
	}
	return append(b, '\n'), nil
}
