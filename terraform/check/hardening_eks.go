package check

// Hardening of the EKS control plane: API endpoint, Secrets encryption,
// control-plane logs.

import (
	"fmt"
	"slices"
	"strings"
)

func checkEndpoint(e *Evaluator) []error {
	c, err := cluster(e)
	if err != nil {
		return []error{err}
	}
	var errs []error
	if c.Block("vpc_config") == nil {
		return []error{fmt.Errorf("aws_eks_cluster.this has no vpc_config")}
	}
	if priv, ok := c.Bool("vpc_config.endpoint_private_access"); !ok || !priv {
		errs = append(errs, fmt.Errorf("vpc_config.endpoint_private_access must be true (nodes and Terraform reach the API privately)"))
	}
	cidrs := asStrings(e.Var("cluster_endpoint_public_access_cidrs"))
	public, _ := c.Bool("vpc_config.endpoint_public_access")
	switch {
	case len(cidrs) == 0 && public:
		errs = append(errs, fmt.Errorf("public access is on although cluster_endpoint_public_access_cidrs is empty"))
	case len(cidrs) > 0 && !public:
		errs = append(errs, fmt.Errorf("cluster_endpoint_public_access_cidrs = %v but the public endpoint is off", cidrs))
	case public:
		if got := c.Strings("vpc_config.public_access_cidrs"); !sameSet(got, cidrs) {
			errs = append(errs, fmt.Errorf("public access CIDRs %v, want exactly cluster_endpoint_public_access_cidrs %v", got, cidrs))
		}
	}
	for _, cidr := range c.Strings("vpc_config.public_access_cidrs") {
		if strings.HasSuffix(cidr, "/0") && public {
			errs = append(errs, fmt.Errorf("public access open to %s", cidr))
		}
	}
	// Private-endpoint callers: exactly cluster_endpoint_private_access_cidrs, on 443.
	want := asStrings(e.Var("cluster_endpoint_private_access_cidrs"))
	sg := Placeholder(c.Addr, "vpc_config[0].cluster_security_group_id")
	rules, err := e.ResourcesOfType("aws_vpc_security_group_ingress_rule")
	if err != nil {
		return append(errs, err)
	}
	var got []string
	for _, r := range sortedInstances(rules) {
		if r.String("security_group_id") != sg || r.String("cidr_ipv4") == "" {
			continue // other groups; the ALB's security-group rule (targetGroupBinding mode)
		}
		from, _ := r.Number("from_port")
		to, _ := r.Number("to_port")
		if from != 443 || to != 443 || r.String("ip_protocol") != "tcp" {
			errs = append(errs, fmt.Errorf("%s: the cluster security group may admit CIDRs on tcp/443 only", r.Addr))
		}
		got = append(got, r.String("cidr_ipv4"))
	}
	if !sameSet(got, want) {
		errs = append(errs, fmt.Errorf("the cluster security group admits %v on 443, want exactly cluster_endpoint_private_access_cidrs %v", got, want))
	}
	return errs
}

func checkSecretsEncryption(e *Evaluator) []error {
	c, err := cluster(e)
	if err != nil {
		return []error{err}
	}
	for _, ec := range c.All("encryption_config") {
		if !slices.Contains(ec.Strings("resources"), "secrets") {
			continue
		}
		if err := rotatedKey(e, ec.String("provider.key_arn"), "encryption_config provider.key_arn"); err != nil {
			return []error{err}
		}
		return nil
	}
	return []error{fmt.Errorf("aws_eks_cluster.this has no encryption_config for \"secrets\"")}
}

func checkControlPlaneLogs(e *Evaluator) []error {
	c, err := cluster(e)
	if err != nil {
		return []error{err}
	}
	var errs []error
	types := c.Strings("enabled_cluster_log_types")
	for _, t := range []string{"api", "audit", "authenticator"} {
		if !slices.Contains(types, t) {
			errs = append(errs, fmt.Errorf("enabled_cluster_log_types %v lacks %q", types, t))
		}
	}
	if want := asStrings(e.Var("cluster_log_types")); !sameSet(types, want) {
		errs = append(errs, fmt.Errorf("enabled_cluster_log_types %v, want cluster_log_types %v", types, want))
	}
	name := "/aws/eks/" + c.String("name") + "/cluster"
	group, err := logGroupNamed(e, name)
	if err != nil {
		return append(errs, fmt.Errorf("control-plane log group: %w", err))
	}
	errs = append(errs, logGroupHardened(e, group, e.Var("cluster_log_retention_days"))...)
	if !slices.Contains(c.DependsOn, group.Addr) {
		errs = append(errs, fmt.Errorf("aws_eks_cluster.this must depend on %s, or EKS creates %s itself, without retention or key", group.Addr, name))
	}
	return errs
}
