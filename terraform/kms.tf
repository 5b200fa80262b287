# ---- Customer-managed KMS keys ------------------------------------------------
# One key per job, rotated yearly by KMS:
#   eks_secrets  envelope encryption of Kubernetes Secrets in etcd (EKS
#                encryption_config); the default key policy (account root,
#                so IAM policies decide) is all it needs.

resource "aws_kms_key" "eks_secrets" {
  description             = "EKS secrets encryption of ${local.cluster_name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_kms_alias" "eks_secrets" {
  name          = "alias/${local.cluster_name}-eks-secrets"
  target_key_id = aws_kms_key.eks_secrets.key_id
}
