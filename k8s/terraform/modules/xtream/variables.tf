variable "environment" {
  description = "dev, staging or production: only used in the release's description and checks."
  type        = string
  validation {
    condition     = contains(["dev", "staging", "production"], var.environment)
    error_message = "environment must be dev, staging or production."
  }
}

variable "release_name" {
  description = "Helm release name (object names start with it)."
  type        = string
  default     = "xtream"
}

variable "chart_path" {
  description = "Path of the chart (k8s/xtream in this repository)."
  type        = string
}

variable "namespace" {
  description = "Namespace of the release; its Secrets must exist first (k8s/README.md)."
  type        = string
}

variable "create_namespace" {
  description = "Create the namespace if missing."
  type        = bool
  default     = false
}

variable "values_files" {
  description = "Values files, in order (later ones win)."
  type        = list(string)
  default     = []
}

variable "set" {
  description = "Single values (helm --set), applied after the files. Never secrets."
  type        = map(string)
  default     = {}
}

variable "atomic" {
  description = "Roll back a failed install or upgrade."
  type        = bool
  default     = true
}

variable "wait" {
  description = "Wait until the Deployments and DaemonSet are ready."
  type        = bool
  default     = true
}

variable "timeout_seconds" {
  description = "How long to wait for the release."
  type        = number
  default     = 600
}
