# ---- Node groups: one per spec node pool ------------------------------------

data "aws_iam_policy_document" "node_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name               = "${local.cluster_name}-eks-node"
  assume_role_policy = data.aws_iam_policy_document.node_assume_role.json
}

# No AmazonEKS_CNI_Policy here: the VPC CNI gets its permissions through EKS
# Pod Identity (eks_addons.tf), so pods cannot borrow them from the node.
resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
  ])

  role       = aws_iam_role.node.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.value}"
}

# One launch template per pool: IMDSv2 only, with a hop limit of 1 so pods
# (one network hop further) cannot reach the instance metadata and the node
# role's credentials; workloads get AWS credentials through Pod Identity,
# whose agent does not use IMDS. The root volume (the pool's disk_size) is
# encrypted. No image_id: EKS keeps choosing and updating the AMI (AL2023,
# whose root device is /dev/xvda).
resource "aws_launch_template" "node" {
  for_each = var.node_pools

  name                   = "${local.cluster_name}-${each.key}"
  description            = "EKS node group ${each.key} of ${local.cluster_name}"
  update_default_version = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = each.value.disk_size
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }
}

resource "aws_eks_node_group" "this" {
  for_each = var.node_pools

  cluster_name    = aws_eks_cluster.this.name
  node_group_name = each.key
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = [for s in aws_subnet.private : s.id]

  instance_types = each.value.instance_types
  capacity_type  = each.value.capacity_type

  # Disk size, IMDS and volume encryption come from the launch template (EKS
  # rejects disk_size together with a launch template).
  launch_template {
    id      = aws_launch_template.node[each.key].id
    version = aws_launch_template.node[each.key].latest_version
  }

  # Labels and taints come from the rendered tfvars, the same source krm-gen
  # renders nodeSelectors and tolerations from (terraform/check compares them).
  labels = each.value.labels

  dynamic "taint" {
    for_each = local.node_group_taints[each.key]

    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }

  scaling_config {
    min_size     = each.value.min_size
    max_size     = each.value.max_size
    desired_size = each.value.desired_size
  }

  update_config {
    max_unavailable = 1
  }

  lifecycle {
    # Leave room for a cluster autoscaler; min and max still follow the spec.
    ignore_changes = [scaling_config[0].desired_size]
  }

  # The VPC CNI (with its Pod Identity role) and the Pod Identity agent are
  # installed before the nodes, so new nodes get pod networking without the
  # CNI policy on the node role.
  depends_on = [
    aws_iam_role_policy_attachment.node,
    aws_eks_addon.vpc_cni,
  ]
}
