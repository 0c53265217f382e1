part "server" {
  recipe   = "build"
  module   = "example.com/lava/server"
  packages = { a = 1 } # ERROR: packages must be a list of strings
  cgo      = "sometimes" # ERROR: Invalid value for cgo
}
