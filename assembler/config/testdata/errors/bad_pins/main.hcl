versions = {
  "example.com/a"     = "1.2.0" # ERROR: Did you mean "v1.2.0"?
  "example.com/b"     = "v1.2" # ERROR: not a canonical version
  "example.com/c/v2"  = "v1.0.0" # ERROR: should be v2
  "example.com/d"     = "^1.2" # ERROR: not a constraint
  "Not A Module Path" = "v1.0.0" # ERROR: Invalid module path
}
