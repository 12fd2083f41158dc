"""Cyberwellness Monitor: tracks ITU Cyberwellness Profiles and reports what changed.

The public API, for notebooks and scripts::

    from monitor import parse, diff, Store, load_config
    profile = parse(open("Iraq.txt").read())

Names are imported on first use, so ``import monitor`` (and every CLI start) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from monitor import errors
    from monitor.config import Config, load_config
    from monitor.core.diff import Change, Comparison, diff
    from monitor.core.extract import extract
    from monitor.core.parse import parse
    from monitor.core.profile import Profile
    from monitor.edges.store import Store

_WHERE = {
    "parse": "monitor.core.parse",
    "extract": "monitor.core.extract",
    "diff": "monitor.core.diff",
    "Change": "monitor.core.diff",
    "Comparison": "monitor.core.diff",
    "Profile": "monitor.core.profile",
    "Store": "monitor.edges.store",
    "Config": "monitor.config",
    "load_config": "monitor.config",
}

__all__ = [
    "Change",
    "Comparison",
    "Config",
    "Profile",
    "Store",
    "diff",
    "errors",
    "extract",
    "load_config",
    "parse",
]


def __getattr__(name: str) -> Any:
    if name == "errors":
        return import_module("monitor.errors")
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'monitor' has no attribute {name!r}")
