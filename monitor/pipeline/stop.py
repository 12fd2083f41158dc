"""A stop request that reaches runs in other threads and their event loops at once."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator


class Stop(threading.Event):
    """A stop request for runs in other threads (the daemon sets it on SIGTERM): an Event
    that also calls back whoever is waiting on it from an event loop, so a run abandons its
    downloads the moment it is set instead of polling for it."""

    def __init__(self) -> None:
        super().__init__()
        self._guard = threading.RLock()  # set() may run in a signal handler
        self._callbacks: list[Callable[[], None]] = []

    def set(self) -> None:
        with self._guard:
            super().set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    @contextlib.contextmanager
    def calling(self, callback: Callable[[], None]) -> Iterator[None]:
        """Call ``callback`` when this is set (at once if it already is), while inside."""
        with self._guard:
            self._callbacks.append(callback)
            already = self.is_set()
        if already:
            callback()
        try:
            yield
        finally:
            with self._guard:
                self._callbacks.remove(callback)
