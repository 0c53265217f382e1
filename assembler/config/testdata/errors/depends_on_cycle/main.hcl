part "a" {
  recipe     = "directory"
  path       = "a"
  depends_on = [part.b] # ERROR: Reference cycle
}

part "b" {
  recipe     = "directory"
  path       = "b"
  depends_on = [part.a]
}
