part "a" {
  recipe = "directory"
  path   = "a"
}

part "b" {
  recipe  = "directory"
  path    = "b"
  enabled = part.a.path != "" # ERROR: cannot refer to another part
}
