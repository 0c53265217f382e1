buildout {
  user  = "Lava Server" # ERROR: is not a user name useradd takes
  group = "x:y"         # ERROR: is not a group name useradd takes
}
