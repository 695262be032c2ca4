# The dev environment: the chart with ../../../xtream/values.yaml, then values.yaml here.
# tofu -chdir=k8s/terraform/environments/dev init && tofu -chdir=… plan (k8s/terraform/README.md)

terraform {
  required_version = ">= 1.6.0"
  required_providers {
    helm = {
      source  = "hashicorp/helm"
      version = ">= 1.3.2, < 3.0.0"
    }
  }
}

variable "kubeconfig" {
  description = "Kubeconfig of the dev cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "Context in the kubeconfig (empty: its current context)."
  type        = string
  default     = ""
}

variable "namespace" {
  description = "Namespace of the release (its Secrets must exist first)."
  type        = string
  default     = "xtream-dev"
}

variable "image_tag" {
  description = "Image tag of every service (the chart's appVersion when empty)."
  type        = string
  default     = ""
}

variable "set" {
  description = "Extra single values (helm --set) after the files, e.g. for a throw-away cluster. Never secrets."
  type        = map(string)
  default     = {}
}

provider "helm" {
  kubernetes {
    config_path    = pathexpand(var.kubeconfig)
    config_context = var.kube_context == "" ? null : var.kube_context
  }
}

locals {
  chart = "${path.module}/../../../xtream"
}

module "xtream" {
  source      = "../../modules/xtream"
  environment = "dev"
  chart_path  = local.chart
  namespace   = var.namespace
  values_files = [
    "${local.chart}/values-dev-deps.yaml",
    "${path.module}/values.yaml",
  ]
  set = merge(var.image_tag == "" ? {} : {
    "image.tag"                     = var.image_tag
    "services.transcoder.image.tag" = var.image_tag
  }, var.set)
}

output "release" {
  value = module.xtream.release
}
