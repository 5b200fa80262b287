package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff"
	apisecurity "istio.io/api/security/v1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func ptr[T any](v T) *T { return &v }

func marshal(t *testing.T, obj any) string {
	t.Helper()
	b, err := Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func check(t *testing.T, name, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n%s", name, udiff.Unified("want", "got", want, got))
	}
}

// TestWhatIsLeftOut: the rules of the package doc, one case each.
func TestWhatIsLeftOut(t *testing.T) {
	type inner struct {
		A string `json:"a,omitempty"`
	}
	type own struct {
		metav1.TypeMeta `json:",inline"`
		Required        inner             `json:"required"`           // kept even when empty
		Optional        inner             `json:"optional,omitempty"` // a zero struct is left out
		Set             *inner            `json:"set,omitempty"`      // set through a pointer: kept
		Nil             *inner            `json:"nil,omitempty"`
		NilMap          map[string]string `json:"nilMap"`
		EmptyMap        map[string]string `json:"emptyMap"`
		EmptyOmitted    []string          `json:"emptyOmitted,omitempty"`
		EmptyList       []string          `json:"emptyList"`
		Zero            int32             `json:"zero"`
		Skipped         string            `json:"-"`
		Quoted          int               `json:"quoted,string"`
		Status          inner             `json:"status"`
		hidden          string
	}
	obj := &own{TypeMeta: metav1.TypeMeta{Kind: "K", APIVersion: "v1"}, Set: &inner{}, EmptyMap: map[string]string{},
		EmptyList: []string{}, Skipped: "x", Quoted: 8080, Status: inner{A: "ready"}, hidden: "h"}
	check(t, "own", marshal(t, obj), `apiVersion: v1
kind: K
required: {}
set: {}
emptyMap: {}
emptyList: []
zero: 0
quoted: "8080"
`)

	np := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: "deny", Namespace: "a"},
		Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
	}
	check(t, "NetworkPolicy", marshal(t, np), `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny
  namespace: a
spec:
  podSelector: {}
  policyTypes:
  - Ingress
`)

	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "d"},
		Spec: appsv1.DeploymentSpec{Replicas: ptr(int32(0)), Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
			}}},
			Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		}}},
		Status: appsv1.DeploymentStatus{Replicas: 3},
	}
	check(t, "Deployment", marshal(t, d), `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  replicas: 0
  template:
    spec:
      volumes:
      - name: tmp
        emptyDir: {}
      containers:
      - name: c
        resources:
          requests:
            cpu: 100m
`)

	ap := &securityv1.AuthorizationPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "AuthorizationPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: "allow"},
	}
	ap.Spec.Action = apisecurity.AuthorizationPolicy_ALLOW
	ap.Spec.Rules = []*apisecurity.Rule{{From: []*apisecurity.Rule_From{{Source: &apisecurity.Source{Namespaces: []string{"a"}}}}}}
	check(t, "AuthorizationPolicy (MarshalJSON of a proto)", marshal(t, ap), `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow
spec:
  rules:
  - from:
    - source:
        namespaces:
        - a
`)
}

// TestPatch: a patch leaves out what a typed struct carries but the patch does not set,
// and keeps what is set through a pointer, zero or not.
func TestPatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		obj  any
		want string
	}{
		{"empty", &appsv1.Deployment{}, "{}\n"},
		{"zero replicas through a pointer", &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr(int32(0))}}, "spec:\n  replicas: 0\n"},
		{"required fields left out", &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{MinReplicas: ptr(int32(2)), MaxReplicas: 4}},
			"spec:\n  minReplicas: 2\n  maxReplicas: 4\n"},
		{"an IntOrString", &policyPDB{Spec: pdbSpec{MinAvailable: ptr(intstr.FromInt32(1))}}, "spec:\n  minAvailable: 1\n"},
		{"annotations only", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"a": ""}}}, "metadata:\n  annotations:\n    a: \"\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Patch(tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			check(t, tc.name, got, tc.want)
		})
	}
}

type policyPDB struct {
	Spec pdbSpec `json:"spec"`
}

type pdbSpec struct {
	MinAvailable *intstr.IntOrString `json:"minAvailable,omitempty"`
	Required     string              `json:"required"`
}

// referenceNodes is Encode for untyped objects, written the slow, obvious way:
// encoding/json, then its token stream turned into nodes with nulls in objects left
// out, nulls in lists kept, apiVersion and kind first and the top-level status left out.
func referenceNodes(t testing.TB, obj map[string]any) *yaml.Node {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var value func() *yaml.Node
	value = func() *yaml.Node {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		switch tv := tok.(type) {
		case json.Delim:
			if tv == '{' {
				m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				for dec.More() {
					kt, _ := dec.Token()
					if v := value(); v != nil {
						m.Content = append(m.Content, refStr(kt.(string)), v)
					}
				}
				dec.Token()
				return m
			}
			s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for dec.More() {
				v := value()
				if v == nil {
					v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
				}
				s.Content = append(s.Content, v)
			}
			dec.Token()
			return s
		case string:
			return refStr(tv)
		case json.Number:
			tag := "!!int"
			if strings.ContainsAny(tv.String(), ".eE") {
				tag = "!!float"
			}
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: tv.String()}
		case bool:
			if tv {
				return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}
			}
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false"}
		}
		return nil
	}
	n := value()
	var head, rest []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "status":
		case "apiVersion":
			head = append([]*yaml.Node{n.Content[i], n.Content[i+1]}, head...)
		case "kind":
			head = append(head, n.Content[i], n.Content[i+1])
		default:
			rest = append(rest, n.Content[i], n.Content[i+1])
		}
	}
	n.Content = append(head, rest...)
	return n
}

func refStr(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	trailing := false
	for _, line := range strings.Split(s, "\n") {
		trailing = trailing || strings.HasSuffix(line, " ")
	}
	if strings.Contains(s, "\n") && !strings.ContainsAny(s, "\t\r") && !trailing {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// TestEncodeMatchesEncodingJSON: on random untyped objects, Encode gives the nodes
// encoding/json's output turns into.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 2026))
	for i := range 3000 {
		obj := randomObject(rng.IntN)
		if rng.IntN(3) == 0 {
			obj["status"] = randomObject(rng.IntN)
			obj["apiVersion"] = "v9"
		}
		got, err := Encode(obj)
		if err != nil {
			t.Fatal(err)
		}
		if want := referenceNodes(t, obj); !reflect.DeepEqual(got, want) {
			var g, w bytes.Buffer
			_ = Write(&g, got)
			_ = Write(&w, want)
			t.Fatalf("random case %d:\n%s", i, udiff.Unified("encoding/json", "Encode", w.String(), g.String()))
		}
	}
}

// TestSharedTypesEncodeAlike: encoders on several goroutines that learn types through
// one Types encode every object as a lone encoder does (run with -race).
func TestSharedTypesEncodeAlike(t *testing.T) {
	objs := []any{
		&appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"x": "y"}}, Spec: appsv1.DeploymentSpec{Replicas: ptr(int32(2))}},
		&corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}}}},
		&securityv1.AuthorizationPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "security.istio.io/v1", Kind: "AuthorizationPolicy"}, Spec: apisecurity.AuthorizationPolicy{Action: apisecurity.AuthorizationPolicy_DENY}},
		&networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}},
		&autoscalingv2.HorizontalPodAutoscaler{TypeMeta: metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"}, Spec: autoscalingv2.HorizontalPodAutoscalerSpec{MaxReplicas: 3}},
	}
	want := make([]string, len(objs))
	for i, o := range objs {
		want[i] = marshal(t, o)
	}
	var types Types
	const workers = 4
	got := make([][]string, workers)
	done := make(chan int)
	for w := range workers {
		go func() {
			enc, wr := NewSharedEncoder(&types), &Writer{}
			for range 3 {
				got[w] = got[w][:0]
				for _, o := range objs {
					n, err := enc.Encode(o)
					var b bytes.Buffer
					if err == nil {
						err = wr.Write(&b, n)
					}
					if err != nil {
						panic(err)
					}
					got[w] = append(got[w], b.String())
				}
			}
			done <- w
		}()
	}
	for range workers {
		<-done
	}
	for w := range workers {
		for i := range objs {
			check(t, fmt.Sprintf("worker %d, %T", w, objs[i]), got[w][i], want[i])
		}
	}
}

// TestSameNameFields: fields that json tags give the same name are left out at equal
// depth, as encoding/json leaves them out, with or without embedded structs.
func TestSameNameFields(t *testing.T) {
	// Two fields tagged "a" (made at run time: go vet refuses the tag twice in source).
	twice := reflect.StructOf([]reflect.StructField{
		{Name: "A", Type: reflect.TypeFor[string](), Tag: `json:"a"`},
		{Name: "B", Type: reflect.TypeFor[string](), Tag: `json:"a"`},
		{Name: "C", Type: reflect.TypeFor[string](), Tag: `json:"c"`},
	})
	twiceObj := reflect.New(twice)
	for i, v := range []string{"1", "2", "3"} {
		twiceObj.Elem().Field(i).SetString(v)
	}
	type Base struct {
		A string `json:"a"`
		D string `json:"d"`
	}
	type shadowed struct {
		Base
		A string `json:"a"`
	}
	for _, tc := range []struct {
		name       string
		obj        any
		json, want string // what encoding/json writes, and its YAML
	}{
		{"two tags alike", twiceObj.Interface(), `{"c":"3"}`, "c: \"3\"\n"},
		{"embedded field shadowed", &shadowed{Base: Base{A: "inner", D: "d"}, A: "outer"}, `{"d":"d","a":"outer"}`, "d: d\na: outer\n"},
	} {
		raw, err := json.Marshal(tc.obj)
		if err != nil {
			t.Fatal(err)
		}
		check(t, tc.name+" (encoding/json)", string(raw), tc.json)
		check(t, tc.name, marshal(t, tc.obj), tc.want)
	}
}

// TestMethodsOf: methodsOf, which makes no pointer type it need not, finds what asking
// *T and T directly finds, on every type reachable from a few API objects.
func TestMethodsOf(t *testing.T) {
	reference := func(t reflect.Type) typeKind {
		pt := reflect.PointerTo(t)
		return typeKind{
			ptrMarshals: pt.Implements(jsonMarshaler) || pt.Implements(textMarshaler),
			marshals:    t.Implements(jsonMarshaler) || t.Implements(textMarshaler),
			zeroer:      t.Implements(isZeroer),
		}
	}
	seen := map[reflect.Type]bool{}
	var visit func(reflect.Type)
	visit = func(t reflect.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			visit(t.Elem())
			if t.Kind() == reflect.Map {
				visit(t.Key())
			}
		case reflect.Struct:
			for i := range t.NumField() {
				visit(t.Field(i).Type)
			}
		}
	}
	for _, o := range []any{&appsv1.Deployment{}, &corev1.Service{}, &securityv1.AuthorizationPolicy{}, &networkingv1.NetworkPolicy{},
		&autoscalingv2.HorizontalPodAutoscaler{}, map[string]any{}, []*intstr.IntOrString{}, &struct{ metav1.Time }{}, new(any),
		new(interface{ MarshalJSON() ([]byte, error) })} {
		visit(reflect.TypeOf(o))
	}
	marshalers := 0
	for typ := range seen {
		got, want := methodsOf(typ), reference(typ)
		if got != want {
			t.Errorf("%s: %+v, want %+v", typ, got, want)
		}
		if want.ptrMarshals || want.marshals {
			marshalers++
		}
	}
	if len(seen) < 100 || marshalers < 3 {
		t.Fatalf("%d types, %d marshalers: too few to tell", len(seen), marshalers)
	}
}
