part "server" {
  recipe = "build"
  module = "example.com/lava/server"
}

part "settings" {
  recipe  = "file"
  target  = "settings.conf"
  content = part.server.binary # ERROR: has no option or output "binary"
}
