extends = ["a.hcl", "b.hcl"]
