provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      "krm-gen/platform" = var.platform_name
    })
  }
}

# The Helm provider talks to the cluster this configuration creates. The
# token comes from the AWS CLI (`aws eks get-token`), so `aws` must be on the
# PATH of whoever runs terraform, with the same credentials as the provider.
provider "helm" {
  kubernetes = {
    host                   = aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(aws_eks_cluster.this.certificate_authority[0].data)
    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", aws_eks_cluster.this.name, "--region", var.region]
    }
  }
}
