package schema

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/invopop/jsonschema"
)

// Patch is a JSON merge patch (RFC 7386) of one part of the spec, kept as written:
// objects merge key by key, scalars and lists replace, null removes. An
// environment's field of type Patch patches the spec field of the same name
// (environments.<env>.gateway patches spec.gateway); a map of patches patches the
// list items of that name (environments.<env>.apps.<name> patches the app <name>,
// and a null patch drops it). Decoding checks a patch strictly against the type it
// patches, so unknown fields and wrong types are reported at the patch.
type Patch struct {
	Value any `json:"-"` // a JSON value as encoding/json decodes it; nil is null
}

// MarshalJSON writes the patch as written.
func (p Patch) MarshalJSON() ([]byte, error) { return json.Marshal(p.Value) }

// UnmarshalJSON keeps the JSON value, nulls included.
func (p *Patch) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &p.Value) }

// JSONSchema: a patch is an object of the fields of what it patches (any may be null);
// null drops a named item.
func (Patch) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Description: "JSON merge patch (RFC 7386) of the spec part of the same name: objects merge, scalars and lists replace, null removes",
		OneOf:       []*jsonschema.Schema{{Type: "object"}, {Type: "null"}},
	}
}

var (
	patchType    = reflect.TypeFor[Patch]()
	patchPtrType = reflect.TypeFor[*Patch]()
	patchMapType = reflect.TypeFor[map[string]Patch]()
)

// patchTarget is the type an Environment field patches: the Spec field of the same
// JSON name (for a map of patches, a map of that list's items by name).
func patchTarget(env reflect.Type, name string) (reflect.Type, bool) {
	f, ok := jsonFields(env)[name]
	if !ok || (f != patchType && f != patchPtrType && f != patchMapType) {
		return nil, false
	}
	t, ok := jsonFields(reflect.TypeFor[Spec]())[name]
	if !ok {
		return nil, false
	}
	if f == patchMapType {
		if t.Kind() != reflect.Slice {
			return nil, false
		}
		return reflect.MapOf(reflect.TypeFor[string](), t.Elem()), true
	}
	return t, true
}

// didYouMean is " (did you mean "X"?)" for the name closest to key, or a list of
// the names when none is close.
func didYouMean(key string, names []string) string {
	names = append([]string(nil), names...)
	sort.Strings(names)
	best, bestDist := "", 1<<30
	for _, n := range names {
		if d := levenshtein.ComputeDistance(strings.ToLower(key), strings.ToLower(n)); d < bestDist {
			best, bestDist = n, d
		}
	}
	if best != "" && bestDist <= max(2, len(key)/3) {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	if len(names) == 0 {
		return " (there are none)"
	}
	return " (known: " + strings.Join(names, ", ") + ")"
}

// patchedServer is the destination server an environment's argocd patch sets, or "".
func (e Environment) patchedServer() string {
	if e.ArgoCD == nil {
		return ""
	}
	m, _ := e.ArgoCD.Value.(map[string]any)
	s, _ := m["server"].(string)
	return s
}
