buildout {
  go_env = { # ERROR: Variable not allowed in go_env
    GOFLAGS = "-mod=vendor"
  }
  keep_revisions = 0 # ERROR: Invalid keep_revisions
}
