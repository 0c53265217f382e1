extends = ["sub/b.hcl"]
