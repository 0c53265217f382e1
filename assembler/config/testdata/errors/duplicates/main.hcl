buildout {}
buildout {} # ERROR: Duplicate buildout block

part "a" {
  recipe = "directory"
  path   = "a"
}

part "a" { # ERROR: Duplicate part "a"
  recipe = "directory"
  path   = "a2"
}
