part "server" { # ERROR: Missing recipe
  module = "example.com/lava/server"
}
