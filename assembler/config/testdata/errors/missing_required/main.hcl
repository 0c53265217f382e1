part "server" { # ERROR: Missing required option
  recipe  = "go.build"
  version = "^1.0"
}
