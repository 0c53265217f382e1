extends = ["a.hcl"]
