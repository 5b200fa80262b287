package importer

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// TestMergeDiff: the patch turns from into to when applied as RFC 7386 says
// (schema.MergePatch, which environments use), and is the smallest such patch: equal
// values give none, objects recurse, a removed key is null, anything else replaces.
func TestMergeDiff(t *testing.T) {
	for _, c := range []struct {
		name           string
		from, to, want string // JSON; want "" for no patch
	}{
		{"equal scalars", `1`, `1`, ``},
		{"equal objects", `{"a":{"b":[1,2]}}`, `{"a":{"b":[1,2]}}`, ``},
		{"empty objects", `{}`, `{}`, ``},
		{"scalar changed", `"1.4.1"`, `"1.4.2"`, `"1.4.2"`},
		{"type changed", `1`, `"1"`, `"1"`},
		{"key changed", `{"image":"a","port":8080}`, `{"image":"b","port":8080}`, `{"image":"b"}`},
		{"key added", `{"a":1}`, `{"a":1,"b":{"c":2}}`, `{"b":{"c":2}}`},
		{"key removed", `{"a":1,"b":2}`, `{"a":1}`, `{"b":null}`},
		{"every key removed", `{"a":1,"b":{"c":2}}`, `{}`, `{"a":null,"b":null}`},
		{"nested", `{"helm":{"version":"6.9.2","values":{"replicaCount":1,"ui":{"message":"dev"},"x":true}}}`,
			`{"helm":{"version":"6.9.2","values":{"replicaCount":2,"x":true}}}`,
			`{"helm":{"values":{"replicaCount":2,"ui":null}}}`},
		{"nested key removed deep", `{"a":{"b":{"c":1,"d":2}}}`, `{"a":{"b":{"c":1}}}`, `{"a":{"b":{"d":null}}}`},
		{"list replaced whole", `{"l":[1,2,3]}`, `{"l":[1,2]}`, `{"l":[1,2]}`},
		{"list of objects replaced whole", `{"l":[{"a":1},{"b":2}]}`, `{"l":[{"a":1},{"b":3}]}`, `{"l":[{"a":1},{"b":3}]}`},
		{"object to scalar", `{"a":{"b":1}}`, `{"a":"x"}`, `{"a":"x"}`},
		{"scalar to object", `{"a":"x"}`, `{"a":{"b":1}}`, `{"a":{"b":1}}`},
		{"list to object", `{"a":[1]}`, `{"a":{"b":1}}`, `{"a":{"b":1}}`},
		{"from absent", `null`, `{"a":1}`, `{"a":1}`},
		{"object to list", `{"a":1}`, `[1]`, `[1]`},
		{"key with null value in from", `{"a":null,"b":1}`, `{"b":1}`, `{"a":null}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			from, to := decode(t, c.from), decode(t, c.to)
			patch, ok := mergeDiff(from, to)
			if c.want == "" {
				if ok {
					t.Fatalf("patch %s, want none", encode(t, patch))
				}
				return
			}
			if !ok {
				t.Fatalf("no patch, want %s", c.want)
			}
			if got := encode(t, patch); got != encode(t, decode(t, c.want)) {
				t.Errorf("patch %s, want %s", got, c.want)
			}
			if got := schema.MergePatch(decode(t, c.from), patch); !reflect.DeepEqual(dropNulls(got), dropNulls(to)) {
				t.Errorf("applied: %s, want %s", encode(t, got), c.to)
			}
			if got := encode(t, from); got != encode(t, decode(t, c.from)) {
				t.Errorf("from changed to %s", got)
			}
		})
	}
}

// dropNulls removes object keys whose value is null (which a merge patch cannot
// tell from absent ones).
func dropNulls(v any) any {
	if m, ok := v.(map[string]any); ok {
		out := map[string]any{}
		for k, e := range m {
			if e != nil {
				out[k] = dropNulls(e)
			}
		}
		return out
	}
	return v
}

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMergeOrder: the base lists every environment's items once, each environment's
// in its order where the orders agree.
func TestMergeOrder(t *testing.T) {
	for _, c := range []struct {
		lists [][]string
		want  []string
	}{
		{nil, nil},
		{[][]string{{"a", "b"}, {"a", "b"}}, []string{"a", "b"}},
		{[][]string{{"a", "c"}, {"a", "b", "c"}}, []string{"a", "b", "c"}},
		{[][]string{{"b"}, {"a", "b"}}, []string{"a", "b"}},
		{[][]string{{"a", "b"}, {"a", "z"}, {"y", "a"}}, []string{"y", "a", "z", "b"}},
		{[][]string{{"a", "b"}, {"b", "a"}}, []string{"a", "b"}}, // orders disagree: the first wins
	} {
		if got := mergeOrder(c.lists); !slices.Equal(got, c.want) {
			t.Errorf("mergeOrder(%v) = %v, want %v", c.lists, got, c.want)
		}
	}
}
