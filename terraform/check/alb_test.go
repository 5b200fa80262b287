package check

import "testing"

const (
	testCert  = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000001"
	testCert2 = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000002"
)

// albInput is an alb object with the sample certificate and extra attributes.
func albInput(extra string) string {
	return `{"certificate_arn": "` + testCert + `", "waf_acl_arn": ""` + extra + `}`
}

// TestALBDefaults: a tfvars alb object without the new attributes (every file
// krm-gen renders today) gets HTTP/1.1 and no extra certificates.
func TestALBDefaults(t *testing.T) {
	ev := sampleEvaluator(t, loadModule(t), nil)
	tg, err := ev.Resource("aws_lb_target_group.gateway")
	if err != nil {
		t.Fatal(err)
	}
	if v := tg[""].String("protocol_version"); v != "HTTP1" {
		t.Errorf("target group protocol_version %q by default, want HTTP1", v)
	}
	certs, err := ev.ResourcesOfType("aws_lb_listener_certificate")
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 0 {
		t.Errorf("%d extra listener certificates by default, want 0", len(certs))
	}
}

// TestALBInputs: alb.target_protocol_version and alb.extra_certificate_arns
// are validated and do what they say.
func TestALBInputs(t *testing.T) {
	runInputs(t, []inputCase{
		{name: "HTTP/2 to the gateway",
			set: map[string]string{"alb": albInput(`, "target_protocol_version": "HTTP2"`)},
			effect: func(t *testing.T, ev *Evaluator) {
				tg, _ := ev.Resource("aws_lb_target_group.gateway")
				if v := tg[""].String("protocol_version"); v != "HTTP2" {
					t.Errorf("protocol_version %q", v)
				}
				if hc := tg[""].Block("health_check"); hc.String("protocol") != "HTTPS" || hc.String("matcher") != "200" {
					t.Errorf("health check %v", hc.Attrs)
				}
			}},
		{name: "new attributes null (a renderer that leaves them out)",
			set: map[string]string{"alb": albInput(`, "target_protocol_version": null, "extra_certificate_arns": null`)},
			effect: func(t *testing.T, ev *Evaluator) {
				tg, _ := ev.Resource("aws_lb_target_group.gateway")
				if v := tg[""].String("protocol_version"); v != "HTTP1" {
					t.Errorf("protocol_version %q, want the default HTTP1", v)
				}
			}},
		{name: "gRPC protocol version", set: map[string]string{"alb": albInput(`, "target_protocol_version": "GRPC"`)},
			wantErr: `alb.target_protocol_version must be "HTTP1" or "HTTP2"`},
		{name: "extra certificate",
			set: map[string]string{"alb": albInput(`, "extra_certificate_arns": ["` + testCert2 + `"]`)},
			effect: func(t *testing.T, ev *Evaluator) {
				certs, _ := ev.Resource("aws_lb_listener_certificate.extra")
				if c, ok := certs[testCert2]; !ok || len(certs) != 1 || c.String("listener_arn") != "aws_lb_listener.https.arn" {
					t.Errorf("listener certificates %v", certs)
				}
			}},
		{name: "extra certificate that is not ACM", set: map[string]string{"alb": albInput(`, "extra_certificate_arns": ["arn:aws:iam::123456789012:server-certificate/x"]`)},
			wantErr: "Every alb.extra_certificate_arns entry must be an ACM certificate ARN"},
		{name: "extra certificate repeating the default", set: map[string]string{"alb": albInput(`, "extra_certificate_arns": ["` + testCert + `"]`)},
			wantErr: "must not repeat alb.certificate_arn"},
		{name: "extra certificate twice", set: map[string]string{"alb": albInput(`, "extra_certificate_arns": ["` + testCert2 + `", "` + testCert2 + `"]`)},
			wantErr: "must be unique"},
		{name: "extra certificate without a default", set: map[string]string{"alb": `{"certificate_arn": "", "extra_certificate_arns": ["` + testCert2 + `"]}`},
			wantErr: "alb.extra_certificate_arns needs alb.certificate_arn"},
	})
}

// TestALBContractRemoved breaks the target group or the listener in a copy
// of the configuration; the eks-direct sample (HTTP2, two extra
// certificates) must notice.
func TestALBContractRemoved(t *testing.T) {
	runMutations(t, []mutation{
		{"unchanged copy passes", "", "", "", ""},
		{"target group protocol version hard-coded", "alb.tf",
			"protocol_version     = var.alb.target_protocol_version", "protocol_version     = \"HTTP1\"",
			`protocol_version "HTTP1", want alb.target_protocol_version "HTTP2"`},
		{"health check over plain HTTP", "alb.tf",
			`    protocol            = "HTTPS"`, `    protocol            = "HTTP"`,
			`health check protocol "HTTP", want HTTPS`},
		{"health check with gRPC codes", "alb.tf",
			`matcher             = "200"`, `matcher             = "0-99"`,
			`health check matcher "0-99", want HTTP status codes`},
		{"health check path not the health path", "alb.tf",
			"path                = var.health_path", "path                = \"/\"",
			`health check path "/", want health_path "/healthz"`},
		{"extra certificates dropped", "alb.tf",
			"for_each = toset(var.alb.extra_certificate_arns)", "for_each = toset([])",
			"listener certificates [], want alb.extra_certificate_arns"},
		{"gRPC target group on HTTP/1.1", "alb.tf",
			`protocol_version     = "HTTP2"`, `protocol_version     = "HTTP1"`,
			`ALB gRPC target group: protocol_version "HTTP1", want HTTP2`},
		{"gRPC requests not routed to it", "alb.tf",
			`values           = ["application/grpc*"]`, `values           = ["application/json"]`,
			"want content-type application/grpc*"},
		{"gRPC rule forwarding to the default target group", "alb.tf",
			"target_group_arn = aws_lb_target_group.gateway_grpc[0].arn\n  }", "target_group_arn = aws_lb_target_group.gateway.arn\n  }",
			"want forward to aws_lb_target_group.gateway_grpc[0]"},
		{"gRPC target group without the NLB targets", "alb.tf",
			"for_each = var.alb.grpc_target_group ? local.nlb_targets : {}", "for_each = {}",
			"targets attached, want the default target group's"},
		{"gRPC target group always on", "alb.tf",
			"count = var.alb.grpc_target_group ? 1 : 0\n\n  name", "count = 1\n\n  name",
			"want none without alb.grpc_target_group"},
		{"extra certificate on another listener", "alb.tf",
			"listener_arn    = aws_lb_listener.https.arn", "listener_arn    = aws_lb_listener.http_redirect[0].arn",
			"want the HTTPS listener"},
	})
}
