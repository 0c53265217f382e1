part "media" {
  recipe  = "directory"
  path    = "var/media"
  enabled = false
}

part "settings" {
  recipe  = "file"
  target  = "settings.conf"
  content = part.media.path # ERROR: Reference to a disabled part
}
