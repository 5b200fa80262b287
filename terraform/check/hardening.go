package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// The security hardening of layers 1-2, checked on the evaluated resources
// for one set of inputs (every rendered tfvars file): each item is either
// in force, or relaxed exactly as far as an input variable (validated in
// variables.tf) asks. SecureDefaults pins the defaults of those variables.

// HardeningCheck is one hardening item.
type HardeningCheck struct {
	Name  string
	Check func(e *Evaluator) []error
}

// HardeningChecks lists the items in the order of the README table.
var HardeningChecks = []HardeningCheck{
	{"EKS API endpoint private unless CIDRs are listed", checkEndpoint},
	{"EKS secrets encrypted with a rotated customer-managed KMS key", checkSecretsEncryption},
	{"EKS control-plane logs with a retention", checkControlPlaneLogs},
	{"nodes: IMDSv2, hop limit 1, encrypted root volume", checkNodes},
	{"VPC CNI permissions through Pod Identity, not the node role", checkVPCCNI},
	{"VPC flow logs", checkFlowLogs},
	{"default security group closed", checkDefaultSecurityGroup},
	{"deletion protection of the cluster and the ALB", checkDeletionProtection},
	{"ALB access logs to an encrypted bucket with a lifecycle rule", checkALBAccessLogs},
}

// CheckHardening runs every hardening item; errors are prefixed with its name.
func CheckHardening(e *Evaluator) []error {
	var errs []error
	for _, c := range HardeningChecks {
		for _, err := range c.Check(e) {
			errs = append(errs, fmt.Errorf("hardening: %s: %w", c.Name, err))
		}
	}
	return errs
}

// SecureDefault is the default a hardening variable must keep.
type SecureDefault struct {
	Variable string
	Want     string // for the message
	OK       func(cty.Value) bool
}

var wantAllLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// SecureDefaults: with nothing set in the tfvars, every item is in force.
var SecureDefaults = []SecureDefault{
	{"cluster_endpoint_public_access_cidrs", "[] (private endpoint only)", isEmptyList},
	{"cluster_endpoint_private_access_cidrs", "[] (only the cluster security group)", isEmptyList},
	{"cluster_deletion_protection", "true", isTrue},
	{"cluster_log_types", fmt.Sprint(wantAllLogTypes), func(v cty.Value) bool { return slices.Equal(asStrings(v), wantAllLogTypes) }},
	{"cluster_log_retention_days", ">= 90", atLeast(90)},
	{"vpc_flow_log_retention_days", ">= 90", atLeast(90)},
	{"alb_deletion_protection", "true", isTrue},
	{"alb_access_log_retention_days", ">= 90", atLeast(90)},
	{"alb_access_logs_force_destroy", "false", func(v cty.Value) bool { return v.Type() == cty.Bool && v.False() }},
}

// CheckSecureDefaults wants every hardening variable declared with its secure
// default.
func CheckSecureDefaults(m *Module) []error {
	var errs []error
	for _, d := range SecureDefaults {
		v, ok := m.Variables[d.Variable]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("secure default: variable %q is not declared", d.Variable))
		case !v.HasDefault || v.Default.IsNull() || !v.Default.IsKnown():
			errs = append(errs, fmt.Errorf("secure default: variable %q has no default, want %s", d.Variable, d.Want))
		case !d.OK(v.Default):
			errs = append(errs, fmt.Errorf("secure default: variable %q defaults to %s, want %s", d.Variable, valueString(v.Default), d.Want))
		}
	}
	return errs
}

func isEmptyList(v cty.Value) bool {
	return v.CanIterateElements() && v.LengthInt() == 0
}

func isTrue(v cty.Value) bool { return v.Type() == cty.Bool && v.True() }

func atLeast(n float64) func(cty.Value) bool {
	return func(v cty.Value) bool {
		if v.Type() != cty.Number {
			return false
		}
		f, _ := v.AsBigFloat().Float64()
		return f >= n
	}
}

func valueString(v cty.Value) string {
	if v.CanIterateElements() {
		return fmt.Sprint(asStrings(v))
	}
	if s, ok := asString(v); ok {
		return s
	}
	return v.GoString()
}

func cluster(e *Evaluator) (*Instance, error) {
	insts, err := e.Resource("aws_eks_cluster.this")
	if err != nil {
		return nil, err
	}
	if len(insts) != 1 {
		return nil, fmt.Errorf("aws_eks_cluster.this has %d instances, want 1", len(insts))
	}
	return insts[""], nil
}

// rotatedKey wants ref to be the ARN (or ID) of an aws_kms_key of this
// configuration with key rotation on.
func rotatedKey(e *Evaluator, ref, what string) error {
	if !strings.HasPrefix(ref, "aws_kms_key.") {
		return fmt.Errorf("%s is %q, want a customer-managed aws_kms_key of this configuration", what, ref)
	}
	key, _, err := e.InstanceAt(ref)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if rot, ok := key.Bool("enable_key_rotation"); !ok || !rot {
		return fmt.Errorf("%s: %s must have enable_key_rotation = true", what, key.Addr)
	}
	return nil
}

func logGroupNamed(e *Evaluator, name string) (*Instance, error) {
	groups, err := e.ResourcesOfType("aws_cloudwatch_log_group")
	if err != nil {
		return nil, err
	}
	for _, g := range sortedInstances(groups) {
		if g.String("name") == name {
			return g, nil
		}
	}
	return nil, fmt.Errorf("no aws_cloudwatch_log_group named %s", name)
}

func logGroupHardened(e *Evaluator, g *Instance, retention cty.Value) []error {
	var errs []error
	days, ok := g.Number("retention_in_days")
	want, _ := retention.AsBigFloat().Float64()
	if !ok || days <= 0 {
		errs = append(errs, fmt.Errorf("%s has no retention_in_days (CloudWatch would keep the logs forever)", g.Addr))
	} else if days != want {
		errs = append(errs, fmt.Errorf("%s: retention_in_days %v, want the variable's %v", g.Addr, days, want))
	}
	if err := rotatedKey(e, g.String("kms_key_id"), g.Addr+" kms_key_id"); err != nil {
		errs = append(errs, err)
	}
	return errs
}
