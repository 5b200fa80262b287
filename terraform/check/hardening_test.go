package check

import "testing"

// TestSecureDefaults: every hardening variable keeps its secure default, so a
// tfvars file that sets none of them (every file krm-gen renders today) gets
// every item in force.
func TestSecureDefaults(t *testing.T) {
	for _, err := range CheckSecureDefaults(loadModule(t)) {
		t.Error(err)
	}
}

// TestDefaultsInForce evaluates the configuration with the nlb sample, which
// sets no hardening variable, and looks at the resulting resources directly.
func TestDefaultsInForce(t *testing.T) {
	m := loadModule(t)
	ev := sampleEvaluator(t, m, nil)
	c, err := cluster(ev)
	if err != nil {
		t.Fatal(err)
	}
	if pub, _ := c.Bool("vpc_config.endpoint_public_access"); pub {
		t.Error("the EKS API endpoint is public by default")
	}
	if dp, _ := c.Bool("deletion_protection"); !dp {
		t.Error("the cluster has no deletion protection by default")
	}
	alb, err := ev.Resource("aws_lb.this")
	if err != nil {
		t.Fatal(err)
	}
	if dp, _ := alb[""].Bool("enable_deletion_protection"); !dp {
		t.Error("the ALB has no deletion protection by default")
	}
}

// TestRelaxations: each relaxation is an explicit input, validated, and does
// exactly what it says.
func TestRelaxations(t *testing.T) {
	runInputs(t, []inputCase{
		{name: "public endpoint for listed CIDRs",
			set: map[string]string{"cluster_endpoint_public_access_cidrs": `["203.0.113.0/24", "198.51.100.7/32"]`},
			effect: func(t *testing.T, ev *Evaluator) {
				c, _ := cluster(ev)
				if pub, _ := c.Bool("vpc_config.endpoint_public_access"); !pub {
					t.Error("public endpoint stays off")
				}
				if got := c.Strings("vpc_config.public_access_cidrs"); !sameSet(got, []string{"203.0.113.0/24", "198.51.100.7/32"}) {
					t.Errorf("public_access_cidrs %v", got)
				}
			}},
		{name: "public endpoint for everyone", set: map[string]string{"cluster_endpoint_public_access_cidrs": `["0.0.0.0/0"]`},
			wantErr: "never 0.0.0.0/0"},
		{name: "public endpoint CIDR without prefix", set: map[string]string{"cluster_endpoint_public_access_cidrs": `["203.0.113.7"]`},
			wantErr: "cluster_endpoint_public_access_cidrs must be IPv4 CIDRs"},
		{name: "private endpoint for a VPN",
			set: map[string]string{"cluster_endpoint_private_access_cidrs": `["10.100.0.0/16"]`},
			effect: func(t *testing.T, ev *Evaluator) {
				rules, err := ev.Resource("aws_vpc_security_group_ingress_rule.cluster_api_private")
				if err != nil {
					t.Fatal(err)
				}
				r, ok := rules["10.100.0.0/16"]
				if !ok || len(rules) != 1 {
					t.Fatalf("rules %v", rules)
				}
				if p, _ := r.Number("from_port"); p != 443 {
					t.Errorf("from_port %v", p)
				}
			}},
		{name: "private endpoint for everyone", set: map[string]string{"cluster_endpoint_private_access_cidrs": `["0.0.0.0/0"]`},
			wantErr: "never 0.0.0.0/0"},
		{name: "fewer control-plane logs", set: map[string]string{"cluster_log_types": `["api", "audit", "authenticator"]`},
			effect: func(t *testing.T, ev *Evaluator) {
				c, _ := cluster(ev)
				if got := c.Strings("enabled_cluster_log_types"); len(got) != 3 {
					t.Errorf("log types %v", got)
				}
			}},
		{name: "no audit log", set: map[string]string{"cluster_log_types": `["api", "authenticator"]`},
			wantErr: "must include api, audit and authenticator"},
		{name: "unknown log type", set: map[string]string{"cluster_log_types": `["api", "audit", "authenticator", "kubelet"]`},
			wantErr: "cluster_log_types entries must be"},
		{name: "retention CloudWatch does not offer", set: map[string]string{"cluster_log_retention_days": `10`},
			wantErr: "must be a CloudWatch Logs retention value"},
		{name: "flow-log retention of zero (never expire)", set: map[string]string{"vpc_flow_log_retention_days": `0`},
			wantErr: "must be a CloudWatch Logs retention value"},
		{name: "access-log retention of half a day", set: map[string]string{"alb_access_log_retention_days": `0.5`},
			wantErr: "whole number of days"},
		{name: "null means the secure default (nullable = false)",
			set: map[string]string{"cluster_deletion_protection": `null`, "cluster_endpoint_public_access_cidrs": `null`, "cluster_log_types": `null`},
			effect: func(t *testing.T, ev *Evaluator) {
				c, _ := cluster(ev)
				if dp, _ := c.Bool("deletion_protection"); !dp {
					t.Error("null turned deletion protection off")
				}
				if pub, _ := c.Bool("vpc_config.endpoint_public_access"); pub {
					t.Error("null turned the public endpoint on")
				}
				if got := c.Strings("enabled_cluster_log_types"); len(got) != 5 {
					t.Errorf("log types %v", got)
				}
			}},
		{name: "no deletion protection",
			set: map[string]string{"cluster_deletion_protection": `false`, "alb_deletion_protection": `false`},
			effect: func(t *testing.T, ev *Evaluator) {
				c, _ := cluster(ev)
				if dp, _ := c.Bool("deletion_protection"); dp {
					t.Error("cluster deletion protection stays on")
				}
			}},
	})
}

// TestHardeningRemoved takes each hardening item out of a copy of the
// configuration and wants the checks to notice.
func TestHardeningRemoved(t *testing.T) {
	runMutations(t, []mutation{
		{"unchanged copy passes", "", "", "", ""},
		{"public endpoint always on", "eks.tf",
			"endpoint_public_access  = local.cluster_public_endpoint", "endpoint_public_access  = true",
			"public access is on although cluster_endpoint_public_access_cidrs is empty"},
		{"public endpoint open by default", "variables.tf",
			"are rejected.\"\n  type        = list(string)\n  default     = []\n", "are rejected.\"\n  type        = list(string)\n  default     = [\"0.0.0.0/0\"]\n",
			"never 0.0.0.0/0"},
		{"public endpoint CIDRs ignored", "eks.tf",
			"public_access_cidrs     = local.cluster_public_endpoint ? var.cluster_endpoint_public_access_cidrs : null", "public_access_cidrs     = [\"0.0.0.0/0\"]",
			"want exactly cluster_endpoint_public_access_cidrs"}, // seen with the relaxed input below
		{"no secrets encryption", "eks.tf",
			"  encryption_config {\n", "  unused_config {\n",
			"has no encryption_config for \"secrets\""},
		{"secrets key not rotated", "kms.tf",
			"description             = \"EKS secrets encryption of ${local.cluster_name}\"\n  enable_key_rotation     = true", "description             = \"EKS secrets encryption of ${local.cluster_name}\"\n  enable_key_rotation     = false",
			"aws_kms_key.eks_secrets must have enable_key_rotation = true"},
		{"secrets with an AWS-managed key", "eks.tf",
			"key_arn = aws_kms_key.eks_secrets.arn", "key_arn = \"arn:aws:kms:eu-west-1:123456789012:alias/aws/eks\"",
			"want a customer-managed aws_kms_key"},
		{"audit log dropped", "eks.tf",
			"enabled_cluster_log_types = var.cluster_log_types", "enabled_cluster_log_types = [\"api\", \"authenticator\"]",
			"lacks \"audit\""},
		{"audit log dropped from the default", "variables.tf",
			"default     = [\"api\", \"audit\", \"authenticator\", \"controllerManager\", \"scheduler\"]", "default     = [\"api\", \"authenticator\"]",
			"must include api, audit and authenticator"},
		{"control-plane log group without retention", "eks.tf",
			"retention_in_days = var.cluster_log_retention_days\n", "",
			"aws_cloudwatch_log_group.cluster has no retention_in_days"},
		{"control-plane log group created by EKS", "eks.tf",
			"    aws_cloudwatch_log_group.cluster,\n  ]", "  ]",
			"aws_eks_cluster.this must depend on aws_cloudwatch_log_group.cluster"},
		{"IMDSv1 allowed", "nodes.tf",
			`http_tokens                 = "required"`, `http_tokens                 = "optional"`,
			`metadata_options.http_tokens = "optional", want "required"`},
		{"IMDS hop limit 2", "nodes.tf",
			"http_put_response_hop_limit = 1", "http_put_response_hop_limit = 2",
			"want hop limit 1"},
		{"unencrypted root volume", "nodes.tf",
			"encrypted             = true", "encrypted             = false",
			"block device /dev/xvda is not encrypted"},
		{"node group without the launch template", "nodes.tf",
			"id      = aws_launch_template.node[each.key].id", "id      = \"lt-0123456789abcdef0\"",
			"has no launch template of this configuration"},
		{"disk size back on the node group", "nodes.tf",
			"  capacity_type  = each.value.capacity_type\n", "  capacity_type  = each.value.capacity_type\n  disk_size      = each.value.disk_size\n",
			"sets disk_size"},
		{"CNI policy back on the node role", "nodes.tf",
			"    \"AmazonEKSWorkerNodePolicy\",\n", "    \"AmazonEKSWorkerNodePolicy\",\n    \"AmazonEKS_CNI_Policy\",\n",
			"has AmazonEKS_CNI_Policy"},
		{"VPC CNI without the network policy agent", "eks_addons.tf",
			`enableNetworkPolicy = "true"`, `enableNetworkPolicy = "false"`,
			"must set enableNetworkPolicy"},
		{"VPC CNI without the network policy agent", "eks_addons.tf",
			"  configuration_values = jsonencode({ enableNetworkPolicy = \"true\" })\n", "",
			"must set enableNetworkPolicy"},
		{"VPC CNI without Pod Identity", "eks_addons.tf",
			"    service_account = \"aws-node\"", "    service_account = \"other\"",
			"has no Pod Identity association for kube-system/aws-node"},
		{"VPC CNI role without the CNI policy", "eks_addons.tf",
			"policy/AmazonEKS_CNI_Policy\"", "policy/ReadOnlyAccess\"",
			"lacks AmazonEKS_CNI_Policy"},
		{"VPC CNI role not for Pod Identity", "eks_addons.tf",
			"identifiers = [\"pods.eks.amazonaws.com\"]", "identifiers = [\"ec2.amazonaws.com\"]",
			"is not assumable by EKS Pod Identity"},
		{"nodes before the CNI", "nodes.tf",
			"    aws_eks_addon.vpc_cni,\n", "",
			"must depend on aws_eks_addon.vpc_cni"},
		{"no flow logs", "flow_logs.tf",
			"vpc_id                   = aws_vpc.this.id", "vpc_id                   = \"vpc-0123456789abcdef0\"",
			"aws_vpc.this has no aws_flow_log"},
		{"rejected traffic only", "flow_logs.tf",
			`traffic_type             = "ALL"`, `traffic_type             = "REJECT"`,
			`traffic_type "REJECT", want ALL`},
		{"flow logs without retention", "flow_logs.tf",
			"retention_in_days = var.vpc_flow_log_retention_days\n", "",
			"aws_cloudwatch_log_group.flow_logs has no retention_in_days"},
		{"log group with an unrotated key", "kms.tf",
			"(control plane, VPC flow logs)\"\n  enable_key_rotation     = true", "(control plane, VPC flow logs)\"\n  enable_key_rotation     = false",
			"aws_kms_key.logs must have enable_key_rotation = true"},
		{"default security group not managed", "vpc.tf",
			`resource "aws_default_security_group" "this"`, `resource "aws_security_group" "unused"`,
			"its default security group is not managed"},
		{"default security group open", "vpc.tf",
			"  vpc_id = aws_vpc.this.id\n\n  tags = {\n    Name = \"${var.platform_name}-default-closed\"",
			"  vpc_id = aws_vpc.this.id\n\n  ingress {\n    protocol  = -1\n    self      = true\n    from_port = 0\n    to_port   = 0\n  }\n\n  tags = {\n    Name = \"${var.platform_name}-default-closed\"",
			"has ingress rules"},
		{"cluster deletion protection off", "eks.tf",
			"deletion_protection = var.cluster_deletion_protection", "deletion_protection = true",
			"want cluster_deletion_protection (false)"}, // the dev sample turns it off
		{"cluster deletion protection off by default", "variables.tf",
			"(apply with false before terraform destroy).\"\n  type        = bool\n  default     = true\n  nullable    = false\n}\n\nvariable \"cluster_log_types\"",
			"(apply with false before terraform destroy).\"\n  type        = bool\n  default     = false\n  nullable    = false\n}\n\nvariable \"cluster_log_types\"",
			`variable "cluster_deletion_protection" defaults to false`},
		{"ALB deletion protection off by default", "variables.tf",
			"(apply with false before terraform destroy).\"\n  type        = bool\n  default     = true\n  nullable    = false\n}\n\nvariable \"alb_access_log_retention_days\"",
			"(apply with false before terraform destroy).\"\n  type        = bool\n  default     = false\n  nullable    = false\n}\n\nvariable \"alb_access_log_retention_days\"",
			`variable "alb_deletion_protection" defaults to false`},
		{"ALB deletion protection hard-coded off", "alb.tf",
			"enable_deletion_protection = var.alb_deletion_protection", "enable_deletion_protection = false",
			"want alb_deletion_protection (true)"},
		{"ALB access logs off", "alb.tf",
			"    enabled = true\n    bucket  = aws_s3_bucket.alb_logs.id", "    enabled = false\n    bucket  = aws_s3_bucket.alb_logs.id",
			"access_logs.enabled must be true"},
		{"access-log bucket unencrypted", "alb_logs.tf",
			"\"alb_logs\" {\n  bucket = aws_s3_bucket.alb_logs.id\n\n  rule {\n    apply_server_side_encryption_by_default", "\"alb_logs\" {\n  bucket = \"another-bucket\"\n\n  rule {\n    apply_server_side_encryption_by_default",
			"not encrypted: no aws_s3_bucket_server_side_encryption_configuration for aws_s3_bucket.alb_logs"},
		{"access-log bucket with a KMS key ELB cannot use", "alb_logs.tf",
			`sse_algorithm = "AES256"`, `sse_algorithm = "aws:kms"`,
			`sse_algorithm "aws:kms", want AES256`},
		{"access logs never expire", "alb_logs.tf",
			"    expiration {\n      days = var.alb_access_log_retention_days\n    }\n", "",
			"has no enabled rule that expires the access logs"},
		{"access-log bucket public policy allowed", "alb_logs.tf",
			"block_public_policy     = true", "block_public_policy     = false",
			"block_public_policy must be true"},
	})
}
