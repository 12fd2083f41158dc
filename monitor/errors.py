"""The one exception tree: every error a user can meet is a ``MonitorError``.

The CLI prints ``str(error)`` on one line and exits 1; nothing below the CLI prints or exits.
"""


class MonitorError(Exception):
    """Base of every error the monitor reports to a user."""


class ConfigError(MonitorError):
    """config.toml is missing, malformed or holds a wrong key or type."""


class FetchError(MonitorError):
    """A source could not be downloaded."""


class RateLimited(FetchError):
    """A server answered 429 Too Many Requests (a web archive asking us to slow down)."""


class ArchiveError(FetchError):
    """A web archive could not be listed or stopped answering (blocked, unreachable)."""


class ArchiveBlocked(ArchiveError):
    """A web archive kept answering 429: the run stops before the archive blocks us."""


class ExtractError(MonitorError):
    """Bytes could not be turned into text (not a PDF, truncated, encrypted, empty)."""


class ParseError(MonitorError):
    """Text is not a complete Cyberwellness Profile."""


class StoreError(MonitorError):
    """The snapshot store could not be read or written."""


class SnapshotNotFound(StoreError):
    """A country or ref names no stored snapshot."""


class SnapshotDamaged(StoreError):
    """A stored snapshot file is not the shape a snapshot has (not JSON, a wrong field)."""


class DeliveryError(MonitorError):
    """A report could not be written or mailed."""


class NotifyError(DeliveryError):
    """A [[notify]] target refused a message or could not be reached (it is retried)."""


class StateError(StoreError):
    """A bookkeeping file (.state.json, .runs.json, .outbox.json) could not be written."""


class ExportError(MonitorError):
    """An export (CSV, JSON Lines, SQLite) could not be written."""


class QuestionError(MonitorError):
    """A search, changes or compare asked in a way that cannot be answered (no words to look
    for, a date that is no date, one country to compare)."""
