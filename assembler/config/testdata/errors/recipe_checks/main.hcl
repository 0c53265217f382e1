part "t" {
  recipe  = "template"
  source  = "t.tmpl"
  content = "x" # ERROR: Conflicting options
  target  = "t.conf"
  mode    = "rw-r--r--" # ERROR: Invalid file mode
}

part "f" { # ERROR: Missing option
  recipe = "file"
  target = "f.txt"
}

part "g" {
  recipe   = "build"
  module   = "example.com/lava/server"
  version  = "^^1.4" # ERROR: Invalid version constraint
  packages = ["./cmd/..."] # ERROR: Package patterns are not allowed
}

part "d" {
  recipe = "download"
  url    = "ftp://example.com/x.tgz" # ERROR: Invalid URL
  sha256 = "abc" # ERROR: Invalid sha256
}

part "c" { # ERROR: at least one of install, update, activate or backup
  recipe = "command"
}
