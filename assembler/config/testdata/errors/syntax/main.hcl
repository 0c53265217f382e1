part "a" {
  recipe = "file"
  target = "x"
  content = "y" +  # ERROR: Invalid expression
}
