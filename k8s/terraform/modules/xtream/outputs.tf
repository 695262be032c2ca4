output "release" {
  description = "Name, namespace and revision of the installed release."
  value = {
    name      = helm_release.xtream.name
    namespace = helm_release.xtream.namespace
    revision  = helm_release.xtream.metadata[0].revision
  }
}
