package check

import "testing"

func TestSplitPlaceholder(t *testing.T) {
	for _, c := range []struct{ ref, addr, attr string }{
		{"aws_kms_key.logs.arn", "aws_kms_key.logs", "arn"},
		{"aws_kms_key.logs", "aws_kms_key.logs", ""},
		{`aws_launch_template.node["system"].latest_version`, `aws_launch_template.node["system"]`, "latest_version"},
		{`aws_subnet.private["a.b"].id`, `aws_subnet.private["a.b"]`, "id"},
		{"aws_lb_listener.http_redirect[0].arn", "aws_lb_listener.http_redirect[0]", "arn"},
		{"data.aws_iam_policy_document.node_assume_role.json", "data.aws_iam_policy_document.node_assume_role", "json"},
		{"aws_eks_cluster.this.vpc_config[0].cluster_security_group_id", "aws_eks_cluster.this", "vpc_config[0].cluster_security_group_id"},
		{"arn:aws:iam::aws:policy/X", "arn:aws:iam::aws:policy/X", ""},
	} {
		addr, attr := splitPlaceholder(c.ref)
		if addr != c.addr || attr != c.attr {
			t.Errorf("splitPlaceholder(%q) = %q, %q; want %q, %q", c.ref, addr, attr, c.addr, c.attr)
		}
	}
}

// TestResourceEvaluation evaluates node groups of the nlb sample: for_each
// keys, variables and locals evaluate to their values, references to other
// objects to placeholders naming them, dynamic blocks expand, depends_on is
// kept as written.
func TestResourceEvaluation(t *testing.T) {
	ev := sampleEvaluator(t, loadModule(t), nil)
	groups, err := ev.Resource("aws_eks_node_group.this")
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 {
		t.Fatalf("want the system and user node groups, got %v", sortedKeys(groups))
	}
	sys := groups["system"]
	if sys.Addr != `aws_eks_node_group.this["system"]` {
		t.Errorf("address %s", sys.Addr)
	}
	if got := sys.String("node_group_name"); got != "system" {
		t.Errorf("node_group_name %q (each.key)", got)
	}
	if got := sys.String("node_role_arn"); got != "aws_iam_role.node.arn" {
		t.Errorf("node_role_arn %q, want the placeholder of aws_iam_role.node.arn", got)
	}
	if got := sys.String("cluster_name"); got != "aws_eks_cluster.this.name" {
		t.Errorf("cluster_name %q", got)
	}
	// for s in aws_subnet.private: one placeholder per private subnet.
	if got := sys.Strings("subnet_ids"); !sameSet(got, []string{`aws_subnet.private["mtkc-private-a"].id`, `aws_subnet.private["mtkc-private-b"].id`}) {
		t.Errorf("subnet_ids %v", got)
	}
	if max, _ := sys.Number("scaling_config.max_size"); max != 3 {
		t.Errorf("scaling_config.max_size %v", max)
	}
	taints := sys.All("taint")
	if len(taints) != 1 || taints[0].String("effect") != "NO_SCHEDULE" || taints[0].String("key") != "CriticalAddonsOnly" {
		t.Errorf("dynamic taint blocks %+v", taints)
	}
	if len(groups["user"].All("taint")) != 0 {
		t.Error("user pool has taint blocks")
	}
	if len(sys.DependsOn) == 0 || sys.DependsOn[0] != "aws_iam_role_policy_attachment.node" {
		t.Errorf("depends_on %v", sys.DependsOn)
	}
	// A data source, and count.
	doc, err := ev.DataSource("aws_iam_policy_document.node_assume_role")
	if err != nil {
		t.Fatal(err)
	}
	if got := doc[""].Block("statement").Block("principals").Strings("identifiers"); len(got) != 1 || got[0] != "ec2.amazonaws.com" {
		t.Errorf("principals %v", got)
	}
	redirect, err := ev.Resource("aws_lb_listener.http_redirect")
	if err != nil {
		t.Fatal(err)
	}
	if in, ok := redirect["0"]; !ok || len(redirect) != 1 || in.Addr != "aws_lb_listener.http_redirect[0]" {
		t.Errorf("count instances %v", redirect)
	}
}
