module example.com/lava/lavacli/v2

go 1.21

require example.com/lava/common v1.1.0
