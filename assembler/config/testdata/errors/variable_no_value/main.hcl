variable "db" { # ERROR: No value for variable
  type = string
}
