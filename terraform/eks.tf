data "aws_iam_policy_document" "cluster_assume_role" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cluster" {
  name               = "${local.cluster_name}-eks-cluster"
  assume_role_policy = data.aws_iam_policy_document.cluster_assume_role.json
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_eks_cluster" "this" {
  name     = local.cluster_name
  role_arn = aws_iam_role.cluster.arn
  version  = var.kubernetes_version

  # Deleting the cluster takes turning this off first (cluster_deletion_protection).
  deletion_protection = var.cluster_deletion_protection

  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = true
  }

  # The API endpoint is private unless cluster_endpoint_public_access_cidrs
  # lists who may reach it publicly (never 0.0.0.0/0: see its validation).
  vpc_config {
    subnet_ids              = [for s in aws_subnet.private : s.id]
    endpoint_private_access = true
    endpoint_public_access  = local.cluster_public_endpoint
    public_access_cidrs     = local.cluster_public_endpoint ? var.cluster_endpoint_public_access_cidrs : null
  }

  # Kubernetes Secrets are envelope-encrypted with a customer-managed key
  # that KMS rotates (kms.tf).
  encryption_config {
    resources = ["secrets"]

    provider {
      key_arn = aws_kms_key.eks_secrets.arn
    }
  }

  # Control-plane logs go to the log group below, created first so it has
  # a retention and the logs key (EKS would create it without either).
  enabled_cluster_log_types = var.cluster_log_types

  depends_on = [
    aws_iam_role_policy_attachment.cluster,
    aws_iam_role_policy.cluster_secrets_key,
    aws_cloudwatch_log_group.cluster,
  ]
}

resource "aws_cloudwatch_log_group" "cluster" {
  name              = local.log_group_names.cluster
  retention_in_days = var.cluster_log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

# The cluster role may use the secrets key (and only that key) for the
# envelope encryption of Secrets.
data "aws_iam_policy_document" "cluster_secrets_key" {
  statement {
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"]
    resources = [aws_kms_key.eks_secrets.arn]
  }
}

resource "aws_iam_role_policy" "cluster_secrets_key" {
  name   = "eks-secrets-key"
  role   = aws_iam_role.cluster.id
  policy = data.aws_iam_policy_document.cluster_secrets_key.json
}

# The private endpoint answers on the cluster security group, which admits
# the nodes; these CIDRs (VPN, peered networks, a CI runner) may reach it too.
resource "aws_vpc_security_group_ingress_rule" "cluster_api_private" {
  for_each = toset(var.cluster_endpoint_private_access_cidrs)

  security_group_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  description       = "EKS API (private endpoint) from ${each.value}"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

# This configuration installs Helm releases, so Terraform itself must reach
# the API. With the private default that works only from a network listed in
# cluster_endpoint_private_access_cidrs (or a host in the cluster security
# group); say so at plan time instead of timing out in helm_release.
check "cluster_api_reachable_by_terraform" {
  assert {
    condition     = local.cluster_public_endpoint || length(var.cluster_endpoint_private_access_cidrs) > 0
    error_message = "The EKS API endpoint is private and no CIDR may reach it: the helm releases of this configuration only succeed when Terraform runs inside the cluster security group. Set cluster_endpoint_private_access_cidrs to the network Terraform runs from (VPN, peered VPC, CI runner), or cluster_endpoint_public_access_cidrs to its public address."
  }
}

resource "aws_eks_access_entry" "admin" {
  for_each = toset(var.cluster_admin_principal_arns)

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value
}

resource "aws_eks_access_policy_association" "admin" {
  for_each = aws_eks_access_entry.admin

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value.principal_arn
  policy_arn    = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}
