package check

// The ALB's target group and HTTPS listener as the tfvars ask: protocol
// version to the gateway, its health check, and the listener certificates.

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/zclconf/go-cty/cty"
)

// CheckALB checks the target group and the HTTPS listener against the alb
// input; errors are prefixed with the part.
func CheckALB(e *Evaluator) []error {
	var errs []error
	for _, c := range []struct {
		name  string
		check func(*Evaluator) []error
	}{
		{"ALB target group", checkTargetGroup},
		{"ALB gRPC target group", checkGRPCTargetGroup},
		{"ALB HTTPS listener", checkListenerCertificates},
	} {
		for _, err := range c.check(e) {
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
		}
	}
	return errs
}

// httpCodes is an ALB matcher of HTTP status codes ("200", "200-299", "200,302").
var httpCodes = regexp.MustCompile(`^[2-4][0-9]{2}(-[2-4][0-9]{2})?(,[2-4][0-9]{2}(-[2-4][0-9]{2})?)*$`)

func checkTargetGroup(e *Evaluator) []error {
	tgs, err := e.Resource("aws_lb_target_group.gateway")
	if err != nil {
		return []error{err}
	}
	tg := tgs[""]
	var errs []error
	want, _ := asString(e.Var("alb").GetAttr("target_protocol_version"))
	if got := tg.String("protocol_version"); got != want {
		errs = append(errs, fmt.Errorf("protocol_version %q, want alb.target_protocol_version %q", got, want))
	}
	if tg.String("protocol") != "HTTPS" {
		errs = append(errs, fmt.Errorf("protocol %q, want HTTPS (ALB to gateway stays encrypted)", tg.String("protocol")))
	}
	// HTTP1 and HTTP2 target groups health-check an HTTP ping path and take
	// HTTP status codes (only GRPC takes a method path and gRPC codes).
	hc := tg.Block("health_check")
	if hc == nil {
		return append(errs, fmt.Errorf("no health_check"))
	}
	if hc.String("protocol") != "HTTPS" {
		errs = append(errs, fmt.Errorf("health check protocol %q, want HTTPS: the gateway's port answers TLS only", hc.String("protocol")))
	}
	if hp, _ := asString(e.Var("health_path")); hc.String("path") != hp {
		errs = append(errs, fmt.Errorf("health check path %q, want health_path %q", hc.String("path"), hp))
	}
	if m := hc.String("matcher"); !httpCodes.MatchString(m) {
		errs = append(errs, fmt.Errorf("health check matcher %q, want HTTP status codes (200-499) for protocol version %s", m, want))
	}
	return errs
}

func checkListenerCertificates(e *Evaluator) []error {
	ls, err := e.Resource("aws_lb_listener.https")
	if err != nil {
		return []error{err}
	}
	var errs []error
	alb := e.Var("alb")
	def, _ := asString(alb.GetAttr("certificate_arn"))
	if got := ls[""].String("certificate_arn"); got != def {
		errs = append(errs, fmt.Errorf("HTTPS listener default certificate %q, want alb.certificate_arn %q", got, def))
	}
	certs, err := e.ResourcesOfType("aws_lb_listener_certificate")
	if err != nil {
		return append(errs, err)
	}
	var got []string
	for _, c := range sortedInstances(certs) {
		if c.String("listener_arn") != Placeholder(ls[""].Addr, "arn") {
			errs = append(errs, fmt.Errorf("%s is attached to %q, want the HTTPS listener", c.Addr, c.String("listener_arn")))
		}
		got = append(got, c.String("certificate_arn"))
	}
	if want := asStrings(alb.GetAttr("extra_certificate_arns")); !sameSet(got, want) {
		errs = append(errs, fmt.Errorf("listener certificates %v, want alb.extra_certificate_arns %v", got, want))
	}
	return errs
}

// checkGRPCTargetGroup: with alb.grpc_target_group, one HTTP/2 target group on the
// default one's targets and port, and an HTTPS listener rule that forwards it the
// requests whose content-type is application/grpc*; without it, neither.
func checkGRPCTargetGroup(e *Evaluator) []error {
	on := isTrue(e.Var("alb").GetAttr("grpc_target_group"))
	tgs, err := e.Resource("aws_lb_target_group.gateway_grpc")
	if err != nil {
		return []error{err}
	}
	rules, err := e.Resource("aws_lb_listener_rule.grpc")
	if err != nil {
		return []error{err}
	}
	if !on {
		if len(tgs)+len(rules) > 0 {
			return []error{fmt.Errorf("%d target groups and %d listener rules for gRPC, want none without alb.grpc_target_group", len(tgs), len(rules))}
		}
		return nil
	}
	if len(tgs) != 1 || len(rules) != 1 {
		return []error{fmt.Errorf("%d target groups and %d listener rules for gRPC, want one each with alb.grpc_target_group", len(tgs), len(rules))}
	}
	tg, rule := sortedInstances(tgs)[0], sortedInstances(rules)[0]
	var errs []error
	if got := tg.String("protocol_version"); got != "HTTP2" {
		errs = append(errs, fmt.Errorf("protocol_version %q, want HTTP2 (gRPC is HTTP/2)", got))
	}
	if tg.String("protocol") != "HTTPS" {
		errs = append(errs, fmt.Errorf("protocol %q, want HTTPS (ALB to gateway stays encrypted)", tg.String("protocol")))
	}
	if hp, _ := asString(e.Var("health_path")); tg.String("health_check.path") != hp {
		errs = append(errs, fmt.Errorf("health check path %q, want health_path %q", tg.String("health_check.path"), hp))
	}
	def, err := e.Resource("aws_lb_target_group.gateway")
	if err != nil {
		return append(errs, err)
	}
	if got, want := tg.Get("port"), def[""].Get("port"); got.Equals(want) != cty.True {
		errs = append(errs, fmt.Errorf("port %s, want the default target group's %s", valueString(got), valueString(want)))
	}
	ls, err := e.Resource("aws_lb_listener.https")
	if err != nil {
		return append(errs, err)
	}
	if got := rule.String("listener_arn"); got != Placeholder(ls[""].Addr, "arn") {
		errs = append(errs, fmt.Errorf("listener rule on %q, want the HTTPS listener", got))
	}
	if h := rule.Get("condition.http_header.http_header_name"); valueString(h) != "content-type" ||
		!slices.Contains(asStrings(rule.Get("condition.http_header.values")), "application/grpc*") {
		errs = append(errs, fmt.Errorf("listener rule condition %s %v, want content-type application/grpc*", valueString(h), asStrings(rule.Get("condition.http_header.values"))))
	}
	if got := rule.String("action.target_group_arn"); rule.String("action.type") != "forward" || got != Placeholder(tg.Addr, "arn") {
		errs = append(errs, fmt.Errorf("listener rule action %s to %q, want forward to %s", rule.String("action.type"), got, tg.Addr))
	}
	// The same targets: in nlb mode, an attachment per pinned NLB address.
	grpcAtt, err := e.Resource("aws_lb_target_group_attachment.nlb_grpc")
	if err != nil {
		return append(errs, err)
	}
	defAtt, err := e.Resource("aws_lb_target_group_attachment.nlb")
	if err != nil {
		return append(errs, err)
	}
	if len(grpcAtt) != len(defAtt) {
		errs = append(errs, fmt.Errorf("%d targets attached, want the default target group's %d", len(grpcAtt), len(defAtt)))
	}
	for _, a := range sortedInstances(grpcAtt) {
		if a.String("target_group_arn") != Placeholder(tg.Addr, "arn") {
			errs = append(errs, fmt.Errorf("%s attaches to %q, want %s", a.Addr, a.String("target_group_arn"), tg.Addr))
		}
	}
	return errs
}
