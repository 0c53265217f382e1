extends = ["../a.hcl"] # ERROR: Extends cycle
