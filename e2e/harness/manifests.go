package harness

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Object is one manifest plus where it came from, so errors can name the file.
type Object struct {
	*unstructured.Unstructured
	Source string // file (or chart template) the object was read from
}

// ID names the object the way check lines do: "Kind namespace/name" or "Kind name".
func (o Object) ID() string { return objID(o.Unstructured) }

func objID(u *unstructured.Unstructured) string {
	if ns := u.GetNamespace(); ns != "" {
		return u.GetKind() + " " + ns + "/" + u.GetName()
	}
	return u.GetKind() + " " + u.GetName()
}

// DecodeYAML splits a multi-document YAML stream into objects. Empty documents and
// List kinds are handled the way kubectl does.
func DecodeYAML(data []byte, source string) ([]Object, error) {
	var out []Object
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", source, i, err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", source, i, err)
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, fmt.Errorf("%s: document %d has no apiVersion/kind", source, i)
		}
		if strings.HasSuffix(u.GetKind(), "List") && u.IsList() {
			err := u.EachListItem(func(item runtime.Object) error {
				out = append(out, Object{item.(*unstructured.Unstructured), source})
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", source, err)
			}
			continue
		}
		out = append(out, Object{u, source})
	}
}

// ReadDir reads every .yaml/.yml/.json file in dir (and below it when recurse), as Argo
// CD's directory source does. include/exclude are Argo's glob patterns (may be empty).
func ReadDir(dir string, recurse bool, include, exclude string) ([]Object, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && !recurse {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if include != "" && !globMatch(include, rel) {
			return nil
		}
		if exclude != "" && globMatch(exclude, rel) {
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []Object
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		objs, err := DecodeYAML(data, f)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// globMatch matches Argo CD's include/exclude: a glob or "{a,b}" list of globs.
func globMatch(pattern, rel string) bool {
	pats := []string{pattern}
	if strings.HasPrefix(pattern, "{") && strings.HasSuffix(pattern, "}") {
		pats = strings.Split(pattern[1:len(pattern)-1], ",")
	}
	for _, p := range pats {
		if ok, _ := filepath.Match(strings.TrimSpace(p), rel); ok {
			return true
		}
		if ok, _ := filepath.Match(strings.TrimSpace(p), filepath.Base(rel)); ok {
			return true
		}
	}
	return false
}

// Argo CD (gitops-engine sync_tasks.go) orders resources of one sync by phase, wave, kind,
// then name; kinds not in this list (custom resources, Applications) come last.
var kindOrder = func() map[string]int {
	kinds := []string{"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
		"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
		"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
		"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
		"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
		"Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
		"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
		"APIService"}
	m := map[string]int{}
	for i, k := range kinds {
		m[k] = i - len(kinds)
	}
	return m
}()

const waveAnnotation = "argocd.argoproj.io/sync-wave"

// Wave returns the object's sync wave (0 when unset).
func Wave(u *unstructured.Unstructured) (int, error) {
	v, ok := u.GetAnnotations()[waveAnnotation]
	if !ok {
		return 0, nil
	}
	w, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("%s: annotation %s=%q is not an integer", objID(u), waveAnnotation, v)
	}
	return w, nil
}

// hookPhase maps Argo CD hooks (argocd.argoproj.io/hook) and the Helm hooks Argo CD
// translates (helm.sh/hook) to a sync phase: -1 PreSync, 0 Sync, 1 PostSync. ok is false for
// hooks a successful sync does not apply (SyncFail, Skip, Helm tests, delete hooks).
func hookPhase(u *unstructured.Unstructured) (phase int, ok bool) {
	a := u.GetAnnotations()
	if h, found := a["argocd.argoproj.io/hook"]; found {
		for _, p := range strings.Split(h, ",") {
			switch strings.TrimSpace(p) {
			case "PreSync":
				return -1, true
			case "Sync":
				return 0, true
			case "PostSync":
				return 1, true
			}
		}
		return 0, false
	}
	if h, found := a["helm.sh/hook"]; found {
		for _, p := range strings.Split(h, ",") {
			switch strings.TrimSpace(p) {
			case "pre-install", "pre-upgrade":
				return -1, true
			case "post-install", "post-upgrade":
				return 1, true
			}
		}
		return 0, false
	}
	return 0, true
}

// SyncOrder returns the objects one Argo CD sync applies, in its order: phase (PreSync,
// Sync, PostSync hooks), wave, kind, name.
func SyncOrder(objs []Object) ([]Object, error) {
	type key struct{ phase, wave int }
	keys := map[*unstructured.Unstructured]key{}
	var out []Object
	for _, o := range objs {
		w, err := Wave(o.Unstructured)
		if err != nil {
			return nil, err
		}
		ph, ok := hookPhase(o.Unstructured)
		if !ok {
			continue
		}
		keys[o.Unstructured] = key{ph, w}
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ka, kb := keys[a.Unstructured], keys[b.Unstructured]
		if ka.phase != kb.phase {
			return ka.phase < kb.phase
		}
		if ka.wave != kb.wave {
			return ka.wave < kb.wave
		}
		if ka, kb := kindOrder[a.GetKind()], kindOrder[b.GetKind()]; ka != kb {
			return ka < kb
		}
		return a.GetName() < b.GetName()
	})
	return out, nil
}
