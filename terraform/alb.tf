# ---- Public ALB: Internet -> ALB (ACM, optional WAF) -> gateway ---------------

resource "aws_security_group" "alb" {
  name        = "${var.platform_name}-alb"
  description = "Public ALB of ${var.platform_name}"
  vpc_id      = aws_vpc.this.id

  tags = {
    Name = "${var.platform_name}-alb"
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = toset(var.alb_ingress_cidrs)

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from ${each.value}"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  for_each = var.alb_http_redirect ? toset(var.alb_ingress_cidrs) : toset([])

  security_group_id = aws_security_group.alb.id
  description       = "HTTP (redirected to HTTPS) from ${each.value}"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

# Targets are NLB addresses (nlb mode) or gateway pod addresses
# (targetGroupBinding mode), both inside the VPC.
resource "aws_vpc_security_group_egress_rule" "alb_to_gateway" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS to the Istio gateway"
  cidr_ipv4         = var.vpc_cidr
  ip_protocol       = "tcp"
  from_port         = var.gateway.https_port
  to_port           = var.gateway.https_port
}

# targetGroupBinding mode: the ALB talks to the gateway pods directly, so the
# cluster security group (used by the managed node groups and their pods) must
# let the ALB in on the gateway's HTTPS port.
resource "aws_vpc_security_group_ingress_rule" "gateway_from_alb" {
  count = local.nlb_mode ? 0 : 1

  security_group_id            = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  description                  = "ALB to the Istio gateway pods"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = var.gateway.https_port
  to_port                      = var.gateway.https_port
}

resource "aws_lb" "this" {
  name               = "${var.platform_name}-alb"
  load_balancer_type = "application"
  internal           = false
  security_groups    = [aws_security_group.alb.id]
  subnets            = [for s in aws_subnet.public : s.id]

  drop_invalid_header_fields = true
  enable_deletion_protection = var.alb_deletion_protection

  # The ALB checks at this point that it may write to the bucket.
  access_logs {
    enabled = true
    bucket  = aws_s3_bucket.alb_logs.id
    prefix  = local.alb_logs_prefix
  }

  depends_on = [aws_s3_bucket_policy.alb_logs]
}

# The single target group of the ALB. nlb mode: Terraform registers the pinned
# NLB addresses below. targetGroupBinding mode: its name is
# load_balancer.target_group_name and the TargetGroupBinding krm-gen renders
# refers to it by that name, so the controller registers the gateway pods.
#
# alb.target_protocol_version: HTTP1 (HTTP2 only when every client speaks
# HTTP/2: the ALB answers 464 to an HTTP/1.1 request for an HTTP/2 target
# group; gRPC has its own target group below). With either, the health check is
# an HTTPS request to a ping path answered with an HTTP status code; only the
# GRPC protocol version would take a gRPC method path and gRPC codes.
# Changing it replaces the target group (see README).
resource "aws_lb_target_group" "gateway" {
  name                 = local.target_group_name
  vpc_id               = aws_vpc.this.id
  target_type          = "ip"
  protocol             = "HTTPS"
  protocol_version     = var.alb.target_protocol_version
  port                 = var.gateway.https_port
  deregistration_delay = 30

  health_check {
    enabled             = true
    protocol            = "HTTPS"
    port                = "traffic-port"
    path                = var.health_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = {
    "krm-gen/gateway" = "${var.gateway.namespace}/${var.gateway.name}"
    "krm-gen/service" = "${var.gateway.namespace}/${var.gateway.service_name}"
    "krm-gen/mode"    = var.load_balancer.mode
  }
}

# gRPC (alb.grpc_target_group): a second target group on the same targets that
# speaks HTTP/2 to the gateway, and a listener rule sending it the requests
# whose content-type is application/grpc*; everything else stays on the default
# target group, so HTTP/1.1 clients keep working.
resource "aws_lb_target_group" "gateway_grpc" {
  count = var.alb.grpc_target_group ? 1 : 0

  name                 = local.grpc_target_group_name
  vpc_id               = aws_vpc.this.id
  target_type          = "ip"
  protocol             = "HTTPS"
  protocol_version     = "HTTP2"
  port                 = var.gateway.https_port
  deregistration_delay = 30

  health_check {
    enabled             = true
    protocol            = "HTTPS"
    port                = "traffic-port"
    path                = var.health_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = {
    "krm-gen/gateway" = "${var.gateway.namespace}/${var.gateway.name}"
    "krm-gen/service" = "${var.gateway.namespace}/${var.gateway.service_name}"
    "krm-gen/mode"    = var.load_balancer.mode
  }
}

resource "aws_lb_target_group_attachment" "nlb_grpc" {
  for_each = var.alb.grpc_target_group ? local.nlb_targets : {}

  target_group_arn = aws_lb_target_group.gateway_grpc[0].arn
  target_id        = each.key
  port             = var.gateway.https_port
}

resource "aws_lb_listener_rule" "grpc" {
  count = var.alb.grpc_target_group ? 1 : 0

  listener_arn = aws_lb_listener.https.arn
  priority     = 10

  condition {
    http_header {
      http_header_name = "content-type"
      values           = ["application/grpc*"]
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.gateway_grpc[0].arn
  }
}

resource "aws_lb_target_group_attachment" "nlb" {
  for_each = local.nlb_targets

  target_group_arn = aws_lb_target_group.gateway.arn
  target_id        = each.key
  port             = var.gateway.https_port

  # The subnet exists and the address is a usable host inside it; the same
  # checks run offline in terraform/check.
  lifecycle {
    precondition {
      condition     = each.value.subnet_cidr != ""
      error_message = "load_balancer.nlb_private_ips: subnet \"${each.value.subnet}\" is not a private subnet of this platform; names are ${var.platform_name}-private-<zone letter a-n>."
    }

    precondition {
      condition = try(
        cidrhost("${each.key}/${split("/", each.value.subnet_cidr)[1]}", 0) == cidrhost(each.value.subnet_cidr, 0) &&
        !contains([for i in [0, 1, 2, 3, -1] : cidrhost(each.value.subnet_cidr, i)], each.key),
        false
      )
      error_message = "load_balancer.nlb_private_ips: ${each.key} is not a usable address of ${each.value.subnet} (${each.value.subnet_cidr}; AWS reserves the first four and the last address of a subnet)."
    }
  }
}

check "nlb_targets_pinned" {
  assert {
    condition     = !local.nlb_mode || length(var.load_balancer.nlb_private_ips) > 0
    error_message = "load_balancer.mode is nlb but no NLB private IPs are pinned: the ALB target group stays empty until the NLB's addresses are registered by hand. Pin them in the spec."
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.alb_ssl_policy
  certificate_arn   = var.alb.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.gateway.arn
  }

  lifecycle {
    precondition {
      condition     = var.alb.certificate_arn != ""
      error_message = "alb.certificate_arn is empty: the public ALB serves HTTPS only and needs an ACM certificate in ${var.region}. Set the ALB certificate ARN in the spec and re-render (it lands in alb.certificate_arn of platform.auto.tfvars.json)."
    }
  }
}

# More public certificates on the HTTPS listener: the ALB picks one by SNI
# (the gateway cannot: the ALB opens TLS to it without SNI). The listener's
# default stays alb.certificate_arn.
resource "aws_lb_listener_certificate" "extra" {
  for_each = toset(var.alb.extra_certificate_arns)

  listener_arn    = aws_lb_listener.https.arn
  certificate_arn = each.value
}

resource "aws_lb_listener" "http_redirect" {
  count = var.alb_http_redirect ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_wafv2_web_acl_association" "alb" {
  count = var.alb.waf_acl_arn != "" ? 1 : 0

  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.alb.waf_acl_arn
}
