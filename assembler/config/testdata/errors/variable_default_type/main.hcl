variable "http_port" {
  type    = number
  default = "eighty" # ERROR: Invalid value for default
}
