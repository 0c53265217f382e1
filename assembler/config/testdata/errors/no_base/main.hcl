part "a" {
  recipe  = "file"
  target  = "a.txt"
  content = "${base.content}!" # ERROR: No inherited value
}
