buildout {
  parts = ["server", "setings"] # ERROR: Did you mean "settings"?
}

part "server" {
  recipe = "directory"
  path   = "srv"
}

part "settings" {
  recipe  = "file"
  target  = "settings.conf"
  content = "x"
}
