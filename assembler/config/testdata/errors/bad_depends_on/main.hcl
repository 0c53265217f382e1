part "a" {
  recipe     = "directory"
  path       = "a"
  depends_on = ["b"] # ERROR: Invalid depends_on entry
}

part "b" {
  recipe = "directory"
  path   = "b"
}
