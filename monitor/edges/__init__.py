"""Side effects, one kind per module: network, files, the snapshot store, bookkeeping, mail."""

import sys

# httpx imports its own command-line client (``httpx._main``: rich's console, progress and
# syntax, pygments' lexers) whenever rich is installed, as it is here for our progress bar.
# We never run that client; marking it absent before httpx is first imported (here, ahead
# of edges/fetch and edges/archive) saves about 40 ms of every start that downloads
# (`import httpx`: 102-111 ms with it, 62-67 ms without, five fresh interpreters each).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
