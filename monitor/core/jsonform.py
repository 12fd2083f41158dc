"""The one JSON spelling: sorted keys, UTF-8 (not ``\\u`` escapes), and two layouts.

Indented for people (stdout, the HTTP API), compact for machines (snapshot files, content
hashes): json's C encoder is several times faster without ``indent``.
"""

from __future__ import annotations

import json
from typing import Any


def dumps(data: Any, *, compact: bool = False) -> str:
    if compact:
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def loads(text: str | bytes) -> Any:
    return json.loads(text)
