// Package manifest turns typed Kubernetes objects into YAML nodes and bytes, fast and
// deterministically: field order follows the Go structs (apiVersion and kind first),
// map keys are sorted, and Write produces what yaml.v3 would, byte for byte.
//
// What is left out of an object follows its Go struct tags, as encoding/json does,
// with one Kubernetes convention added: a struct-typed field tagged omitempty is left
// out when it is the zero value (API types mean "optional" by it; encoding/json would
// write `{}`). Besides, only nulls (nil pointers, maps, slices and interfaces) and the
// top-level `status` are left out. So a field a struct requires is written even when
// empty (`podSelector: {}`), and so is anything set through a pointer. Patch, for
// strategic-merge patches, also leaves out zero scalars and empty structs that were
// not set through a pointer: typed structs carry required fields a patch does not set.
package manifest

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Encoder turns typed objects into YAML nodes. It keeps what it learns about Go types
// and allocates nodes in slabs, so one Encoder should serve a whole render. It is not
// safe for concurrent use; encoders on several goroutines share what they learn
// through one Types.
type Encoder struct {
	types  map[reflect.Type][]field
	kinds  map[reflect.Type]typeKind
	shared *Types // never nil
	slab   slab
	patch  bool
}

// Types is what encoders learn about Go types (fields, methods), shared by the
// encoders of one render so that each type is looked at once, not once per worker:
// in a short render (a KRM function's) that is much of the encoding. Safe for
// concurrent use; the zero value is ready.
type Types struct {
	fields typeMap[[]field]
	kinds  typeMap[typeKind]
}

// typeMap is a map by Go type, safe for concurrent use.
type typeMap[V any] struct {
	mu sync.RWMutex
	m  map[reflect.Type]V
}

func (tm *typeMap[V]) get(t reflect.Type) (V, bool) {
	tm.mu.RLock()
	defer tm.mu.RUnlock()
	v, ok := tm.m[t]
	return v, ok
}

func (tm *typeMap[V]) put(t reflect.Type, v V) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if tm.m == nil {
		tm.m = map[reflect.Type]V{}
	}
	tm.m[t] = v
}

// learned is what an encoder knows of t: from its own map, else the shared one, else
// learnt by learn and kept in both.
func learned[V any](own map[reflect.Type]V, shared *typeMap[V], t reflect.Type, learn func(reflect.Type) V) V {
	if v, ok := own[t]; ok {
		return v
	}
	v, ok := shared.get(t)
	if !ok {
		v = learn(t)
		shared.put(t, v)
	}
	own[t] = v
	return v
}

// typeKind is what Encoder.value needs to know of a type's methods, looked up once.
type typeKind struct {
	ptrMarshals bool // *T has MarshalJSON or MarshalText
	marshals    bool // T has MarshalJSON or MarshalText
	zeroer      bool // T has IsZero
}

// NewEncoder returns an Encoder for whole objects.
func NewEncoder() *Encoder { return NewSharedEncoder(nil) }

// NewSharedEncoder returns an Encoder for whole objects that learns types through ts
// (nil: on its own).
func NewSharedEncoder(ts *Types) *Encoder {
	if ts == nil {
		ts = &Types{}
	}
	return &Encoder{types: make(map[reflect.Type][]field, 64), kinds: make(map[reflect.Type]typeKind, 128), shared: ts}
}

// Reset lets the encoder reuse the memory of every node it has made: none of them
// may be used after. A caller that writes each object (or file) out before encoding
// the next allocates nodes once for the largest, not for all.
func (e *Encoder) Reset() { e.slab.reset() }

// kind is t's typeKind.
func (e *Encoder) kind(t reflect.Type) typeKind {
	return learned(e.kinds, &e.shared.kinds, t, methodsOf)
}

// methodsOf is t's typeKind. Only named types, unnamed structs (through embedded
// fields), pointers and interfaces have methods, and *T adds none to a pointer or
// interface T: most types of an object ([]Container, map[string]string) need no
// pointer type made to ask.
func methodsOf(t reflect.Type) typeKind {
	switch t.Kind() {
	case reflect.Struct, reflect.Pointer, reflect.Interface:
	default:
		if t.Name() == "" {
			return typeKind{}
		}
	}
	k := typeKind{
		marshals: t.Implements(jsonMarshaler) || t.Implements(textMarshaler),
		zeroer:   t.Implements(isZeroer),
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		pt := reflect.PointerTo(t)
		k.ptrMarshals = pt.Implements(jsonMarshaler) || pt.Implements(textMarshaler)
	}
	return k
}

// field is one encoded struct field.
type field struct {
	name      string
	index     []int // through embedded structs
	omitEmpty bool
	omitZero  bool
	quoted    bool     // the ",string" option
	kind      typeKind // of the field's type
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroer      = reflect.TypeFor[interface{ IsZero() bool }]()
)

// Encode converts obj (a pointer to a typed object, or a map) into a YAML mapping node.
func (e *Encoder) Encode(obj any) (*yaml.Node, error) {
	n, err := e.value(reflect.ValueOf(obj), true)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("encoding %T: not an object", obj)
	}
	if i := FieldIndex(n, "status"); i >= 0 {
		n.Content = slices.Delete(n.Content, i, i+2)
	}
	hoist(n, "kind")
	hoist(n, "apiVersion")
	return n, nil
}

// Encode converts obj into a YAML mapping node with a new Encoder.
func Encode(obj any) (*yaml.Node, error) { return NewEncoder().Encode(obj) }

// value encodes v; it returns nil for a value to leave out. meant says v was reached
// through a pointer, an interface, a map or a list, so even a zero value was set on
// purpose (which Patch keeps).
func (e *Encoder) value(v reflect.Value, meant bool) (*yaml.Node, error) {
	if !v.IsValid() {
		return nil, nil
	}
	return e.valueOf(v, e.kind(v.Type()), meant)
}

// valueOf is value for a v whose type's typeKind is k.
func (e *Encoder) valueOf(v reflect.Value, k typeKind, meant bool) (*yaml.Node, error) {
	t := v.Type()
	if t.Kind() != reflect.Pointer && v.CanAddr() && k.ptrMarshals {
		v, t = v.Addr(), v.Addr().Type()
		k = e.kind(t)
	}
	if k.marshals {
		if (t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface) && v.IsNil() {
			return nil, nil
		}
		return e.marshaled(v)
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, nil
		}
		return e.value(v.Elem(), true)
	case reflect.Struct:
		return e.structValue(v, meant)
	case reflect.Map:
		if v.IsNil() {
			return nil, nil
		}
		return e.mapValue(v)
	case reflect.Slice:
		if v.IsNil() {
			return nil, nil
		}
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(jsonMarshaler) {
			return e.slab.str(base64.StdEncoding.EncodeToString(v.Bytes())), nil
		}
		fallthrough
	case reflect.Array:
		s := e.slab.node()
		s.Kind, s.Tag = yaml.SequenceNode, "!!seq"
		s.Content = e.slab.content(v.Len())
		for i := range v.Len() {
			n, err := e.value(v.Index(i), true)
			if err != nil {
				return nil, err
			}
			if n == nil {
				n = e.slab.scalar("!!null", "null")
			}
			s.Content[i] = n
		}
		return s, nil
	case reflect.String:
		if e.patch && !meant && v.Len() == 0 {
			return nil, nil
		}
		return e.slab.str(v.String()), nil
	case reflect.Bool:
		if e.patch && !meant && !v.Bool() {
			return nil, nil
		}
		return e.slab.scalar("!!bool", strconv.FormatBool(v.Bool())), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if e.patch && !meant && v.Int() == 0 {
			return nil, nil
		}
		return e.slab.scalar("!!int", strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if e.patch && !meant && v.Uint() == 0 {
			return nil, nil
		}
		return e.slab.scalar("!!int", strconv.FormatUint(v.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		if e.patch && !meant && v.Float() == 0 {
			return nil, nil
		}
		s, err := formatFloat(v.Float(), t.Bits())
		if err != nil {
			return nil, err
		}
		tag := "!!int"
		if strings.ContainsAny(s, ".eE") {
			tag = "!!float"
		}
		return e.slab.scalar(tag, s), nil
	}
	return nil, fmt.Errorf("cannot encode a %s", t)
}

func (e *Encoder) structValue(v reflect.Value, meant bool) (*yaml.Node, error) {
	fields := e.fields(v.Type())
	m := e.slab.node()
	m.Kind, m.Tag = yaml.MappingNode, "!!map"
	base := len(e.slab.stack)
	for i := range fields {
		f := &fields[i]
		fv, ok := fieldByIndex(v, f.index)
		if !ok || (f.omitEmpty && e.isEmpty(fv, f.kind)) || (f.omitZero && e.isZero(fv, f.kind)) {
			continue
		}
		n, err := e.valueOf(fv, f.kind, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		if n == nil {
			continue
		}
		if f.quoted && n.Kind == yaml.ScalarNode && n.Tag != "!!str" {
			n.Tag, n.Style = "!!str", 0
		}
		e.slab.stack = append(e.slab.stack, e.slab.str(f.name), n)
	}
	m.Content = e.slab.pop(base)
	if e.patch && !meant && len(m.Content) == 0 {
		return nil, nil
	}
	return m, nil
}

func (e *Encoder) mapValue(v reflect.Value) (*yaml.Node, error) {
	type entry struct {
		key string
		val reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := mapKey(it.Key())
		if err != nil {
			return nil, err
		}
		entries = append(entries, entry{k, it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	m := e.slab.node()
	m.Kind, m.Tag = yaml.MappingNode, "!!map"
	base := len(e.slab.stack)
	for _, en := range entries {
		n, err := e.value(en.val, true)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", en.key, err)
		}
		if n != nil {
			e.slab.stack = append(e.slab.stack, e.slab.str(en.key), n)
		}
	}
	m.Content = e.slab.pop(base)
	return m, nil
}

// mapKey is the JSON object key of a map key, as encoding/json writes it.
func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		b, err := tm.MarshalText()
		return string(b), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", fmt.Errorf("unsupported map key type %s", k.Type())
}

// marshaled encodes a value through its MarshalJSON (or MarshalText) method.
func (e *Encoder) marshaled(v reflect.Value) (*yaml.Node, error) {
	if tm, ok := v.Interface().(encoding.TextMarshaler); ok && !v.Type().Implements(jsonMarshaler) {
		b, err := tm.MarshalText()
		if err != nil {
			return nil, err
		}
		return e.slab.str(string(b)), nil
	}
	b, err := v.Interface().(json.Marshaler).MarshalJSON()
	if err != nil {
		return nil, err
	}
	return decodeJSON(b, &e.slab)
}

// fields lists the encoded fields of struct type t, in encoding/json's order.
func (e *Encoder) fields(t reflect.Type) []field {
	return learned(e.types, &e.shared.fields, t, e.fieldsOf)
}

// fieldsOf is fields, worked out.
func (e *Encoder) fieldsOf(t reflect.Type) []field {
	var fs []field
	embedded := false
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(slices.Clone(index), i)
			if sf.Anonymous && name == "" {
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					embedded = true
					walk(ft, idx) // embedded: its fields are the parent's
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			f := field{name: name, index: idx, kind: e.kind(sf.Type)}
			for opts != "" {
				var o string
				o, opts, _ = strings.Cut(opts, ",")
				switch o {
				case "omitempty":
					f.omitEmpty = true
				case "omitzero":
					f.omitZero = true
				case "string":
					f.quoted = true
				}
			}
			fs = append(fs, f)
		}
	}
	walk(t, nil)
	if embedded || duplicateNames(fs) {
		fs = dominant(fs)
	}
	return fs
}

// duplicateNames reports whether two of fs have the same name (json tags can make
// them so even without embedded structs).
func duplicateNames(fs []field) bool {
	for i := range fs {
		for j := i + 1; j < len(fs); j++ {
			if fs[i].name == fs[j].name {
				return true
			}
		}
	}
	return false
}

// dominant applies encoding/json's rule for fields of the same name: the shallowest
// wins, and at equal depth neither is encoded.
func dominant(fs []field) []field {
	depths := map[string][]int{}
	for _, f := range fs {
		depths[f.name] = append(depths[f.name], len(f.index))
	}
	out := fs[:0:0]
	for _, f := range fs {
		ds := depths[f.name]
		if len(ds) > 1 && (len(f.index) != slices.Min(ds) || count(ds, slices.Min(ds)) > 1) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func count(xs []int, x int) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// fieldByIndex follows index through embedded structs; ok is false when it meets a nil
// embedded pointer.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// isEmpty is encoding/json's omitempty test, plus zero structs (see the package doc).
// k is the typeKind of v's type.
func (e *Encoder) isEmpty(v reflect.Value, k typeKind) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	}
	return e.isZero(v, k)
}

// isZero is omitzero's test: an IsZero method, else the zero value; k is the
// typeKind of v's type.
func (e *Encoder) isZero(v reflect.Value, k typeKind) bool {
	if v.Kind() != reflect.Interface && !k.zeroer {
		return v.IsZero() // no IsZero method to ask
	}
	if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
		if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
			return true
		}
		return z.IsZero()
	}
	return v.IsZero()
}

// formatFloat writes f as encoding/json does.
func formatFloat(f float64, bits int) (string, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", fmt.Errorf("unsupported value %v", f)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	s := strconv.FormatFloat(f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(s); n >= 4 && s[n-4] == 'e' && s[n-3] == '-' && s[n-2] == '0' {
			s = s[:n-2] + s[n-1:]
		}
	}
	return s, nil
}

// hoist moves key to the front of mapping m.
func hoist(m *yaml.Node, key string) {
	if i := FieldIndex(m, key); i >= 0 {
		k, v := m.Content[i], m.Content[i+1]
		copy(m.Content[2:i+2], m.Content[:i])
		m.Content[0], m.Content[1] = k, v
	}
}

// FieldIndex is the index of key in mapping m's Content (the value is at +1), or -1.
func FieldIndex(m *yaml.Node, key string) int {
	if m == nil || m.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}
