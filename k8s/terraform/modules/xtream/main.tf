# Installs the Xtream chart (k8s/xtream) as one Helm release through the Helm provider.
# The environments (../../environments/*) call it with their own values files and settings;
# Secrets are never inputs here: the chart names existing Secrets (k8s/README.md).

terraform {
  required_version = ">= 1.6.0"
  required_providers {
    helm = {
      source = "hashicorp/helm"
      # Block syntax (`kubernetes {}`, `set {}`) of the 1.x and 2.x providers; 2.17 in production,
      # 1.3.2 where the provider is built from the Go module proxy (k8s/terraform/README.md).
      version = ">= 1.3.2, < 3.0.0"
    }
  }
}

resource "helm_release" "xtream" {
  name             = var.release_name
  chart            = var.chart_path
  namespace        = var.namespace
  create_namespace = var.create_namespace
  atomic           = var.atomic
  wait             = var.wait
  timeout          = var.timeout_seconds

  # Later files win, as with helm -f a -f b.
  values = [for f in var.values_files : file(f)]

  dynamic "set" {
    for_each = var.set
    content {
      name  = set.key
      value = set.value
    }
  }
}
