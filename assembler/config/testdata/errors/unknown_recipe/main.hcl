part "server" {
  recipe = "go.bild" # ERROR: Did you mean "go.build"?
  module = "example.com/lava/server"
}
