"""Side effects, one kind per module: network, files, the snapshot store, bookkeeping, mail."""
