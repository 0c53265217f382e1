part "a" {
  recipe = "directory"
  path   = "a"
  options { # ERROR: Blocks are not allowed here
  }
}
