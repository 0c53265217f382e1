buildout {
  group = "lava" # ERROR: Group without a user
}
