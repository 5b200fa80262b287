# ---- Customer-managed KMS keys ------------------------------------------------
# Two keys with one job each, both rotated yearly by KMS:
#   eks_secrets  envelope encryption of Kubernetes Secrets in etcd (EKS
#                encryption_config); the default key policy (account root,
#                so IAM policies decide) is all it needs.
#   logs         CloudWatch Logs encryption of the control-plane and VPC flow
#                log groups; CloudWatch Logs may use it only for those two.

data "aws_caller_identity" "current" {}

resource "aws_kms_key" "eks_secrets" {
  description             = "EKS secrets encryption of ${local.cluster_name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_kms_alias" "eks_secrets" {
  name          = "alias/${local.cluster_name}-eks-secrets"
  target_key_id = aws_kms_key.eks_secrets.key_id
}

resource "aws_kms_key" "logs" {
  description             = "CloudWatch Logs encryption of ${local.cluster_name} (control plane, VPC flow logs)"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.logs_key.json
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${local.cluster_name}-logs"
  target_key_id = aws_kms_key.logs.key_id
}

data "aws_iam_policy_document" "logs_key" {
  # The default key policy: the account (and so its IAM policies) administers
  # and uses the key. Without it the key could become unmanageable.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  # CloudWatch Logs, for the two log groups of this platform only.
  statement {
    sid       = "CloudWatchLogsOfThisPlatform"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [for name in local.log_group_names : "arn:${data.aws_partition.current.partition}:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:${name}"]
    }
  }
}
