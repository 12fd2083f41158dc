"""Side effects, one kind per module: network, files, the snapshot store, bookkeeping, mail."""

import sys

# httpx imports its optional command-line tool, and with it rich and pygments, at every
# start when they are installed; the monitor never uses it. A None in sys.modules
# makes that import fail, as httpx expects when the tool is not installed.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
