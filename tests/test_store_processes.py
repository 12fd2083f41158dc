"""The store under real processes: SIGKILL mid-save, two importers at once, a held lock."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from monitor.edges.store import Store
from tests.conftest import CORPUS, IRAQ_SEED, ROOT, requires_corpus
from tests.helpers import IRAQ, T0, profile_from, run_process, write_config

WRITER = """
import sys
from datetime import UTC, datetime
from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.edges.store import Store

store = Store(sys.argv[1])
text = open(sys.argv[2], encoding="utf-8").read()
big = b"x" * 40_000_000  # a large raw document makes each save take a while
print("ready", flush=True)
for i in range(1000):
    edited = text.replace("33 703 000", str(33_703_000 + i + 1))
    store.save(parse(extract(edited.encode())), big, kind="text", content_type="text/plain",
               now=datetime.now(UTC))
"""


@pytest.mark.parametrize("delay", [0.3, 0.7, 1.1])
def test_sigkill_mid_save_leaves_the_store_readable(tmp_path, delay):
    store = Store(tmp_path / "snapshots")
    first = store.save(
        profile_from(IRAQ),
        IRAQ.encode(),
        kind="text",
        content_type="text/plain",
        now=T0,
    )
    before = store.path(first.ref).read_bytes()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store.root), str(IRAQ_SEED)],
        stdout=subprocess.PIPE,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert writer.stdout.readline().strip() == b"ready"
    time.sleep(delay)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    writer.stdout.close()

    assert store.path(first.ref).read_bytes() == before  # the old snapshot is intact
    visible = [p for p in (store.root / "iraq").iterdir() if not p.name.startswith(".")]
    for path in visible:
        if path.suffix == ".json":
            json.loads(path.read_text())  # complete, or not there at all
    for ref in store.refs("iraq"):
        snap = store.load(ref)
        assert (store.root / "iraq" / snap.source.raw).is_file()  # its raw document exists
    # leftovers are hidden temp files, tidied on the next run
    with store.lock():
        store.remove_stale_temp_files()
    assert not list((store.root / "iraq").glob(".*.tmp"))


@requires_corpus
def test_two_importers_at_once(tmp_path):
    write_config(tmp_path)
    files = [str(p) for p in sorted(CORPUS.glob("*.txt"))]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "monitor", "import", *files],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert len(out.strip().splitlines()) == len(files)
    store = Store(tmp_path / "snapshots")
    assert len(store.countries()) == 120
    for slug in store.countries():
        refs = store.refs(slug)
        assert len(refs) == 1, (slug, refs)  # the slower importer saw "unchanged"
        store.load(refs[0])
    news = sum(out.count(": new ") for out, _ in outputs)
    assert news == 120


def test_a_held_lock_makes_the_second_writer_fail_cleanly(tmp_path):
    write_config(tmp_path, "[fetch]\nlock_timeout = 1\n")
    store = Store(tmp_path / "snapshots")
    with store.lock():
        started = time.monotonic()
        result = run_process("import", str(IRAQ_SEED), cwd=tmp_path)
        waited = time.monotonic() - started
    assert result.returncode == 1
    assert "is locked by another monitor process (waited 1 s)" in result.stderr
    assert "Traceback" not in result.stderr
    assert waited >= 1
    assert store.refs("iraq") == []
