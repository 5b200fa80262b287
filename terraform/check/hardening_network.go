package check

// Hardening of the VPC: flow logs and the default security group.

import (
	"fmt"
	"strings"
)

func checkFlowLogs(e *Evaluator) []error {
	vpcs, err := e.ResourcesOfType("aws_vpc")
	if err != nil {
		return []error{err}
	}
	logs, err := e.ResourcesOfType("aws_flow_log")
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, v := range sortedInstances(vpcs) {
		var fl *Instance
		for _, l := range sortedInstances(logs) {
			if l.String("vpc_id") == Placeholder(v.Addr, "id") {
				fl = l
			}
		}
		if fl == nil {
			errs = append(errs, fmt.Errorf("%s has no aws_flow_log", v.Addr))
			continue
		}
		if t := fl.String("traffic_type"); t != "ALL" {
			errs = append(errs, fmt.Errorf("%s: traffic_type %q, want ALL (accepted and rejected)", fl.Addr, t))
		}
		if fl.String("log_destination_type") != "cloud-watch-logs" {
			errs = append(errs, fmt.Errorf("%s: log_destination_type must be cloud-watch-logs (the retention and key are checked on the log group)", fl.Addr))
			continue
		}
		group, _, err := e.InstanceAt(fl.String("log_destination"))
		if err != nil || group.Type != "resource" || !strings.HasPrefix(group.Addr, "aws_cloudwatch_log_group.") {
			errs = append(errs, fmt.Errorf("%s: log_destination must be a log group of this configuration", fl.Addr))
			continue
		}
		errs = append(errs, logGroupHardened(e, group, e.Var("vpc_flow_log_retention_days"))...)
	}
	return errs
}

func checkDefaultSecurityGroup(e *Evaluator) []error {
	vpcs, err := e.ResourcesOfType("aws_vpc")
	if err != nil {
		return []error{err}
	}
	sgs, err := e.ResourcesOfType("aws_default_security_group")
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, v := range sortedInstances(vpcs) {
		var sg *Instance
		for _, s := range sortedInstances(sgs) {
			if s.String("vpc_id") == Placeholder(v.Addr, "id") {
				sg = s
			}
		}
		if sg == nil {
			errs = append(errs, fmt.Errorf("%s: its default security group is not managed (AWS creates it allowing all traffic within the group and all egress)", v.Addr))
			continue
		}
		for _, name := range []string{"ingress", "egress"} {
			if sg.Block(name) != nil || (sg.Has(name) && sg.Get(name).LengthInt() > 0) {
				errs = append(errs, fmt.Errorf("%s has %s rules: the default security group must stay closed", sg.Addr, name))
			}
		}
	}
	return errs
}
