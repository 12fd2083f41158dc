"""The jobs the CLI, the daemon and the service call: each wires edges and core together."""
