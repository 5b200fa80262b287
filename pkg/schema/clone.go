package schema

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// Clone returns what DeepCopy returns (the spec after a JSON round trip: fields JSON
// does not carry are dropped, empty lists and maps of omitempty fields become nil),
// but copies the values directly; only values with their own JSON methods (merge
// patches) and free-form values of types JSON would change go through encoding/json.
func Clone(p *Platform) *Platform {
	c := cloner{fields: map[reflect.Type][]cloneField{}, custom: map[reflect.Type]bool{}}
	var out Platform
	if err := c.value(reflect.ValueOf(&out).Elem(), reflect.ValueOf(p).Elem()); err != nil {
		panic(fmt.Sprintf("schema: copying a Platform: %v", err)) // as DeepCopy: every Platform is JSON
	}
	return &out
}

// cloner copies values as a JSON round trip would leave them; it remembers the JSON
// fields of the struct types it met.
type cloner struct {
	fields map[reflect.Type][]cloneField
	custom map[reflect.Type]bool // custom(t), once per type
}

// isCustom is custom(t), remembered.
func (c cloner) isCustom(t reflect.Type) bool {
	v, ok := c.custom[t]
	if !ok {
		v = custom(t)
		c.custom[t] = v
	}
	return v
}

// cloneField is a struct field JSON encodes.
type cloneField struct {
	index     []int
	omitEmpty bool
}

var (
	jsonMarshalerType   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// custom reports whether t (or *t) has its own JSON or text methods.
func custom(t reflect.Type) bool {
	for _, x := range []reflect.Type{t, reflect.PointerTo(t)} {
		if x.Implements(jsonMarshalerType) || x.Implements(jsonUnmarshalerType) || x.Implements(textMarshalerType) || x.Implements(textUnmarshalerType) {
			return true
		}
	}
	return false
}

// viaJSON sets dst (settable) to src after a JSON round trip.
func viaJSON(dst, src reflect.Value) error {
	b, err := json.Marshal(src.Interface())
	if err != nil {
		return err
	}
	nv := reflect.New(dst.Type())
	if err := json.Unmarshal(b, nv.Interface()); err != nil {
		return err
	}
	dst.Set(nv.Elem())
	return nil
}

// value sets dst (settable, zero) to what a JSON round trip makes of src.
func (c cloner) value(dst, src reflect.Value) error {
	t := src.Type()
	if t.Kind() != reflect.Interface && c.isCustom(t) {
		return viaJSON(dst, src)
	}
	switch t.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return nil
		}
		if c.isCustom(t.Elem()) {
			return viaJSON(dst, src) // e.g. a patch of null: the pointer comes back nil
		}
		nv := reflect.New(t.Elem())
		if err := c.value(nv.Elem(), src.Elem()); err != nil {
			return err
		}
		dst.Set(nv)
	case reflect.Struct:
		fs, ok := c.structFields(t)
		if !ok {
			return viaJSON(dst, src)
		}
		for _, f := range fs {
			sv, dv := src, dst
			for _, i := range f.index {
				sv, dv = sv.Field(i), dv.Field(i)
			}
			if f.omitEmpty && emptyJSON(sv) {
				continue
			}
			if err := c.value(dv, sv); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if src.IsNil() {
			return nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return viaJSON(dst, src)
		}
		s := reflect.MakeSlice(t, src.Len(), src.Len())
		for i := range src.Len() {
			if err := c.value(s.Index(i), src.Index(i)); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			return nil
		}
		if t.Key().Kind() != reflect.String || c.isCustom(t.Key()) {
			return viaJSON(dst, src)
		}
		m := reflect.MakeMapWithSize(t, src.Len())
		it := src.MapRange()
		for it.Next() {
			v := reflect.New(t.Elem()).Elem()
			if err := c.value(v, it.Value()); err != nil {
				return err
			}
			k := it.Key()
			if s := k.String(); !utf8.ValidString(s) {
				k = reflect.ValueOf(validUTF8(s)).Convert(t.Key())
			}
			m.SetMapIndex(k, v)
		}
		dst.Set(m)
	case reflect.Interface:
		if src.IsNil() {
			return nil
		}
		v, ok := cloneAny(src.Interface())
		if !ok {
			return viaJSON(dst, src)
		}
		if v != nil {
			dst.Set(reflect.ValueOf(v))
		}
	case reflect.String:
		s := src.String()
		if !utf8.ValidString(s) {
			s = validUTF8(s)
		}
		dst.SetString(s)
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		dst.Set(src)
	default:
		return viaJSON(dst, src)
	}
	return nil
}

// cloneAny copies a value of an interface as JSON decodes into any, when it is made
// only of what that decoding gives (so a round trip would not change it).
func cloneAny(v any) (any, bool) {
	switch x := v.(type) {
	case nil, bool, float64:
		return x, true
	case string:
		if !utf8.ValidString(x) {
			return validUTF8(x), true
		}
		return x, true
	case map[string]any:
		if x == nil {
			return nil, false
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			c, ok := cloneAny(e)
			if !ok || !utf8.ValidString(k) {
				return nil, false
			}
			m[k] = c
		}
		return m, true
	case []any:
		if x == nil {
			return nil, false
		}
		s := make([]any, len(x))
		for i, e := range x {
			c, ok := cloneAny(e)
			if !ok {
				return nil, false
			}
			s[i] = c
		}
		return s, true
	}
	return nil, false
}

// validUTF8 replaces each byte of s that is not UTF-8 with U+FFFD, as encoding/json does.
func validUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// emptyJSON is encoding/json's omitempty test.
func emptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// structFields lists the fields JSON encodes of struct t; it reports false for structs
// it leaves to encoding/json (embedded pointers or unexported embeds, tag options
// beyond omitempty, fields of one name at one depth).
func (c cloner) structFields(t reflect.Type) ([]cloneField, bool) {
	if fs, ok := c.fields[t]; ok {
		return fs, fs != nil
	}
	type named struct {
		name string
		cloneField
	}
	var all []named
	ok := true
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
				if sf.Type.Kind() != reflect.Struct || !sf.IsExported() || custom(sf.Type) {
					ok = false
					return
				}
				walk(sf.Type, idx)
				continue
			}
			if !sf.IsExported() {
				continue
			}
			if opts != "" && opts != "omitempty" {
				ok = false
				return
			}
			if name == "" {
				name = sf.Name
			}
			all = append(all, named{name, cloneField{index: idx, omitEmpty: opts == "omitempty"}})
		}
	}
	walk(t, nil)
	var fs []cloneField
	seen := map[string]int{}
	for _, f := range all {
		seen[f.name]++
		fs = append(fs, f.cloneField)
	}
	for _, n := range seen {
		if n > 1 {
			ok = false // encoding/json's dominance rules: left to it
		}
	}
	if !ok {
		c.fields[t] = nil
		return nil, false
	}
	if fs == nil {
		fs = []cloneField{}
	}
	c.fields[t] = fs
	return fs, true
}
