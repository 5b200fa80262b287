output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "kubectl_config_command" {
  description = "Command that writes a kubeconfig entry for the cluster."
  value       = "aws eks update-kubeconfig --region ${var.region} --name ${aws_eks_cluster.this.name}"
}

output "alb_dns_name" {
  description = "DNS name of the public ALB; point the application hostnames at it (CNAME or alias)."
  value       = aws_lb.this.dns_name
}

output "target_group_arn" {
  description = "ARN of the ALB target group in front of the Istio gateway."
  value       = aws_lb_target_group.gateway.arn
}

output "target_group_name" {
  description = "Name of the ALB target group (the name the TargetGroupBinding refers to in targetGroupBinding mode)."
  value       = aws_lb_target_group.gateway.name
}

output "grpc_target_group_name" {
  description = "Name of the gRPC target group (alb.grpc_target_group; the second TargetGroupBinding refers to it in targetGroupBinding mode), or null."
  value       = var.alb.grpc_target_group ? aws_lb_target_group.gateway_grpc[0].name : null
}

output "argocd_admin_password_command" {
  description = "Command that prints the initial Argo CD admin password."
  value       = "kubectl -n ${var.argocd_namespace} get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d"
}

output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "private_subnets" {
  description = "Private subnets by Name tag (the names the spec uses for pinned NLB addresses): ID, CIDR and availability zone."
  value = {
    for name, s in aws_subnet.private : name => {
      id                = s.id
      cidr              = s.cidr_block
      availability_zone = s.availability_zone
    }
  }
}

output "nlb_private_ips" {
  description = "NLB addresses registered in the ALB target group (nlb mode), by address: the subnet each is pinned to."
  value       = { for addr, t in local.nlb_targets : addr => t.subnet }
}
