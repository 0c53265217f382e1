extends = ["${env("X")}.hcl"] # ERROR: Invalid extends entry
