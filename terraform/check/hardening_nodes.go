package check

// Hardening of the nodes: launch templates (IMDSv2, hop limit 1, encrypted
// root volume) and the VPC CNI's permissions through Pod Identity.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

func checkNodes(e *Evaluator) []error {
	groups, err := e.Resource("aws_eks_node_group.this")
	if err != nil {
		return []error{err}
	}
	pools := e.Var("node_pools")
	var errs []error
	for _, key := range sortedKeys(groups) {
		g := groups[key]
		if g.Has("disk_size") {
			errs = append(errs, fmt.Errorf("%s sets disk_size: the root volume belongs in the launch template (EKS rejects both)", g.Addr))
		}
		ref := g.String("launch_template.id")
		if !strings.HasPrefix(ref, "aws_launch_template.") {
			errs = append(errs, fmt.Errorf("%s has no launch template of this configuration (launch_template.id = %q): nodes would get EKS's default (IMDS hop limit 2, unencrypted root volume)", g.Addr, ref))
			continue
		}
		lt, _, err := e.InstanceAt(ref)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", g.Addr, err))
			continue
		}
		if v := lt.String("metadata_options.http_tokens"); v != "required" {
			errs = append(errs, fmt.Errorf("%s: metadata_options.http_tokens = %q, want \"required\" (IMDSv2 only)", lt.Addr, v))
		}
		if v := lt.String("metadata_options.http_endpoint"); v != "enabled" && v != "" {
			errs = append(errs, fmt.Errorf("%s: metadata_options.http_endpoint = %q: nodes need IMDS (kubelet, the VPC CNI)", lt.Addr, v))
		}
		if hop, ok := lt.Number("metadata_options.http_put_response_hop_limit"); !ok || hop != 1 {
			errs = append(errs, fmt.Errorf("%s: metadata_options.http_put_response_hop_limit = %v, want hop limit 1 so pods cannot reach IMDS", lt.Addr, hop))
		}
		var root *Instance
		for _, bd := range lt.All("block_device_mappings") {
			if enc, ok := bd.Bool("ebs.encrypted"); !ok || !enc {
				errs = append(errs, fmt.Errorf("%s: block device %s is not encrypted", lt.Addr, bd.String("device_name")))
			}
			if bd.String("device_name") == "/dev/xvda" {
				root = bd
			}
		}
		if root == nil {
			errs = append(errs, fmt.Errorf("%s maps no root volume (/dev/xvda): it would be unencrypted", lt.Addr))
			continue
		}
		want := pools.Index(cty.StringVal(key)).GetAttr("disk_size")
		size, _ := root.Number("ebs.volume_size")
		if w, _ := want.AsBigFloat().Float64(); size != w {
			errs = append(errs, fmt.Errorf("%s: root volume size %v, node pool %q asks for disk_size %v", lt.Addr, size, key, w))
		}
	}
	return errs
}

const cniPolicySuffix = ":iam::aws:policy/AmazonEKS_CNI_Policy"

func checkVPCCNI(e *Evaluator) []error {
	var errs []error
	groups, err := e.Resource("aws_eks_node_group.this")
	if err != nil {
		return []error{err}
	}
	attachments, err := e.ResourcesOfType("aws_iam_role_policy_attachment")
	if err != nil {
		return []error{err}
	}
	policiesOf := func(role string) []string {
		var out []string
		for _, a := range sortedInstances(attachments) {
			if r, _ := splitPlaceholder(a.String("role")); r == role {
				out = append(out, a.String("policy_arn"))
			}
		}
		return out
	}
	hasCNIPolicy := func(policies []string) bool {
		return slices.ContainsFunc(policies, func(p string) bool { return strings.HasSuffix(p, cniPolicySuffix) })
	}
	for _, g := range sortedInstances(groups) {
		role, _ := splitPlaceholder(g.String("node_role_arn"))
		if hasCNIPolicy(policiesOf(role)) {
			errs = append(errs, fmt.Errorf("node role %s has AmazonEKS_CNI_Policy: every pod that reaches the node's credentials gets it", role))
		}
	}
	addons, err := e.ResourcesOfType("aws_eks_addon")
	if err != nil {
		return append(errs, err)
	}
	var cni *Instance
	agent := false
	for _, a := range sortedInstances(addons) {
		switch a.String("addon_name") {
		case "vpc-cni":
			cni = a
		case "eks-pod-identity-agent":
			agent = true
		}
	}
	if !agent {
		errs = append(errs, fmt.Errorf("no eks-pod-identity-agent add-on: Pod Identity needs it"))
	}
	if cni == nil {
		return append(errs, fmt.Errorf("no vpc-cni add-on"))
	}
	var conf struct {
		EnableNetworkPolicy string `json:"enableNetworkPolicy"`
	}
	if err := json.Unmarshal([]byte(cni.String("configuration_values")), &conf); err != nil || conf.EnableNetworkPolicy != "true" {
		errs = append(errs, fmt.Errorf("%s: configuration_values must set enableNetworkPolicy = \"true\": without the network policy agent the rendered NetworkPolicies are not enforced", cni.Addr))
	}
	pia := cni.Block("pod_identity_association")
	if pia == nil || pia.String("service_account") != "aws-node" {
		return append(errs, fmt.Errorf("%s has no Pod Identity association for kube-system/aws-node", cni.Addr))
	}
	roleAddr, _ := splitPlaceholder(pia.String("role_arn"))
	if !hasCNIPolicy(policiesOf(roleAddr)) {
		errs = append(errs, fmt.Errorf("the VPC CNI's Pod Identity role %s lacks AmazonEKS_CNI_Policy", roleAddr))
	}
	if err := trustsPodIdentity(e, roleAddr); err != nil {
		errs = append(errs, err)
	}
	// New nodes need the CNI (with its role) in place to get pod networking.
	for _, g := range sortedInstances(groups) {
		base, _, _ := strings.Cut(cni.Addr, "[")
		if !slices.Contains(g.DependsOn, base) {
			errs = append(errs, fmt.Errorf("%s must depend on %s (the CNI's permissions no longer come with the node role)", g.Addr, base))
		}
	}
	return errs
}

func trustsPodIdentity(e *Evaluator, roleAddr string) error {
	role, _, err := e.InstanceAt(roleAddr)
	if err != nil {
		return err
	}
	docAddr, _ := splitPlaceholder(role.String("assume_role_policy"))
	if !strings.HasPrefix(docAddr, "data.aws_iam_policy_document.") {
		return fmt.Errorf("%s: assume_role_policy must be an aws_iam_policy_document of this configuration", roleAddr)
	}
	doc, _, err := e.InstanceAt(docAddr)
	if err != nil {
		return err
	}
	for _, st := range doc.All("statement") {
		acts := st.Strings("actions")
		for _, p := range st.All("principals") {
			if p.String("type") == "Service" && slices.Contains(p.Strings("identifiers"), "pods.eks.amazonaws.com") &&
				slices.Contains(acts, "sts:AssumeRole") && slices.Contains(acts, "sts:TagSession") {
				return nil
			}
		}
	}
	return fmt.Errorf("%s is not assumable by EKS Pod Identity (pods.eks.amazonaws.com, sts:AssumeRole and sts:TagSession)", roleAddr)
}
