module example.com/recipes/greeting

go 1.26

require github.com/assemble-build/assemble v0.0.0-20260101000000-000000000000
