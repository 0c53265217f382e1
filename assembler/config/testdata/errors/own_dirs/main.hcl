part "bin" {
  recipe  = "file"
  target  = "bin/evil" # ERROR: is in bin/, which assemble keeps for itself
  content = "x"
}

part "code" {
  recipe = "symlink"
  path   = "${instance.dir}/code/current/x" # ERROR: is in code/, which assemble keeps
  target = "y"
}

part "meta" {
  recipe                 = "directory"
  path                   = ".assemble/mine" # ERROR: is in .assemble/
  allow_outside_instance = true
}

part "fine" {
  recipe  = "file"
  target  = "binaries/x" # a directory that only starts like bin
  content = "x"
}
