part "server" {
  recipe = "directory"
  path   = "srv"
}

part "settings" {
  recipe  = "file"
  target  = "settings.conf"
  content = part.sever.path # ERROR: Did you mean "server"?
}
