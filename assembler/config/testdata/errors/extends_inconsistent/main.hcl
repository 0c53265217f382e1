extends = ["x.hcl", "y.hcl"] # ERROR: Inconsistent extends order
