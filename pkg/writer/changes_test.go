package writer

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestChanges(t *testing.T) {
	cm := func(name, v string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: ns\ndata:\n  k: " + v + "\n"
	}
	env := func(p string) string { g, _, _ := strings.Cut(p, "/"); return g }
	before := map[string][]byte{
		"dev/a.yaml":        []byte(cm("one", "1") + "---\n" + cm("two", "2")),
		"prod/a.yaml":       []byte(cm("one", "1")),
		"prod/vars.json":    []byte("{}\n"),
		"prod/same.yaml":    []byte(cm("same", "0")),
		"prod/removed.yaml": []byte(cm("gone", "0")),
	}
	after := map[string][]byte{
		"dev/a.yaml":     []byte(cm("one", "1")),
		"dev/b.yaml":     []byte(cm("two", "2")), // moved to another file: no change
		"prod/a.yaml":    []byte(cm("one", "9") + "---\n" + cm("new", "0")),
		"prod/vars.json": []byte("{\"x\": 1}\n"),
		"prod/same.yaml": []byte(cm("same", "0")),
	}
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := Write(dir, before, Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := Changes(dir, after, env)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{Group: "prod", Op: Removed, Object: "ConfigMap ns/gone", Path: "prod/removed.yaml"},
		{Group: "prod", Op: Added, Object: "ConfigMap ns/new", Path: "prod/a.yaml"},
		{Group: "prod", Op: Changed, Object: "ConfigMap ns/one", Path: "prod/a.yaml"},
		{Group: "prod", Op: Changed, Object: "file prod/vars.json", Path: "prod/vars.json"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Changes:\n%+v\nwant\n%+v", got, want)
	}
}
