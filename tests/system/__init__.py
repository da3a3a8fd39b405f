"""System tests: the service and the gateway as real processes, under load and faults."""
