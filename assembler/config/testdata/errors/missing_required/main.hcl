part "server" { # ERROR: Missing required option
  recipe  = "build"
  version = "^1.0"
}
