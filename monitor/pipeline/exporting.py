"""`monitor export`: every snapshot of the store (or of the countries named) as CSV, JSON
Lines or SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from monitor.edges.store import Store, find_countries
from monitor.pipeline.history import all_histories


def export(store: Store, fmt: str, countries: Sequence[str], path: Path | None) -> str | None:
    """Write the export to ``path``, or return it as text (CSV and JSON Lines only)."""
    from monitor.edges import export as writers

    slugs = find_countries(store, countries) if countries else None
    histories = all_histories(store, dict.fromkeys(slugs) if slugs else None)
    if fmt == "sqlite":
        assert path is not None, "the CLI asks for -o with sqlite"
        writers.write_sqlite(path, histories)
        return None
    text = writers.to_csv(histories) if fmt == "csv" else writers.to_jsonl(histories)
    if path is None:
        return text
    writers.write_text(path, text)
    return None
