module example.com/lava/dispatcher

go 1.21

require example.com/lava/common v1.2.0

// v1.3.1 was published with a scheduler that loses jobs.
retract v1.3.1
