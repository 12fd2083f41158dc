"""A report publishes as a whole, on a real full disk (a small tmpfs; needs root to mount,
skipped, saying so, without): a report that cannot be written leaves the previous
publication exactly as it was, and the next one with room publishes everything."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.conftest import TAJIKISTAN_SEED
from tests.helpers import IRAQ, import_files, run_cli, write_config
from tests.helpers import IRAQ_LATER as LATER


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        [
            "mount",
            "-t",
            "tmpfs",
            "-o",
            "size=8m",
            "tmpfs",
            str(disk),
        ],  # a publication with its maps is about 2.5 MB
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def published(folder) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".cache" not in p.parts
    }


def dangling(folder) -> list[str]:
    """Links between published files that point at a file that is not there."""
    missing = []
    for page in folder.rglob("*.html"):
        for target in re.findall(r'href="([^"#:?]+)', page.read_text()):
            if not (page.parent / target).exists():
                missing.append(f"{page.relative_to(folder)} → {target}")
    return missing


def test_a_report_on_a_full_disk_leaves_the_previous_publication_intact(tmp_path, small_disk):
    write_config(tmp_path).write_text(
        f'[storage]\nsnapshots = "snapshots"\nreports = "{small_disk}/reports"\n'
    )
    import_files(tmp_path, ("iraq.txt", IRAQ))
    assert run_cli("import", str(TAJIKISTAN_SEED), cwd=tmp_path).returncode == 0
    assert run_cli("report", cwd=tmp_path).returncode == 0
    reports = small_disk / "reports"
    before = published(reports)
    assert dangling(reports) == []

    import_files(tmp_path, ("later.txt", LATER))  # something new to publish
    free = os.statvfs(small_disk)
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 8192))  # 8 KB left
    failed = run_cli("report", cwd=tmp_path)
    assert failed.returncode == 1
    assert failed.stderr.endswith(": No space left on device\n"), failed.stderr
    assert len(failed.stderr.splitlines()) == 1
    assert published(reports) == before  # not one file changed
    assert not [p for p in reports.rglob(".*") if ".cache" not in p.parts]  # no temp file

    filler.unlink()
    again = run_cli("report", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    after = published(reports)
    assert after != before
    assert "IQ-CERT" in after["countries/iraq.html"].decode()
    assert dangling(reports) == []
