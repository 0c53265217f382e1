version = { # ERROR: Did you mean "versions"?
  "example.com/a" = "v1.0.0"
}
