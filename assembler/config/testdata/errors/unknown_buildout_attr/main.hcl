buildout {
  allow_picked_version = false # ERROR: Did you mean "allow_picked_versions"?
}
