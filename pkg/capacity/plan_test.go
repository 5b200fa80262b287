package capacity

import (
	"bytes"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

func req(cpu, mem string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}}
}

// platform is a small resolved model: a system pool for the gateway and istiod, a user
// pool for one inline app and one chart.
func platform(userDesired int32, appReplicas int32, appCPU string) *model.Model {
	return &model.Model{
		Name: "test",
		Pools: []model.Pool{
			{Name: "system", InstanceTypes: []string{"m6i.large"}, Size: schema.PoolSize{Min: 2, Desired: 2, Max: 3}},
			{Name: "user", InstanceTypes: []string{"m6i.large"}, Size: schema.PoolSize{Min: 1, Desired: userDesired, Max: 4}},
		},
		Gateway: model.Gateway{Name: "gw", Namespace: "istio-ingress", ServiceName: "gw-istio", Replicas: 2, MaxReplicas: 4,
			Placement: model.Placement{Pool: "system"}, Resources: req("100m", "128Mi")},
		Apps: []model.App{
			{Name: "shop", Namespace: "shop", Placement: model.Placement{Pool: "user"},
				Inline: &model.Inline{Deployments: []model.Version{{Deployment: "shop", Replicas: appReplicas}}, Requirements: req(appCPU, "256Mi")}},
			{Name: "podinfo", Namespace: "podinfo", Placement: model.Placement{Pool: "user"}, Helm: &model.Helm{Chart: "podinfo"}},
		},
	}
}

func TestCompute(t *testing.T) {
	table, err := LoadTable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                      string
		m                         *model.Model
		pool                      string
		fitsMin, fitsDes, fitsMax bool
		desiredCPU                string // requested on the pool at its desired size
		short                     string // in the desired size's shortfall
	}{
		// m6i.large: 1930m, 6903Mi, 29 pods per node.
		{"fits", platform(2, 2, "500m"), "user", true, true, true,
			"1600m", ""}, // 2 x 500m + 2 nodes x (200m ztunnel + 100m cni)
		{"cpu short at desired", platform(2, 8, "500m"), "user", false, false, true,
			"4600m", "cpu: 4600m requested, 3860m allocatable"},
		{"pod larger than a node", platform(3, 1, "2500m"), "user", false, false, false,
			"3400m", "is larger than a node"},
		{"gateway pool: gateway, istiod, DaemonSets", platform(2, 1, "10m"), "system", true, true, true,
			"1000m", ""}, // 2 x 100m gateway + 200m istiod + 2 x 300m
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := Compute(tc.m, table)
			if err != nil {
				t.Fatal(err)
			}
			var pp *PoolPlan
			for i := range plan.Pools {
				if plan.Pools[i].Pool == tc.pool {
					pp = &plan.Pools[i]
				}
			}
			if pp == nil {
				t.Fatalf("no pool %s", tc.pool)
			}
			if got := []bool{pp.Min.Fits(), pp.Desired.Fits(), pp.Max.Fits()}; got[0] != tc.fitsMin || got[1] != tc.fitsDes || got[2] != tc.fitsMax {
				t.Errorf("fits min/desired/max %v, want %v %v %v (%v / %v / %v)", got, tc.fitsMin, tc.fitsDes, tc.fitsMax, pp.Min.Short, pp.Desired.Short, pp.Max.Short)
			}
			if got := milli(pp.Desired.ReqCPU); got != tc.desiredCPU {
				t.Errorf("desired requested cpu %s, want %s", got, tc.desiredCPU)
			}
			if tc.short != "" && !strings.Contains(strings.Join(pp.Desired.Short, "; "), tc.short) {
				t.Errorf("shortfall %v lacks %q", pp.Desired.Short, tc.short)
			}
			warned := false
			for _, w := range plan.Warnings() {
				if strings.Contains(w.Field, "["+tc.pool+"]") {
					warned = true
				}
			}
			if warned == tc.fitsDes {
				t.Errorf("warning for pool %s: %v, want %v", tc.pool, warned, !tc.fitsDes)
			}
		})
	}
}

func TestWorkloadsUncounted(t *testing.T) {
	ws, unknown := Workloads(platform(2, 2, "500m"))
	if len(unknown) != 1 || unknown[0].Pool != "user" || !strings.Contains(unknown[0].What, "podinfo/podinfo, from a Helm chart") {
		t.Errorf("uncounted %v", unknown)
	}
	names := map[string]bool{}
	for _, w := range ws {
		names[w.Name] = true
	}
	for _, n := range []string{"Deployment shop/shop", "Deployment istio-ingress/gw-istio (gateway)", "Deployment istio-system/istiod", "DaemonSet istio-system/ztunnel", "DaemonSet istio-system/istio-cni-node"} {
		if !names[n] {
			t.Errorf("no workload %s in %v", n, names)
		}
	}
}

func TestTable(t *testing.T) {
	table, err := LoadTable()
	if err != nil {
		t.Fatal(err)
	}
	a, err := table.Allocatable(model.DefaultInstanceType)
	if err != nil {
		t.Fatal(err)
	}
	if milli(a.CPU) != "1930m" || a.Pods != 29 {
		t.Errorf("m6i.large allocatable %s cpu, %d pods", milli(a.CPU), a.Pods)
	}
	if _, err := table.Allocatable("x9.huge"); err == nil || !strings.Contains(err.Error(), "not in the capacity table") {
		t.Errorf("unknown type: %v", err)
	}
	for _, tc := range []struct{ name, data, want string }{
		{"not json", "{", "instance-type table"},
		{"bad quantity", `{"a": {"vcpu": 2, "memoryMiB": 1, "maxPods": 1, "allocatable": {"cpu": "x", "memory": "1Mi", "pods": "1"}}}`, "allocatable cpu"},
		{"doc keys ignored", `{"_doc": "x", "a": {"vcpu": 2, "memoryMiB": 1, "maxPods": 1, "allocatable": {"cpu": "1", "memory": "1Mi", "pods": "1"}}}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTable([]byte(tc.data))
			if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	table, _ := LoadTable()
	plan, err := Compute(platform(2, 8, "500m"), table)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := plan.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"capacity plan of test", "user    m6i.large  desired  2      4600m / 3860m", "NO: cpu: 4600m requested", "2 (HPA up to 4)", "not counted: app podinfo/podinfo"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, b.String())
		}
	}
}

// TestWorkloadsVersions: each version of an app is its own Deployment with its own
// replicas, all at the app's requests.
func TestWorkloadsVersions(t *testing.T) {
	m := platform(2, 1, "100m")
	m.Apps[0].Inline.Deployments = []model.Version{{Name: "v1", Deployment: "shop-v1", Replicas: 3}, {Name: "v2", Deployment: "shop-v2", Replicas: 1}}
	ws, _ := Workloads(m)
	got := map[string]int32{}
	for _, w := range ws {
		got[w.Name] = w.Replicas
	}
	if got["Deployment shop/shop-v1"] != 3 || got["Deployment shop/shop-v2"] != 1 {
		t.Errorf("versions counted as %v, want shop-v1 x3 and shop-v2 x1", got)
	}
	if _, ok := got["Deployment shop/shop"]; ok {
		t.Error("an app with versions is counted as a Deployment of its own name too")
	}
}
