//go:build tools

// Package tools pins the command this module builds (go build github.com/opentofu/opentofu/cmd/tofu).
package tools

import _ "github.com/opentofu/opentofu/cmd/tofu"
