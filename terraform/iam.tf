# IAM for the AWS Load Balancer Controller through EKS Pod Identity: a role
# with the controller's upstream policy, associated with the service account
# the Helm chart creates (kube-system/aws-load-balancer-controller).
module "lb_controller_pod_identity" {
  source  = "terraform-aws-modules/eks-pod-identity/aws"
  version = "~> 2.8"

  name = "${local.cluster_name}-aws-lbc"

  attach_aws_lb_controller_policy = true

  associations = {
    this = {
      cluster_name    = aws_eks_cluster.this.name
      namespace       = "kube-system"
      service_account = "aws-load-balancer-controller"
    }
  }
}
