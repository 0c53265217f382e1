extends = ["b.hcl", "a.hcl"]
