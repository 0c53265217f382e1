part "a" {
  recipe  = "file"
  target  = "a.txt"
  content = part.b.path # ERROR: Reference cycle
}

part "b" {
  recipe  = "file"
  target  = "b.txt"
  content = part.c.path
}

part "c" {
  recipe  = "file"
  target  = "c.txt"
  content = part.a.path
}
