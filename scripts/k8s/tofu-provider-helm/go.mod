// Builds the Helm provider for OpenTofu from the Go module proxy (scripts/stack/install-tofu.sh).
// The proxy serves github.com/hashicorp/terraform-provider-helm up to v1.3.2 only (its v2/v3
// tags are not valid versions of that module path, and other versions are refused here), and
// `go install …@v1.3.2` is refused for its replace directive, which this module repeats.
module xtream.local/tofu-provider-helm

go 1.14

require github.com/hashicorp/terraform-provider-helm v1.3.2

replace github.com/Azure/go-autorest => github.com/Azure/go-autorest v13.3.3+incompatible

// vbom.ml is gone (the proxy refuses it); k8s.io/kubectl v0.18 needs its sortorder package,
// which lives on as github.com/fvbommel/util at the same code.
replace vbom.ml/util => github.com/fvbommel/util v0.0.0-20180919145318-efcd4e0f9787
