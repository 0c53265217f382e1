part "a" {
  recipe = "file"
  target = "etc/a"
  source = "/etc/hostname" # ERROR: Source outside the manifest
}

part "b" {
  recipe = "template"
  target = "etc/b"
  source = "../b.tmpl" # ERROR: Source outside the manifest
}

part "c" {
  recipe                 = "file"
  target                 = "etc/c"
  source                 = "/etc/hostname"
  allow_outside_instance = true
}
