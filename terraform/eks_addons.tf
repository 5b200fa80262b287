# ---- EKS add-ons ----------------------------------------------------------------
# Before the node groups: the Pod Identity agent and the VPC CNI, whose
# permissions come through Pod Identity (service account kube-system/aws-node)
# instead of the node role. After them: kube-proxy and coredns (coredns needs
# nodes to become healthy).

resource "aws_eks_addon" "pod_identity_agent" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "eks-pod-identity-agent"
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "vpc-cni"
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"

  # The network policy agent enforces the NetworkPolicies krm-gen renders in every
  # app namespace (without it EKS stores them and enforces nothing).
  configuration_values = jsonencode({ enableNetworkPolicy = "true" })

  pod_identity_association {
    role_arn        = aws_iam_role.vpc_cni.arn
    service_account = "aws-node"
  }

  depends_on = [
    aws_eks_addon.pod_identity_agent,
    aws_iam_role_policy_attachment.vpc_cni,
  ]
}

resource "aws_eks_addon" "this" {
  for_each = toset(["kube-proxy", "coredns"])

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.value
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"

  depends_on = [aws_eks_node_group.this]
}

# State written before the split kept all four add-ons in aws_eks_addon.this.
moved {
  from = aws_eks_addon.this["vpc-cni"]
  to   = aws_eks_addon.vpc_cni
}

moved {
  from = aws_eks_addon.this["eks-pod-identity-agent"]
  to   = aws_eks_addon.pod_identity_agent
}

# The VPC CNI's role, assumable by EKS Pod Identity only.
data "aws_iam_policy_document" "pod_identity_assume_role" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "vpc_cni" {
  name               = "${local.cluster_name}-vpc-cni"
  assume_role_policy = data.aws_iam_policy_document.pod_identity_assume_role.json
}

resource "aws_iam_role_policy_attachment" "vpc_cni" {
  role       = aws_iam_role.vpc_cni.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonEKS_CNI_Policy"
}
