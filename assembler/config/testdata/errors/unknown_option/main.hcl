part "server" {
  recipe   = "build"
  module   = "example.com/lava/server"
  package  = ["./cmd/x"] # ERROR: Did you mean "packages"?
  colour   = "blue" # ERROR: Recipe build has no option "colour"
}
