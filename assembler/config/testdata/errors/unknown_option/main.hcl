part "server" {
  recipe   = "go.build"
  module   = "example.com/lava/server"
  package  = ["./cmd/x"] # ERROR: Did you mean "packages"?
  colour   = "blue" # ERROR: Recipe go.build has no option "colour"
}
