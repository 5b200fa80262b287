package importer

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"strings"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// KindTerraformVariables is the kind given to a platform.auto.tfvars.json file of the
// input (the layers 1-2 variables krm-gen renders for eks): it is no Kubernetes
// object, but holds what the manifests cannot (node sizes, the ALB's certificate).
const KindTerraformVariables = "TerraformVariables"

// tfVars is the part of platform.auto.tfvars.json import reads back.
type tfVars struct {
	VPCCIDR   string `json:"vpc_cidr"`
	NodePools map[string]struct {
		Labels        map[string]string `json:"labels"`
		InstanceTypes []string          `json:"instance_types"`
		MinSize       int32             `json:"min_size"`
		MaxSize       int32             `json:"max_size"`
		DesiredSize   int32             `json:"desired_size"`
	} `json:"node_pools"`
	ALB struct {
		CertificateARN       string   `json:"certificate_arn"`
		WAFACLARN            string   `json:"waf_acl_arn"`
		ExtraCertificateARNs []string `json:"extra_certificate_arns"`
	} `json:"alb"`
	// The cluster's hardening inputs (spec.cluster).
	PublicAccessCIDRs  []string `json:"cluster_endpoint_public_access_cidrs"`
	PrivateAccessCIDRs []string `json:"cluster_endpoint_private_access_cidrs"`
	ClusterDeletion    *bool    `json:"cluster_deletion_protection"`
	LogRetention       int32    `json:"cluster_log_retention_days"`
}

// isTFVars says whether a file is Terraform variables in JSON.
func isTFVars(file string) bool { return strings.HasSuffix(filepath.Base(file), ".tfvars.json") }

// parseTFVars reads a tfvars JSON file as one object.
func parseTFVars(data []byte, file string) ([]*Object, []Problem) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, []Problem{{File: file, Message: "not JSON: " + err.Error()}}
	}
	return []*Object{{File: file, Line: 1, APIVersion: "terraform", Kind: KindTerraformVariables, Name: filepath.Base(file), Raw: raw}}, nil
}

// terraform reads node pool names and sizes, the VPC and the ALB from tfvars.
func (b *builder) terraform(pools map[string]schema.NodePool) map[string]schema.NodePool {
	for _, o := range b.ofKind(KindTerraformVariables) {
		o.used = true
		var tf tfVars
		if err := o.decodeInto(&tf); err != nil {
			b.lose(o, "", "cannot be read: %v", err)
			continue
		}
		s := &b.p.Spec
		if tf.VPCCIDR != "" && tf.VPCCIDR != schema.DefaultVPCCIDR {
			s.Network.VPCCIDR = tf.VPCCIDR
			delete(b.res.Notes, "spec.network")
		}
		renamed := map[string]string{}
		for tfName, tp := range tf.NodePools {
			for name, p := range pools {
				if !maps.Equal(p.Labels, tp.Labels) {
					continue
				}
				p.InstanceTypes = tp.InstanceTypes
				if tp.MinSize != 0 || tp.MaxSize != 0 || tp.DesiredSize != 0 {
					p.Size = &schema.PoolSize{Min: tp.MinSize, Max: tp.MaxSize, Desired: tp.DesiredSize}
				}
				delete(pools, name)
				pools[tfName] = p
				renamed[name] = tfName
			}
		}
		b.renamePools(renamed)
		s.Cluster.APIAccess = schema.APIAccess{PublicCIDRs: tf.PublicAccessCIDRs, PrivateCIDRs: tf.PrivateAccessCIDRs}
		s.Cluster.DeletionProtection = tf.ClusterDeletion // krm-gen sets the ALB's alike
		s.Cluster.LogRetentionDays = tf.LogRetention      // and the flow and access logs' alike
		if a := tf.ALB; a.CertificateARN != "" || a.WAFACLARN != "" || len(a.ExtraCertificateARNs) > 0 {
			s.Gateway.LoadBalancer.ALB = &schema.ALB{CertificateARN: a.CertificateARN, WAFACLARN: a.WAFACLARN, ExtraCertificateARNs: a.ExtraCertificateARNs}
		}
	}
	return pools
}

// renamePools follows pool renames in every nodePool reference.
func (b *builder) renamePools(renamed map[string]string) {
	if len(renamed) == 0 {
		return
	}
	s := &b.p.Spec
	for _, ref := range []*string{&s.Gateway.NodePool, &s.Health.NodePool, &s.Waypoints.NodePool} {
		if n, ok := renamed[*ref]; ok {
			*ref = n
		}
	}
	for i := range s.Apps {
		if n, ok := renamed[s.Apps[i].NodePool]; ok {
			s.Apps[i].NodePool = n
		}
	}
}
