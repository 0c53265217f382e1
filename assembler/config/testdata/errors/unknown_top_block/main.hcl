parts "a" { # ERROR: Did you mean "part"?
  recipe = "file"
}
