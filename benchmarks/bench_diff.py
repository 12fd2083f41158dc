"""Diff speed: consecutive snapshot pairs, and one `monitor diff` command from a cold start.

Run: .venv/bin/python benchmarks/bench_diff.py [--countries 200 --versions 10]

Versions are made by random realistic edits of the seed Iraq text (figures, instruments,
a CIRT sentence, sections added or removed, the date). Reports diffs/s over every
consecutive pair, and the wall time of `monitor diff COUNTRY first latest` measured side by
side with `python -c pass` (goals: >= 500 diffs/s; within `python -c pass` + 250 ms).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.core.diff import diff
from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.edges.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import timed

SEED = (ROOT / "tests" / "fixtures" / "iraq-2015-03-06.txt").read_text("utf-8")


def random_version(rng: random.Random, n: int) -> str:
    text = SEED
    day = date(2015, 3, 6) + timedelta(days=45 * n)
    text = text.replace("6th March 2015", f"{day.day} {day:%B %Y}")
    if rng.random() < 0.8:
        text = text.replace("33 703 000", f"{33_703_000 + rng.randint(-500_000, 900_000):,}")
    if rng.random() < 0.6:
        text = text.replace("9.20%", f"{rng.uniform(5, 40):.2f}%")
    if rng.random() < 0.5:
        laws = [f"- Law No. {rng.randint(1, 400)} on Electronic Transactions" for _ in range(3)]
        text = text.replace("-None.\n\n1.2", "\n".join(laws) + "\n\n1.2")
    if rng.random() < 0.3:
        text = text.replace(
            "There is still no nationally recognized CERT in Iraq.",
            "Iraq has an officially recognized national CIRT.",
        )
    if rng.random() < 0.2:
        text = text.replace(
            "2. CHILD ONLINE", "1.5.5 REGIONAL COOPERATION\n\nIraq is in AGCERT.\n\n2. CHILD ONLINE"
        )
    if rng.random() < 0.2:
        text = text.replace("1.3.2 ROADMAP FOR GOVERNANCE", "")
    return text


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--countries", type=int, default=200)
    args.add_argument("--versions", type=int, default=10)
    opts = args.parse_args()
    rng = random.Random(7)
    profiles = [
        [parse(extract(random_version(rng, n).encode())) for n in range(opts.versions)]
        for _ in range(opts.countries)
    ]
    pairs = [(h[i], h[i + 1]) for h in profiles for i in range(len(h) - 1)]
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        total = sum(len(diff(a, b)) for a, b in pairs)
        runs.append(time.perf_counter() - start)
    best = min(runs)
    print(f"diff: {len(pairs)} consecutive pairs, {total} changes")
    print(f"  {len(pairs) / best:.0f} diffs/s (best of 3; {best / len(pairs) * 1e3:.2f} ms each)")

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "snapshots")
        now = datetime(2026, 11, 23, tzinfo=UTC)
        for n in range(opts.versions):
            text = random_version(rng, n)
            store.save(
                parse(extract(text.encode())),
                text.encode(),
                kind="text",
                content_type="text/plain",
                now=now,
            )
        (Path(tmp) / "config.toml").write_text('[storage]\nsnapshots = "snapshots"\n')
        monitor = [sys.executable, "-m", "monitor", "diff", "iraq", "first", "latest"]
        bare = [sys.executable, "-c", "pass"]
        ours, base = [], []
        for _ in range(7):  # alternate the two, same machine state for both
            ours.append(timed(monitor, tmp))
            base.append(timed(bare, tmp))
        o, b = statistics.median(ours), statistics.median(base)
        print(f"monitor diff (cold start, median of 7): {o * 1e3:.0f} ms")
        print(f"python -c pass (same run):              {b * 1e3:.0f} ms")
        print(f"  overhead {((o - b) * 1e3):.0f} ms (goal <= 250 ms)")


if __name__ == "__main__":
    main()
