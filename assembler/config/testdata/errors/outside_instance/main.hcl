part "a" {
  recipe  = "file"
  target  = "/etc/lava.conf" # ERROR: Path outside the instance
  content = "x"
}

part "b" {
  recipe  = "file"
  target  = "../other/b.txt" # ERROR: Path outside the instance
  content = "x"
}

part "c" {
  recipe                 = "file"
  target                 = "/tmp/allowed.txt"
  content                = "x"
  allow_outside_instance = true
}
