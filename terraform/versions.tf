terraform {
  # 1.5.7 is the floor of terraform-aws-modules/eks-pod-identity; nothing
  # here needs a newer core.
  required_version = ">= 1.5.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.28"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.1"
    }
  }
}
