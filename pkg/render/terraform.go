package render

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"

	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// TFVarsFile is the Terraform variables file rendered for layers 1-2 (eks only).
const TFVarsFile = DirTerraform + "/platform.auto.tfvars.json"

// Defaults for node pools that do not size themselves.
const defaultInstanceType = "m6i.large"

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
	CertificateARN string `json:"certificate_arn"`
	WAFACLARN      string `json:"waf_acl_arn"`
}

func terraform(m *model.Model, t *Tree) error {
	s := m.Spec.Spec
	if s.Provider != schema.ProviderEKS {
		return nil
	}
	v := tfVars{
		PlatformName: m.Name,
		VPCCIDR:      s.Network.VPCCIDR,
		Git:          tfGit{RepoURL: s.Git.RepoURL, Revision: s.Git.Revision, RootAppPath: repoPath(m, DirBootstrap+"/root-app.yaml")},
		NodePools:    map[string]tfNodePool{},
		HealthPath:   s.Health.Path,
		Gateway:      tfGateway{Name: m.Gateway.Name, Namespace: m.Gateway.Namespace, ServiceName: m.Gateway.ServiceName},
		LoadBalancer: tfLoadBalancer{Mode: s.Gateway.LoadBalancer.Mode, NLBPrivateIPs: []tfPrivateIP{}, TargetGroupName: s.Gateway.LoadBalancer.TargetGroupName},
	}
	names := make([]string, 0, len(s.NodePools))
	for name := range s.NodePools {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := s.NodePools[name]
		np := tfNodePool{Labels: p.Labels, Taints: []tfTaint{}, InstanceTypes: p.InstanceTypes, MinSize: 2, MaxSize: 3, DesiredSize: 2}
		if np.Labels == nil {
			np.Labels = map[string]string{}
		}
		if len(np.InstanceTypes) == 0 {
			np.InstanceTypes = []string{defaultInstanceType}
		}
		if p.Size != nil {
			np.MinSize, np.MaxSize, np.DesiredSize = p.Size.Min, p.Size.Max, p.Size.Desired
		}
		for _, tt := range p.Taints {
			np.Taints = append(np.Taints, tfTaint{Key: tt.Key, Value: tt.Value, Effect: tt.Effect})
		}
		v.NodePools[name] = np
	}
	if h := s.Gateway.HTTP; h != nil {
		v.Gateway.HTTPPort = ptr(h.Port)
	}
	if h := s.Gateway.HTTPS; h != nil {
		v.Gateway.HTTPSPort = ptr(h.Port)
	}
	for _, ip := range s.Gateway.LoadBalancer.PrivateIPs {
		v.LoadBalancer.NLBPrivateIPs = append(v.LoadBalancer.NLBPrivateIPs, tfPrivateIP(ip))
	}
	if a := s.Gateway.LoadBalancer.ALB; a != nil {
		v.ALB = tfALB{CertificateARN: a.CertificateARN, WAFACLARN: a.WAFACLARN}
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("terraform variables: %w", err)
	}
	t.Files = append(t.Files, File{Path: path.Clean(TFVarsFile), Content: append(b, '\n')})
	return nil
}
