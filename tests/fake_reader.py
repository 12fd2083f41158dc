"""A document reader that misbehaves on purpose (``python -m tests.fake_reader HOW``): it
says it is ready, reads one request, then dies of signal HOW or, with ``half``, writes half
an answer line and waits forever."""

from __future__ import annotations

import os
import signal
import sys
import threading

if __name__ == "__main__":
    how = sys.argv[1]
    sys.stdout.buffer.write(b'["ready", ""]\n')
    sys.stdout.buffer.flush()
    sys.stdin.buffer.readline()
    if how == "half":
        sys.stdout.buffer.write(b'["ok", "half a line')
        sys.stdout.buffer.flush()
        threading.Event().wait()
    os.kill(os.getpid(), signal.Signals[how])
