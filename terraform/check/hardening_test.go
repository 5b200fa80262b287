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
			"are rejected.\"\n  type        = list(string)\n  default     = []", "are rejected.\"\n  type        = list(string)\n  default     = [\"0.0.0.0/0\"]",
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
	})
}
