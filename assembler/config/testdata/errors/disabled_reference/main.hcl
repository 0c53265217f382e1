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

# A disabled part may refer to another: neither is evaluated.
part "media-link" {
  recipe  = "symlink"
  path    = "var/media-link"
  target  = part.media.path
  enabled = false
}
