part "my part" { # ERROR: Invalid part name
  recipe = "directory"
  path   = "a"
}
