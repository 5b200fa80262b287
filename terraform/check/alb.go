package check

// The ALB's target group and HTTPS listener as the tfvars ask: protocol
// version to the gateway, its health check, and the listener certificates.

import (
	"fmt"
	"regexp"
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
