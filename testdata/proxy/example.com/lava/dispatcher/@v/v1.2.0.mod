module example.com/lava/dispatcher

go 1.21

require example.com/lava/common v1.0.0

