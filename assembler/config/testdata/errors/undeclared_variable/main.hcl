variable "http_port" {
  default = 8000
}

part "settings" {
  recipe  = "file"
  target  = "settings.conf"
  content = "port ${var.http_prot}" # ERROR: Unsupported attribute
}
