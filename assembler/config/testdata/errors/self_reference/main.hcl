part "a" {
  recipe  = "file"
  target  = "a.txt"
  content = part.a.path # ERROR: Reference cycle
}
