//go:build tools

// Package tools pins the command this module builds (go build github.com/hashicorp/terraform-provider-helm).
package tools

import _ "github.com/hashicorp/terraform-provider-helm"
