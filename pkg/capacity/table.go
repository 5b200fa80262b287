// Package capacity is krm-gen's capacity plan: what the resolved platform places on each
// node pool (requests of every pod krm-gen knows, DaemonSets on every node) against what
// the pool's nodes can hold at its min, desired and max size. Node sizes come from
// instancetypes.json, the table the e2e harness sizes its Nodes from, so a capacity
// warning here and a Pending pod there agree.
package capacity

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

//go:embed instancetypes.json
var tableJSON []byte

// InstanceType is one node size of the table: what the instance has, and what a node of
// it offers pods (allocatable, after the kubelet's reservations; see the table's _doc).
type InstanceType struct {
	VCPU        int               `json:"vcpu"`
	MemoryMiB   int               `json:"memoryMiB"`
	MaxPods     int               `json:"maxPods"`
	Allocatable map[string]string `json:"allocatable"`
	Source      string            `json:"source"`
}

// Allocatable is what one node offers pods.
type Allocatable struct {
	CPU, Memory resource.Quantity
	Pods        int64
}

// Table is the instance-type table, keyed by instance type.
type Table map[string]InstanceType

// LoadTable decodes the embedded table.
func LoadTable() (Table, error) { return ParseTable(tableJSON) }

// ParseTable decodes a table (keys starting with "_" are documentation).
func ParseTable(data []byte) (Table, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("instance-type table: %w", err)
	}
	out := Table{}
	var problems []string
	for key, msg := range raw {
		if strings.HasPrefix(key, "_") {
			continue
		}
		var it InstanceType
		if err := json.Unmarshal(msg, &it); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", key, err))
			continue
		}
		if _, err := it.allocatable(); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", key, err))
			continue
		}
		out[key] = it
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("instance-type table: %s", strings.Join(problems, "; "))
	}
	return out, nil
}

// Allocatable returns what a node of instance type name offers pods.
func (t Table) Allocatable(name string) (Allocatable, error) {
	it, ok := t[name]
	if !ok {
		return Allocatable{}, fmt.Errorf("instance type %s is not in the capacity table (pkg/capacity/instancetypes.json)", name)
	}
	return it.allocatable()
}

func (it InstanceType) allocatable() (Allocatable, error) {
	var a Allocatable
	for key, dst := range map[string]*resource.Quantity{"cpu": &a.CPU, "memory": &a.Memory} {
		q, err := resource.ParseQuantity(it.Allocatable[key])
		if err != nil {
			return a, fmt.Errorf("allocatable %s %q: %w", key, it.Allocatable[key], err)
		}
		*dst = q
	}
	pods, err := resource.ParseQuantity(it.Allocatable["pods"])
	if err != nil {
		return a, fmt.Errorf("allocatable pods %q: %w", it.Allocatable["pods"], err)
	}
	a.Pods = pods.Value()
	return a, nil
}
