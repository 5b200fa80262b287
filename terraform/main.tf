data "aws_partition" "current" {}

locals {
  cluster_name = var.platform_name

  # ---- Network layout ------------------------------------------------------
  # Subnets are keyed by their Name tag. Zone letter k (a = 0, b = 1, ...):
  #   <platform_name>-public-<letter>   cidrsubnet(vpc_cidr, 8, k)      10.0.0.0/24, 10.0.1.0/24, ...
  #   <platform_name>-private-<letter>  cidrsubnet(vpc_cidr, 4, 2 + k)  10.0.32.0/20, 10.0.48.0/20, ...
  # (values for the default 10.0.0.0/16). The public /24s all fit in the first
  # /19, the private /20s start right after it, so letters a..n never overlap.
  az_letters = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"]

  private_subnet_pattern = "^${var.platform_name}-private-([a-n])$"

  # Zones named by the pinned NLB addresses are always created, so the spec can
  # refer to any private subnet by name. Names that do not follow the pattern
  # are reported by the precondition on aws_lb_target_group_attachment.nlb.
  nlb_subnet_suffixes = [
    for ip in var.load_balancer.nlb_private_ips : regex(local.private_subnet_pattern, ip.subnet)[0]
    if can(regex(local.private_subnet_pattern, ip.subnet))
  ]

  az_suffixes = sort(distinct(concat(var.availability_zone_suffixes, local.nlb_subnet_suffixes)))

  public_subnets = {
    for s in local.az_suffixes : "${var.platform_name}-public-${s}" => {
      suffix = s
      az     = "${var.region}${s}"
      cidr   = cidrsubnet(var.vpc_cidr, 8, index(local.az_letters, s))
    }
  }

  private_subnets = {
    for s in local.az_suffixes : "${var.platform_name}-private-${s}" => {
      suffix = s
      az     = "${var.region}${s}"
      cidr   = cidrsubnet(var.vpc_cidr, 4, 2 + index(local.az_letters, s))
    }
  }

  nat_suffixes = var.single_nat_gateway ? [local.az_suffixes[0]] : local.az_suffixes

  # ---- Node pools: one source for taints -----------------------------------
  # The spec (and so the tfvars) uses the Kubernetes spelling of taint effects;
  # the EKS API wants its own enum.
  taint_effects = {
    NoSchedule       = "NO_SCHEDULE"
    NoExecute        = "NO_EXECUTE"
    PreferNoSchedule = "PREFER_NO_SCHEDULE"
  }

  node_group_taints = {
    for name, pool in var.node_pools : name => [
      for t in pool.taints : {
        key    = t.key
        value  = t.value == "" ? null : t.value
        effect = local.taint_effects[t.effect]
      }
    ]
  }

  # The controllers Terraform installs (AWS Load Balancer Controller, Argo CD)
  # run on the system pool: nodeSelector = its labels, tolerations = its
  # taints, exactly as krm-gen renders them for the Istio gateway.
  system_pool = try(var.node_pools[var.system_node_pool], null)

  controller_node_selector = local.system_pool == null ? {} : local.system_pool.labels

  controller_tolerations = local.system_pool == null ? [] : [
    for t in local.system_pool.taints : {
      key      = t.key
      operator = "Equal"
      value    = t.value
      effect   = t.effect
    }
  ]

  # ---- Load balancer --------------------------------------------------------
  nlb_mode          = var.load_balancer.mode == "nlb"
  target_group_name = var.load_balancer.target_group_name != "" ? var.load_balancer.target_group_name : "${var.platform_name}-gateway"
  # The gRPC target group's name: the default one's, cut to fit 32 characters, + "-grpc"
  # (krm-gen derives the same name for the TargetGroupBinding: model.GRPCTargetGroupName).
  grpc_target_group_name = "${trimsuffix(substr(local.target_group_name, 0, 27), "-")}-grpc"

  # Pinned NLB addresses keyed by address, with the CIDR of the subnet they
  # name ("" when no such subnet: see the preconditions in alb.tf).
  nlb_targets = local.nlb_mode ? {
    for ip in var.load_balancer.nlb_private_ips : ip.address => {
      subnet      = ip.subnet
      subnet_cidr = try(local.private_subnets[ip.subnet].cidr, "")
    }
  } : {}

  # ---- Hardening --------------------------------------------------------------
  # The public API endpoint exists only when someone is allowed to use it.
  cluster_public_endpoint = length(var.cluster_endpoint_public_access_cidrs) > 0

  # CloudWatch log groups of the platform (each with a retention and the logs
  # KMS key, which CloudWatch Logs may use for exactly these).
  log_group_names = {
    cluster   = "/aws/eks/${local.cluster_name}/cluster"
    flow_logs = "/aws/vpc-flow-logs/${var.platform_name}"
  }

  # ALB access logs: a bucket per platform, account and region (S3 names are
  # global), and the key prefix the ALB writes under.
  alb_logs_bucket = "${var.platform_name}-alb-logs-${data.aws_caller_identity.current.account_id}-${var.region}"
  alb_logs_prefix = "alb"

  # ---- Argo CD --------------------------------------------------------------
  repo_root     = var.repo_root != "" ? var.repo_root : abspath("${path.module}/..")
  root_app_file = "${local.repo_root}/${var.git.root_app_path}"

  # Argo CD >= 1.8 no longer assesses the health of Application resources, so in
  # an app of apps a sync wave would not wait for its child Applications. This
  # restores the check (Argo CD docs, "Sync Waves and Phases" / app of apps).
  argocd_application_health_lua = <<-LUA
    hs = {}
    hs.status = "Progressing"
    hs.message = ""
    if obj.status ~= nil then
      if obj.status.health ~= nil then
        hs.status = obj.status.health.status
        if obj.status.health.message ~= nil then
          hs.message = obj.status.health.message
        end
      end
    end
    return hs
  LUA
}
