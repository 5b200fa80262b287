package harness

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// The published sizes the table is checked against: vCPU, memory and (EC2) the ENI
// limits of the VPC CNI formula.
var publishedSizes = map[string]struct {
	aks             bool
	vcpu, memMiB    int
	enis, ipsPerENI int
}{
	"m5.large":        {false, 2, 8192, 3, 10},
	"m6i.large":       {false, 2, 8192, 3, 10},
	"m6i.xlarge":      {false, 4, 16384, 4, 15},
	"t3.medium":       {false, 2, 4096, 3, 6},
	"Standard_D2s_v5": {true, 2, 8192, 0, 0},
	"Standard_D4s_v5": {true, 4, 16384, 0, 0},
}

// expectedAllocatable recomputes a row with the rules of the table's _doc.
func expectedAllocatable(aks bool, vcpu, memMiB, enis, ips int) (maxPods int, cpuMilli int, memoryMiB int) {
	capMiB := int(math.Floor(float64(memMiB) * 0.925))
	if aks {
		maxPods = 30
		reserved := map[int]int{1: 60, 2: 100, 4: 140, 8: 180, 16: 260, 32: 420, 64: 740}[vcpu]
		kubeMem := min(20*maxPods+50, memMiB/4)
		return maxPods, vcpu*1000 - reserved, capMiB - kubeMem - 100
	}
	maxPods = enis*(ips-1) + 2
	reserved := 0.0
	for core := 1; core <= vcpu; core++ {
		switch {
		case core == 1:
			reserved += 60
		case core == 2:
			reserved += 10
		case core <= 4:
			reserved += 5
		default:
			reserved += 2.5
		}
	}
	return maxPods, vcpu*1000 - int(reserved), capMiB - (11*maxPods + 255) - 100
}

func TestInstanceTypeTable(t *testing.T) {
	table, err := LoadInstanceTypes(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := table[DefaultInstanceType]; !ok {
		t.Errorf("the default instance type %s is not in the table", DefaultInstanceType)
	}
	for name, want := range publishedSizes {
		t.Run(name, func(t *testing.T) {
			it, ok := table[name]
			if !ok {
				t.Fatalf("%s is not in %s", name, InstanceTypesFile)
			}
			if it.VCPU != want.vcpu || it.MemoryMiB != want.memMiB {
				t.Errorf("size %d vCPU %d MiB, published %d vCPU %d MiB", it.VCPU, it.MemoryMiB, want.vcpu, want.memMiB)
			}
			pods, cpu, mem := expectedAllocatable(want.aks, want.vcpu, want.memMiB, want.enis, want.ipsPerENI)
			if it.MaxPods != pods {
				t.Errorf("maxPods %d, the formula gives %d", it.MaxPods, pods)
			}
			for k, w := range map[string]string{"cpu": fmt.Sprintf("%dm", cpu), "memory": fmt.Sprintf("%dMi", mem), "pods": fmt.Sprint(pods)} {
				got := resource.MustParse(it.Allocatable[k])
				if wq := resource.MustParse(w); got.Cmp(wq) != 0 {
					t.Errorf("allocatable %s %s, the formula gives %s", k, it.Allocatable[k], w)
				}
			}
			if it.Source == "" {
				t.Error("no source")
			}
		})
	}
}

func TestParseInstanceTypesRejects(t *testing.T) {
	ok := `"vcpu": 2, "memoryMiB": 8192, "maxPods": 29, "source": "x"`
	cases := []struct {
		name, entry, want string
	}{
		{"missing pods", `{` + ok + `, "allocatable": {"cpu": "1930m", "memory": "6903Mi"}}`, "allocatable has no pods"},
		{"more cpu than the instance", `{` + ok + `, "allocatable": {"cpu": "3", "memory": "6903Mi", "pods": "29"}}`, "allocatable cpu 3 is not within"},
		{"more memory than the instance", `{` + ok + `, "allocatable": {"cpu": "1", "memory": "9Gi", "pods": "29"}}`, "allocatable memory 9Gi"},
		{"bad quantity", `{` + ok + `, "allocatable": {"cpu": "lots", "memory": "1Gi", "pods": "29"}}`, `allocatable cpu "lots"`},
		{"unknown field", `{` + ok + `, "cores": 2, "allocatable": {"cpu": "1", "memory": "1Gi", "pods": "29"}}`, "unknown field"},
		{"zero size", `{"vcpu": 0, "memoryMiB": 8192, "maxPods": 29, "allocatable": {"cpu": "1", "memory": "1Gi", "pods": "29"}}`, "must be positive"},
		{"extra allocatable", `{` + ok + `, "allocatable": {"cpu": "1", "memory": "1Gi", "pods": "29", "gpu": "1"}}`, "keys other than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseInstanceTypes([]byte(`{"_doc": "d", "x.large": `+c.entry+`}`), "test.json")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "x.large") {
				t.Fatalf("want an error naming x.large and containing %q, got %v", c.want, err)
			}
		})
	}
	table, err := ParseInstanceTypes([]byte(`{"_doc": "d", "x.large": {`+ok+`, "allocatable": {"cpu": "1930m", "memory": "6903Mi", "pods": "29"}}}`), "test.json")
	if err != nil || len(table) != 1 {
		t.Fatalf("a valid table: %v %v", table, err)
	}
}
