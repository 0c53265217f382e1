extends = [
  "base.hcl",
  "nope.hcl", # ERROR: nope.hcl: no such file
]
