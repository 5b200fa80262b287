# ---------------------------------------------------------------------------
# The input contract. krm-gen renders these variables into
# out/<blueprint>[/<env>]/terraform/platform.auto.tfvars.json; pass that file
# with -var-file. The types below are what terraform/check verifies every
# rendered file against.
# ---------------------------------------------------------------------------

variable "platform_name" {
  description = "Name of the platform (spec metadata.name). Prefix of every AWS name: the EKS cluster, the subnets (<platform_name>-private-<az-suffix>), the ALB and the default target group."
  type        = string

  validation {
    # The ALB target group name "<platform_name>-gateway" must stay <= 32 characters.
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.platform_name))
    error_message = "platform_name must be 2-24 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "git" {
  description = "Where Argo CD reads the rendered tree: repository URL, revision and the path (relative to the repository root) of the rendered root Application."
  type = object({
    repo_url      = string
    revision      = string
    root_app_path = string
  })
}

variable "node_pools" {
  description = "Node pools of the spec, one EKS managed node group each. Labels and taints are applied to the nodes; taint effects use the Kubernetes spelling (NoSchedule, NoExecute, PreferNoSchedule)."
  type = map(object({
    labels = optional(map(string), {})
    taints = optional(list(object({
      key    = string
      value  = optional(string, "")
      effect = string
    })), [])
    instance_types = optional(list(string), ["m6i.large"])
    capacity_type  = optional(string, "ON_DEMAND")
    disk_size      = optional(number, 50)
    min_size       = optional(number, 2)
    max_size       = optional(number, 3)
    desired_size   = optional(number, 2)
  }))

  validation {
    condition     = length(var.node_pools) > 0
    error_message = "node_pools must contain at least one pool."
  }

  validation {
    condition = alltrue(flatten([
      for pool in values(var.node_pools) : [
        for t in pool.taints : contains(["NoSchedule", "NoExecute", "PreferNoSchedule"], t.effect)
      ]
    ]))
    error_message = "Every taint effect must be one of NoSchedule, NoExecute, PreferNoSchedule (Kubernetes spelling; Terraform maps it to EKS's NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE)."
  }

  validation {
    condition = alltrue([
      for pool in values(var.node_pools) : pool.min_size <= pool.desired_size && pool.desired_size <= pool.max_size && pool.max_size >= 1
    ])
    error_message = "Every node pool needs min_size <= desired_size <= max_size and max_size >= 1."
  }

  validation {
    condition     = alltrue([for name in keys(var.node_pools) : can(regex("^[a-z0-9][a-z0-9-]{0,39}$", name))])
    error_message = "Node pool names must be lower-case DNS labels of at most 40 characters (they become EKS node group names)."
  }
}

variable "health_path" {
  description = "HTTP path the ALB target group health check requests (over HTTPS) from the Istio gateway; krm-gen routes it to the health responder."
  type        = string

  validation {
    condition     = startswith(var.health_path, "/") && length(var.health_path) <= 1024
    error_message = "health_path must start with '/' and be at most 1024 characters."
  }
}

variable "gateway" {
  description = "The Istio gateway krm-gen renders: Gateway name and namespace, the name of the Service istiod generates for it, and its listener ports (http_port is null when the Gateway has no HTTP listener)."
  type = object({
    name         = string
    namespace    = string
    service_name = string
    http_port    = optional(number)
    https_port   = number
  })

  validation {
    condition     = var.gateway.https_port >= 1 && var.gateway.https_port <= 65535
    error_message = "gateway.https_port must be a TCP port (1-65535)."
  }
}

variable "load_balancer" {
  description = "How the ALB reaches the gateway. mode \"nlb\": the gateway Service is an internal NLB whose private IPs are pinned per subnet (nlb_private_ips) and registered here in the ALB target group. mode \"targetGroupBinding\": the gateway Service is ClusterIP and a TargetGroupBinding binds the target group named target_group_name (created here) to the gateway pods."
  type = object({
    mode = string
    nlb_private_ips = optional(list(object({
      subnet  = string
      address = string
    })), [])
    target_group_name = optional(string, "")
  })

  validation {
    condition     = contains(["nlb", "targetGroupBinding"], var.load_balancer.mode)
    error_message = "load_balancer.mode must be \"nlb\" or \"targetGroupBinding\"."
  }

  validation {
    condition     = var.load_balancer.mode != "targetGroupBinding" || (var.load_balancer.target_group_name != "" && length(var.load_balancer.nlb_private_ips) == 0)
    error_message = "load_balancer.mode \"targetGroupBinding\" needs target_group_name and no nlb_private_ips."
  }

  validation {
    condition     = var.load_balancer.target_group_name == "" || can(regex("^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$", var.load_balancer.target_group_name))
    error_message = "load_balancer.target_group_name must be 1-32 letters, digits and '-', not starting or ending with '-'."
  }

  validation {
    condition     = alltrue([for ip in var.load_balancer.nlb_private_ips : can(cidrhost("${ip.address}/32", 0)) && !strcontains(ip.address, ":")])
    error_message = "Every load_balancer.nlb_private_ips[*].address must be an IPv4 address."
  }

  validation {
    condition = (
      length(distinct([for ip in var.load_balancer.nlb_private_ips : ip.subnet])) == length(var.load_balancer.nlb_private_ips) &&
      length(distinct([for ip in var.load_balancer.nlb_private_ips : ip.address])) == length(var.load_balancer.nlb_private_ips)
    )
    error_message = "load_balancer.nlb_private_ips must pin one unique address per subnet."
  }
}

variable "alb" {
  description = "Public ALB settings: the ACM certificate ARN that is the HTTPS listener's default (required at plan time, see README), extra ACM certificates for more hostnames (SNI at the ALB, one aws_lb_listener_certificate each), an optional WAFv2 web ACL ARN (empty: no WAF association), the protocol version the default target group speaks to the gateway (HTTP1; HTTP2 only when every client speaks HTTP/2: the ALB answers 464 to an HTTP/1.1 request for an HTTP/2 target group), and grpc_target_group: a second, HTTP/2 target group on the same targets for requests whose content-type is application/grpc* (krm-gen sets it when the platform has gRPC routes)."
  type = object({
    certificate_arn         = optional(string, "")
    waf_acl_arn             = optional(string, "")
    extra_certificate_arns  = optional(list(string), [])
    target_protocol_version = optional(string, "HTTP1")
    grpc_target_group       = optional(bool, false)
  })

  validation {
    condition     = var.alb.certificate_arn == "" || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.alb.certificate_arn))
    error_message = "alb.certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }

  validation {
    condition     = var.alb.waf_acl_arn == "" || can(regex("^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/.+$", var.alb.waf_acl_arn))
    error_message = "alb.waf_acl_arn must be a regional WAFv2 web ACL ARN (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>)."
  }

  validation {
    condition     = alltrue([for arn in var.alb.extra_certificate_arns : can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", arn))])
    error_message = "Every alb.extra_certificate_arns entry must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }

  validation {
    condition = (
      length(distinct(var.alb.extra_certificate_arns)) == length(var.alb.extra_certificate_arns) &&
      !contains(var.alb.extra_certificate_arns, var.alb.certificate_arn)
    )
    error_message = "alb.extra_certificate_arns must be unique and must not repeat alb.certificate_arn (the listener's default certificate)."
  }

  validation {
    condition     = length(var.alb.extra_certificate_arns) == 0 || var.alb.certificate_arn != ""
    error_message = "alb.extra_certificate_arns needs alb.certificate_arn: the listener's default certificate is the one clients without SNI (and unmatched hostnames) get."
  }

  validation {
    condition     = contains(["HTTP1", "HTTP2"], var.alb.target_protocol_version)
    error_message = "alb.target_protocol_version must be \"HTTP1\" or \"HTTP2\" (HTTP2 only when every client speaks HTTP/2; gRPC goes to its own target group: alb.grpc_target_group)."
  }
}

# ---------------------------------------------------------------------------
# Everything below is not in the rendered file and has a default.
# ---------------------------------------------------------------------------

variable "region" {
  description = "AWS region of the platform."
  type        = string
  default     = "eu-west-1"
}

variable "availability_zone_suffixes" {
  description = "Availability zones to spread the subnets over, as the letter after the region name (\"a\" -> <region>a). The suffixes of subnets named in load_balancer.nlb_private_ips are added automatically."
  type        = list(string)
  default     = ["a", "b"]

  validation {
    condition     = length(var.availability_zone_suffixes) >= 2 && alltrue([for s in var.availability_zone_suffixes : can(regex("^[a-n]$", s))])
    error_message = "availability_zone_suffixes needs at least two letters between a and n."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC, /16 to /18. Public subnet of zone letter k (a=0): cidrsubnet(vpc_cidr, 8, k); private subnet: cidrsubnet(vpc_cidr, 4, 2 + k)."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && !strcontains(var.vpc_cidr, ":") && tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 18
    error_message = "vpc_cidr must be an IPv4 CIDR with a prefix length between 16 and 18."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all private subnets (cheaper) instead of one per availability zone (zone-redundant egress)."
  type        = bool
  default     = true
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.35"
}

variable "cluster_endpoint_public_access_cidrs" {
  description = "IPv4 CIDRs allowed to reach a public EKS API endpoint. Empty (the default): the endpoint is private only, reachable from inside the VPC (nodes, and cluster_endpoint_private_access_cidrs). Set it to the address of whoever runs Terraform (the Helm provider talks to the API) to enable the public endpoint for just those CIDRs; 0.0.0.0/0 and other /0 ranges are rejected."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition = alltrue([
      for c in var.cluster_endpoint_public_access_cidrs :
      can(regex("^([0-9]{1,3}\\.){3}[0-9]{1,3}/([1-9]|[12][0-9]|3[0-2])$", c)) && can(cidrhost(c, 0))
    ])
    error_message = "cluster_endpoint_public_access_cidrs must be IPv4 CIDRs with a prefix length of 1 to 32: list the networks that may reach the API, never 0.0.0.0/0."
  }
}

variable "cluster_endpoint_private_access_cidrs" {
  description = "IPv4 CIDRs (inside the VPC or reachable through peering, VPN or a transit gateway) allowed to reach the private EKS API endpoint on 443, in addition to the cluster security group (the nodes). Default: none."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition = alltrue([
      for c in var.cluster_endpoint_private_access_cidrs :
      can(regex("^([0-9]{1,3}\\.){3}[0-9]{1,3}/([1-9]|[12][0-9]|3[0-2])$", c)) && can(cidrhost(c, 0))
    ])
    error_message = "cluster_endpoint_private_access_cidrs must be IPv4 CIDRs with a prefix length of 1 to 32, never 0.0.0.0/0."
  }
}

variable "cluster_deletion_protection" {
  description = "EKS deletion protection: the cluster cannot be deleted until this is turned off (apply with false before terraform destroy)."
  type        = bool
  default     = true
  nullable    = false
}

variable "cluster_log_types" {
  description = "EKS control-plane log types sent to CloudWatch Logs (/aws/eks/<cluster>/cluster). api, audit and authenticator are required; controllerManager and scheduler may be dropped to save cost."
  type        = list(string)
  default     = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  nullable    = false

  validation {
    condition     = alltrue([for t in var.cluster_log_types : contains(["api", "audit", "authenticator", "controllerManager", "scheduler"], t)])
    error_message = "cluster_log_types entries must be api, audit, authenticator, controllerManager or scheduler."
  }

  validation {
    condition     = alltrue([for t in ["api", "audit", "authenticator"] : contains(var.cluster_log_types, t)])
    error_message = "cluster_log_types must include api, audit and authenticator."
  }
}

variable "cluster_log_retention_days" {
  description = "Retention of the EKS control-plane log group, in days (a CloudWatch Logs retention value)."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.cluster_log_retention_days)
    error_message = "cluster_log_retention_days must be a CloudWatch Logs retention value: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "cluster_admin_principal_arns" {
  description = "IAM principals (users or roles) given cluster-admin through EKS access entries, in addition to the identity that creates the cluster."
  type        = list(string)
  default     = []
}

variable "system_node_pool" {
  description = "Node pool (key of node_pools) that runs the AWS Load Balancer Controller and Argo CD; their nodeSelector and tolerations come from its labels and taints."
  type        = string
  default     = "system"
}

variable "alb_ingress_cidrs" {
  description = "IPv4 CIDRs allowed to reach the public ALB."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "alb_http_redirect" {
  description = "Add a port 80 listener on the ALB that redirects to HTTPS."
  type        = bool
  default     = true
}

variable "alb_ssl_policy" {
  description = "TLS policy of the ALB HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "alb_deletion_protection" {
  description = "Deletion protection on the ALB: it cannot be deleted until this is turned off (apply with false before terraform destroy)."
  type        = bool
  default     = true
  nullable    = false
}

variable "alb_access_log_retention_days" {
  description = "Days the ALB access logs are kept in their S3 bucket before the lifecycle rule expires them (noncurrent versions are kept 30 days more at most)."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.alb_access_log_retention_days >= 1 && floor(var.alb_access_log_retention_days) == var.alb_access_log_retention_days
    error_message = "alb_access_log_retention_days must be a whole number of days, at least 1."
  }
}

variable "alb_access_logs_force_destroy" {
  description = "Let terraform destroy delete the ALB access-log bucket together with the logs in it. Default false: destroy stops at a non-empty bucket, so logs are not lost by accident."
  type        = bool
  default     = false
  nullable    = false
}

variable "vpc_flow_log_retention_days" {
  description = "Retention of the VPC flow log group, in days (a CloudWatch Logs retention value)."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.vpc_flow_log_retention_days)
    error_message = "vpc_flow_log_retention_days must be a CloudWatch Logs retention value: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "lb_controller_chart_version" {
  description = "Version of the aws-load-balancer-controller Helm chart (eks-charts). The TargetGroupBinding mode needs controller >= v2.10 (targetGroupName)."
  type        = string
  default     = "1.17.1"
}

variable "argocd_chart_version" {
  description = "Version of the argo-cd Helm chart (argo-helm)."
  type        = string
  default     = "9.5.4"
}

variable "argocd_namespace" {
  description = "Namespace of Argo CD. Must be the namespace of the rendered root Application."
  type        = string
  default     = "argocd"
}

variable "argocd_extra_values" {
  description = "Extra YAML values documents for the argo-cd chart, applied after the ones built here (e.g. configs.repositories for a private Git repository)."
  type        = list(string)
  default     = []
}

variable "repo_root" {
  description = "Local checkout of the Git repository that git.root_app_path is relative to. Empty: the parent of this directory."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Tags added to every AWS resource."
  type        = map(string)
  default     = {}
}
