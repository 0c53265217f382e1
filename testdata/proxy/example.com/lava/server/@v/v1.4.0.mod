module example.com/lava/server

go 1.21

require example.com/lava/common v1.1.0
