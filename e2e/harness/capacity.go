package harness

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// InstanceTypesFile is the instance-type table of the repository, shared with the generator
// (krm-gen plan embeds it): the e2e's Nodes get exactly the sizes the capacity plan uses.
const InstanceTypesFile = "pkg/capacity/instancetypes.json"

// DefaultInstanceType is what a pool without instanceTypes runs on, as the generator's
// Terraform input defaults it (pkg/render/terraform.go).
const DefaultInstanceType = "m6i.large"

// DefaultDesiredSize is a pool's node count when its spec has no size (pkg/render/terraform.go).
const DefaultDesiredSize = 2

// InstanceType is one entry of the table.
type InstanceType struct {
	VCPU        int               `json:"vcpu"`
	MemoryMiB   int               `json:"memoryMiB"`
	MaxPods     int               `json:"maxPods"`
	Allocatable map[string]string `json:"allocatable"` // cpu, memory, pods
	Source      string            `json:"source"`
}

// InstanceTypes is the table, keyed by instance type.
type InstanceTypes map[string]InstanceType

// LoadInstanceTypes reads the table from the repository root.
func LoadInstanceTypes(repoRoot string) (InstanceTypes, error) {
	p := filepath.Join(repoRoot, filepath.FromSlash(InstanceTypesFile))
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("instance-type table: %w", err)
	}
	return ParseInstanceTypes(data, p)
}

// ParseInstanceTypes decodes the table (keys starting with "_" are documentation) and
// checks every entry: positive sizes, and allocatable cpu, memory and pods that parse and
// fit inside the instance.
func ParseInstanceTypes(data []byte, name string) (InstanceTypes, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out := InstanceTypes{}
	var problems []string
	for key, msg := range raw {
		if strings.HasPrefix(key, "_") {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(string(msg)))
		dec.DisallowUnknownFields()
		var it InstanceType
		if err := dec.Decode(&it); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", key, err))
			continue
		}
		if err := it.validate(); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", key, err))
			continue
		}
		out[key] = it
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s: %s", name, strings.Join(problems, "; "))
	}
	return out, nil
}

func (it InstanceType) validate() error {
	if it.VCPU <= 0 || it.MemoryMiB <= 0 || it.MaxPods <= 0 {
		return fmt.Errorf("vcpu, memoryMiB and maxPods must be positive (have %d, %d, %d)", it.VCPU, it.MemoryMiB, it.MaxPods)
	}
	limits := map[string]resource.Quantity{
		"cpu":    *resource.NewMilliQuantity(int64(it.VCPU)*1000, resource.DecimalSI),
		"memory": *resource.NewQuantity(int64(it.MemoryMiB)<<20, resource.BinarySI),
		"pods":   *resource.NewQuantity(int64(it.MaxPods), resource.DecimalSI),
	}
	for _, k := range []string{"cpu", "memory", "pods"} {
		s, ok := it.Allocatable[k]
		if !ok {
			return fmt.Errorf("allocatable has no %s", k)
		}
		q, err := resource.ParseQuantity(s)
		if err != nil {
			return fmt.Errorf("allocatable %s %q: %w", k, s, err)
		}
		if limit := limits[k]; q.Sign() <= 0 || q.Cmp(limit) > 0 {
			return fmt.Errorf("allocatable %s %s is not within (0, %s]", k, s, limit.String())
		}
	}
	if len(it.Allocatable) != 3 {
		return fmt.Errorf("allocatable has keys other than cpu, memory, pods: %v", it.Allocatable)
	}
	return nil
}

// Nodes' disk: Terraform's node groups default to 50 GiB (terraform/variables.tf
// disk_size); allocatable leaves the kubelet's nodefs eviction threshold (10%) and EKS's
// 1 GiB kube-reserved ephemeral storage. Not part of the shared table (the plan does not
// budget disk), but a Node without ephemeral-storage would refuse any pod requesting it.
var (
	nodeDiskCapacity    = resource.MustParse("50Gi")
	nodeDiskAllocatable = resource.MustParse("44Gi")
)

// resources returns a Node's capacity and allocatable for the instance type.
func (it InstanceType) resources() (capacity, allocatable corev1.ResourceList) {
	capacity = corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewMilliQuantity(int64(it.VCPU)*1000, resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(int64(it.MemoryMiB)<<20, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(int64(it.MaxPods), resource.DecimalSI),
		corev1.ResourceEphemeralStorage: nodeDiskCapacity,
	}
	allocatable = corev1.ResourceList{corev1.ResourceEphemeralStorage: nodeDiskAllocatable}
	for k, v := range it.Allocatable {
		allocatable[corev1.ResourceName(k)] = resource.MustParse(v) // checked by validate
	}
	return capacity, allocatable
}
