"""What the reports keep of each country between runs, so that a run with nothing new
reads no snapshot: per country, the identities of its snapshot files (``FileIdentity``: the
store never rewrites one in place), its snapshots' names, sides and content hashes, its
state now, its timeline marks and its feed entries.

One file (``reports/.cache/countries.json``), safe to delete, holding only the countries of
the last run, shape-checked on read: an entry that does not fit is ignored (the country is
read again), a damaged file is ignored whole. Entries are only valid for the code that made
them: ``code_key`` (a hash of the package's source and templates) is stored with them.
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from monitor.core.jsonform import builtins, loads
from monitor.core.snapshot import SnapshotRef
from monitor.edges.files import write_json
from monitor.edges.store import Store
from monitor.errors import DeliveryError

SCHEMA = 2  # 2: a file's identity includes its inode, as the service's does
log = logging.getLogger("monitor")

Fingerprint = list[dict[str, Any] | None]


def cache_path(reports: Path) -> Path:
    return Path(reports) / ".cache" / "countries.json"


@lru_cache(maxsize=1)
def code_key() -> str:
    """A hash of the monitor's source and templates: new code never trusts old entries."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".html", ".json") and path.is_file():
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def read_cache(path: Path, schema: int, what: str) -> dict[str, Any]:
    """A cache file's content, or {} when it is missing, damaged, of another schema or
    written by other code: a cache is never trusted, only used when it fits."""
    try:
        data = loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.info("%s %s unreadable (%s); rebuilding it", what, path, exc)
        return {}
    if not isinstance(data, dict) or data.get("schema") != schema:
        log.info("%s %s has another shape; rebuilding it", what, path)
        return {}
    if data.get("code") != code_key():
        log.info("%s %s is from other code; rebuilding it", what, path)
        return {}
    return data


def fingerprint(store: Store, refs: list[SnapshotRef]) -> Fingerprint:
    """The identities of a country's snapshot files, as JSON: a country whose files are
    all as they were has nothing new."""
    return builtins(store.identities(refs))


class ReportCache:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.stored = self._read()
        self.kept: dict[str, dict[str, Any]] = {}

    def _read(self) -> dict[str, Any]:
        countries = read_cache(self.path, SCHEMA, "report cache").get("countries")
        return countries if isinstance(countries, dict) else {}

    def get(self, slug: str, prints: Fingerprint) -> dict[str, Any] | None:
        entry = self.stored.get(slug)
        if isinstance(entry, dict) and entry.get("fingerprint") == prints:
            return entry
        return None

    def keep(self, slug: str, entry: dict[str, Any]) -> None:
        self.kept[slug] = entry

    def save(self) -> None:
        if self.kept == self.stored:
            return
        data = {"schema": SCHEMA, "code": code_key(), "countries": self.kept}
        try:
            write_json(self.path, data, durable=False, error=DeliveryError, mkdir=True)
        except DeliveryError as exc:  # a cache that cannot be written only costs time
            log.warning("%s", exc)
