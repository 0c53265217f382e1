part "server" {
  recipe = "biuld" # ERROR: Did you mean "build"?
  module = "example.com/lava/server"
}
