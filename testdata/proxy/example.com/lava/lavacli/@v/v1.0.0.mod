module example.com/lava/lavacli

go 1.21

require example.com/lava/common v1.0.0
