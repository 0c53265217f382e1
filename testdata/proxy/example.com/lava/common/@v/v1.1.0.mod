module example.com/lava/common

go 1.21
