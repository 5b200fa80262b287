package render

import (
	"encoding/json"
	"fmt"
	"path"

	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// TFVarsFile is the Terraform variables file rendered for layers 1-2 (eks only).
const TFVarsFile = DirTerraform + "/platform.auto.tfvars.json"

// tfVars is the contract between krm-gen and terraform/: keys and types are fixed.
type tfVars struct {
	PlatformName string                `json:"platform_name"`
	VPCCIDR      string                `json:"vpc_cidr"`
	Git          tfGit                 `json:"git"`
	NodePools    map[string]tfNodePool `json:"node_pools"`
	HealthPath   string                `json:"health_path"`
	Gateway      tfGateway             `json:"gateway"`
	LoadBalancer tfLoadBalancer        `json:"load_balancer"`
	ALB          tfALB                 `json:"alb"`
	tfHardening
}

// tfHardening are terraform/'s hardening variables the spec sets (spec.cluster); a
// key is written only when set, so terraform/'s default applies otherwise.
type tfHardening struct {
	PublicAccessCIDRs      []string `json:"cluster_endpoint_public_access_cidrs,omitempty"`
	PrivateAccessCIDRs     []string `json:"cluster_endpoint_private_access_cidrs,omitempty"`
	ClusterDeletion        *bool    `json:"cluster_deletion_protection,omitempty"`
	ALBDeletion            *bool    `json:"alb_deletion_protection,omitempty"`
	ClusterLogRetention    int32    `json:"cluster_log_retention_days,omitempty"`
	FlowLogRetention       int32    `json:"vpc_flow_log_retention_days,omitempty"`
	ALBAccessLogsRetention int32    `json:"alb_access_log_retention_days,omitempty"`
}

type tfGit struct {
	RepoURL     string `json:"repo_url"`
	Revision    string `json:"revision"`
	RootAppPath string `json:"root_app_path"`
}

type tfNodePool struct {
	Labels        map[string]string `json:"labels"`
	Taints        []tfTaint         `json:"taints"`
	InstanceTypes []string          `json:"instance_types"`
	MinSize       int32             `json:"min_size"`
	MaxSize       int32             `json:"max_size"`
	DesiredSize   int32             `json:"desired_size"`
}

type tfTaint struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Effect string `json:"effect"`
}

type tfGateway struct {
	Name        string `json:"name"`
	Namespace   string `json:"namespace"`
	ServiceName string `json:"service_name"`
	HTTPPort    *int32 `json:"http_port"`
	HTTPSPort   *int32 `json:"https_port"`
}

type tfLoadBalancer struct {
	Mode            string        `json:"mode"`
	NLBPrivateIPs   []tfPrivateIP `json:"nlb_private_ips"`
	TargetGroupName string        `json:"target_group_name"`
}

type tfPrivateIP struct {
	Subnet  string `json:"subnet"`
	Address string `json:"address"`
}

type tfALB struct {
	CertificateARN       string   `json:"certificate_arn"`
	WAFACLARN            string   `json:"waf_acl_arn"`
	ExtraCertificateARNs []string `json:"extra_certificate_arns,omitempty"` // SNI at the ALB
	GRPCTargetGroup      bool     `json:"grpc_target_group,omitempty"`      // an HTTP/2 target group for gRPC requests
}

func terraform(m *model.Model, t *Tree) error {
	if m.Provider != schema.ProviderEKS {
		return nil
	}
	lb := m.Gateway.LoadBalancer
	v := tfVars{
		PlatformName: m.Name,
		VPCCIDR:      m.VPCCIDR,
		Git:          tfGit{RepoURL: m.Repo.URL, Revision: m.Repo.Revision, RootAppPath: repoPath(m, DirBootstrap+"/root-app.yaml")},
		NodePools:    map[string]tfNodePool{},
		HealthPath:   m.Health.Path,
		Gateway:      tfGateway{Name: m.Gateway.Name, Namespace: m.Gateway.Namespace, ServiceName: m.Gateway.ServiceName},
		LoadBalancer: tfLoadBalancer{Mode: string(lb.Mode), NLBPrivateIPs: []tfPrivateIP{}, TargetGroupName: lb.TargetGroupName},
		tfHardening: tfHardening{
			PublicAccessCIDRs: m.Cluster.PublicAccessCIDRs, PrivateAccessCIDRs: m.Cluster.PrivateAccessCIDRs,
			ClusterDeletion: m.Cluster.DeletionProtection, ALBDeletion: m.Cluster.DeletionProtection,
			ClusterLogRetention: m.Cluster.LogRetentionDays, FlowLogRetention: m.Cluster.LogRetentionDays, ALBAccessLogsRetention: m.Cluster.LogRetentionDays,
		},
	}
	for _, p := range m.Pools {
		np := tfNodePool{
			Labels: p.Placement.NodeSelector, Taints: []tfTaint{}, InstanceTypes: p.InstanceTypes,
			MinSize: p.Size.Min, MaxSize: p.Size.Max, DesiredSize: p.Size.Desired,
		}
		if np.Labels == nil {
			np.Labels = map[string]string{}
		}
		for _, tt := range p.Taints {
			np.Taints = append(np.Taints, tfTaint{Key: tt.Key, Value: tt.Value, Effect: string(tt.Effect)})
		}
		v.NodePools[p.Name] = np
	}
	if l := m.Gateway.Listener(model.ListenerHTTP); l != nil {
		v.Gateway.HTTPPort = ptr(l.Port)
	}
	if l := m.Gateway.Listener(model.ListenerHTTPS); l != nil {
		v.Gateway.HTTPSPort = ptr(l.Port)
	}
	for _, ip := range lb.PrivateIPs {
		v.LoadBalancer.NLBPrivateIPs = append(v.LoadBalancer.NLBPrivateIPs, tfPrivateIP(ip))
	}
	if a := lb.ALB; a != nil {
		v.ALB = tfALB{CertificateARN: a.CertificateARN, WAFACLARN: a.WAFACLARN, ExtraCertificateARNs: a.ExtraCertificateARNs}
	}
	// gRPC needs HTTP/2 from the ALB to the gateway; HTTP/1.1 clients need the default
	// target group to stay HTTP/1.1 (an HTTP/2 one answers them 464): a second one.
	v.ALB.GRPCTargetGroup = m.Gateway.GRPCTargetGroup != ""
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("terraform variables: %w", err)
	}
	t.Files = append(t.Files, File{Path: path.Clean(TFVarsFile), Content: append(b, '\n')})
	return nil
}
