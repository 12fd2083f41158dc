"""One hostile client against `monitor daemon --serve` as a real process (its web server a
process of its own): a 100 MB header, then 1,000 connections that never finish their
request head. The service answers throughout, stays small, and the scheduled fetch goes on;
a killed web server is started again, and dies with its daemon. Short limits, set for the
test in [serve], keep it to seconds."""

from __future__ import annotations

import os
import re
import resource
import selectors
import signal
import socket
import time
from urllib.parse import urlsplit

import httpx

from tests.helpers import listening, start_daemon_serve, stderr_so_far, stop, wait_for

SLOW = 1000
HEADER_TIMEOUT = 2


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listed:
        return [int(p) for p in listed.read().split()]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        kb = re.search(r"^VmRSS:\s+(\d+) kB", status.read(), re.M)
    assert kb is not None
    return int(kb.group(1)) / 1024


def fetches(cwd) -> int:
    return stderr_so_far(cwd).count("fetch: 1 source:")


def healthy(base: str) -> bool:
    """The health check answers, and within a second (the limit the service promises)."""
    return httpx.get(f"{base}/api/health", timeout=1).json()["status"] == "ok"


def answers(base: str) -> bool:
    try:
        return healthy(base)
    except httpx.HTTPError:
        return False


def huge_header(address: tuple[str, int], megabytes: int) -> tuple[bytes, int]:
    """Send a request whose one header grows to ``megabytes`` MB, 64 KB at a time, until the
    server answers or closes; what it answered and how many bytes were sent."""
    chunk = b"a" * 65536
    sent = 0
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: ")
        sock.setblocking(False)
        watch = selectors.DefaultSelector()
        watch.register(sock, selectors.EVENT_READ)
        answer = b""
        while sent < megabytes * 2**20:
            if watch.select(timeout=0):
                break
            try:
                sent += sock.send(chunk)
            except BlockingIOError:
                watch.select(timeout=0.05)
            except OSError:  # closed or reset by the server
                break
        sock.setblocking(True)
        try:
            while part := sock.recv(65536):
                answer += part
        except OSError:
            pass
        watch.close()
    return answer, sent


def test_one_hostile_client_stops_neither_the_service_nor_the_scheduler(server, tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < SLOW + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, SLOW + 500), hard))
    slow = min(SLOW, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 200)
    limits = f"[serve]\nheader_timeout = {HEADER_TIMEOUT}\nmax_connections = {SLOW + 100}\n"
    daemon = start_daemon_serve(server, tmp_path, "*/1 * * * * *", limits)
    try:
        assert wait_for(lambda: listening(tmp_path)), stderr_so_far(tmp_path)
        base = listening(tmp_path)
        parts = urlsplit(base)
        address = (parts.hostname, parts.port)
        assert wait_for(lambda: fetches(tmp_path) >= 1), stderr_so_far(tmp_path)
        (web,) = children(daemon.pid)

        # 1. a 100 MB header: refused after a few KB, never held in memory
        before = fetches(tmp_path)
        started = time.monotonic()
        answer, sent = huge_header(address, 100)
        took = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 400 "), (answer[:100], sent)
        assert took < 1, took
        assert sent < 16 * 2**20  # answered long before 100 MB (loopback buffers hold a few)
        assert rss_mb(web) < 150
        assert healthy(base)

        # 2. slow connections: each sends part of a head, a line at a time, never the end
        sockets = []
        for _ in range(slow):
            sock = socket.create_connection(address, timeout=10)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sockets.append(sock)
        opened = time.monotonic()
        checks = 0
        while time.monotonic() - opened < HEADER_TIMEOUT + 1:
            for sock in sockets[:: max(1, slow // 50)]:
                try:
                    sock.send(b"X-Slow: 1\r\n")
                except OSError:
                    pass
            assert healthy(base)
            checks += 1
            time.sleep(0.2)

        def all_closed() -> bool:
            for sock in sockets:
                sock.setblocking(False)
                try:
                    if sock.recv(1024) != b"":
                        return False
                except BlockingIOError:
                    return False
                except OSError:
                    pass  # reset: closed too
            return True

        assert wait_for(all_closed, timeout=HEADER_TIMEOUT + 10)
        for sock in sockets:
            sock.close()
        assert healthy(base)
        # the scheduler went on fetching throughout both
        assert wait_for(lambda: fetches(tmp_path) >= before + 2), stderr_so_far(tmp_path)
        assert checks >= 5
        assert children(daemon.pid) == [web]  # the web server was never restarted
    finally:
        code, err = stop(daemon, tmp_path)
    assert code == 0, err
    assert "fetch: 1 source: 1 error" not in err
    assert "Traceback" not in err
    assert err.count("Invalid HTTP request received") <= 1


def test_a_killed_web_server_is_started_again_and_dies_with_its_daemon(server, tmp_path):
    daemon = start_daemon_serve(server, tmp_path, "*/1 * * * * *")
    try:
        assert wait_for(lambda: listening(tmp_path)), stderr_so_far(tmp_path)
        base = listening(tmp_path)
        assert wait_for(lambda: answers(base))
        (web,) = children(daemon.pid)
        os.kill(web, signal.SIGKILL)  # as the kernel's out-of-memory killer would
        assert wait_for(lambda: children(daemon.pid) not in ([], [web]))
        assert wait_for(lambda: answers(base))  # the daemon holds the socket: none refused
        before = fetches(tmp_path)
        assert wait_for(lambda: fetches(tmp_path) > before)  # the scheduler never stopped
        err = stderr_so_far(tmp_path)
        assert "serve: the web server process ended (killed by SIGKILL); starting it again" in err
        (web,) = children(daemon.pid)
        daemon.kill()  # the daemon itself dies: its web server follows, leaving no orphan
        daemon.communicate(timeout=30)
        assert wait_for(lambda: not os.path.exists(f"/proc/{web}") or _zombie(web))
    finally:
        if daemon.poll() is None:
            stop(daemon, tmp_path)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "State:\tZ" in status.read()
    except FileNotFoundError:
        return True
