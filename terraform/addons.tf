# ---- Layer 2: controllers installed by Terraform ----------------------------

resource "helm_release" "aws_load_balancer_controller" {
  name       = "aws-load-balancer-controller"
  repository = "https://aws.github.io/eks-charts"
  chart      = "aws-load-balancer-controller"
  version    = var.lb_controller_chart_version
  namespace  = "kube-system"

  values = [yamlencode({
    clusterName = aws_eks_cluster.this.name
    region      = var.region
    # Set explicitly: with Pod Identity and IMDSv2 (hop limit 1) the controller
    # cannot discover the VPC from instance metadata.
    vpcId        = aws_vpc.this.id
    replicaCount = 2
    serviceAccount = {
      create = true
      name   = "aws-load-balancer-controller"
    }
    nodeSelector = local.controller_node_selector
    tolerations  = local.controller_tolerations
  })]

  lifecycle {
    precondition {
      condition     = local.system_pool != null
      error_message = "system_node_pool \"${var.system_node_pool}\" is not a key of node_pools (${join(", ", keys(var.node_pools))})."
    }
  }

  depends_on = [
    module.lb_controller_pod_identity,
    aws_eks_addon.this,
    aws_eks_node_group.this,
  ]
}

resource "helm_release" "argocd" {
  name             = "argocd"
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = var.argocd_chart_version
  namespace        = var.argocd_namespace
  create_namespace = true

  values = concat([yamlencode({
    global = {
      nodeSelector = local.controller_node_selector
      tolerations  = local.controller_tolerations
    }
    configs = {
      cm = {
        "resource.customizations.health.argoproj.io_Application" = local.argocd_application_health_lua
      }
    }
  })], var.argocd_extra_values)

  # The gateway Service that Argo CD syncs later must be handled by the AWS
  # Load Balancer Controller (its webhook), so the controller goes first.
  depends_on = [helm_release.aws_load_balancer_controller]
}

# The root Application exactly as krm-gen rendered it
# (out/<blueprint>[/<env>]/bootstrap/root-app.yaml), applied through a
# two-file local chart so Helm creates it only after the argo-cd release has
# installed the Application CRD, updates it when the rendered file changes
# and deletes it on destroy. No re-typing of the manifest in HCL.
resource "helm_release" "root_app" {
  name      = "${var.platform_name}-root"
  chart     = "${path.module}/charts/root-app"
  namespace = var.argocd_namespace

  values = [yamlencode({
    # Guarded so a missing file reaches the precondition's message below.
    manifest = fileexists(local.root_app_file) ? file(local.root_app_file) : ""
  })]

  lifecycle {
    precondition {
      condition     = fileexists(local.root_app_file)
      error_message = "git.root_app_path: ${local.root_app_file} does not exist. Render the blueprint first (krm-gen) or set repo_root to the checkout that contains it."
    }

    precondition {
      condition     = try(strcontains(file(local.root_app_file), var.git.repo_url), false)
      error_message = "${local.root_app_file} does not point at git.repo_url (${var.git.repo_url}); re-render the blueprint."
    }
  }

  depends_on = [helm_release.argocd]
}
