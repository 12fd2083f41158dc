"""Notifications: their outbox (``<snapshots>/.notify.json``) and sending them through
Apprise (Slack, Teams, Matrix, ntfy, mailto, json://, form:// and 100 more).

Every message is written to the outbox before it is sent and marked sent right after, so a
crash loses nothing and repeats at most the message in flight, with the same idempotency
key. The outbox also remembers which sources were announced as failing or stale, so each is
announced once. Apprise is imported only here, and only when something is sent.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.core.jsonform import Malformed, Moment, builtins, convert
from monitor.edges.state import Ledger
from monitor.errors import NotifyError

log = logging.getLogger("monitor")
KEEP_SENT = timedelta(days=90)  # a sent message is remembered this long: never sent twice
MAX_BACKOFF = 86_400.0


@dataclass(frozen=True)
class Outgoing:
    """One message to one target."""

    key: str  # idempotency key: (country, refs, subscription)
    subscription: str
    url: str  # as configured: ``${ENV}`` not expanded, so no secret is written here
    title: str
    body: str
    payload: dict[str, Any]
    created: Moment
    attempts: int = 0
    next_try: Moment | None = None
    sent: Moment | None = None
    last_error: str | None = None

    @property
    def ident(self) -> tuple[str, str]:
        return (self.key, self.url)


@dataclass(frozen=True)
class Outbox:
    messages: tuple[Outgoing, ...] = ()
    failing: tuple[str, ...] = ()  # slugs announced as failing, until they recover
    stale: tuple[str, ...] = ()  # slugs announced as stale, until checked again
    last_run: dict[str, list[str]] = field(default_factory=dict)  # what it stored: slug → refs

    def pending(self, now: datetime) -> list[Outgoing]:
        return [
            m for m in self.messages if m.sent is None and (m.next_try is None or m.next_try <= now)
        ]


@dataclass(frozen=True)
class _OutboxFile:
    messages: list[Any] = field(default_factory=list)  # each message checked alone
    failing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    last_run: dict[str, list[str]] = field(default_factory=dict)


def _load(data: Any) -> tuple[Outbox, str | None]:
    found = convert(data, _OutboxFile)
    messages, dropped = [], []
    for index, entry in enumerate(found.messages):
        try:
            messages.append(convert(entry, Outgoing))
        except Malformed as exc:
            dropped.append(f"message {index}: {exc}")
    outbox = Outbox(tuple(messages), tuple(found.failing), tuple(found.stale), found.last_run)
    return outbox, "; ".join(dropped) or None


def _dump(outbox: Outbox) -> Any:
    return builtins(outbox)


def notify_outbox(snapshots: Path) -> Ledger[Outbox]:
    return Ledger(snapshots / ".notify.json", _load, _dump, Outbox)


@contextlib.contextmanager
def sending(snapshots: Path) -> Iterator[bool]:
    """Whether this process may send now: one sender at a time per store, so that a daemon
    and a ``monitor notify`` never both send the same queued message. Not waited for: the
    other sender sends what is due."""
    from filelock import FileLock, Timeout

    snapshots.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(snapshots / ".notify.sending.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def delivered(message: Outgoing, now: datetime) -> Outgoing:
    """Sent: only what recognises it is kept (its key and target), not what it said."""
    return replace(message, sent=now, last_error=None, body="", payload={})


def add(outbox: Outbox, messages: list[Outgoing], now: datetime) -> Outbox:
    """``messages`` queued, except those queued before (a message is never sent twice);
    sent messages older than ``KEEP_SENT`` forgotten."""
    kept = [m for m in outbox.messages if m.sent is None or now - m.sent < KEEP_SENT]
    known = {m.ident for m in outbox.messages}
    fresh = [m for m in messages if m.ident not in known]
    return replace(outbox, messages=(*kept, *fresh))


def expire(
    outbox: Outbox, now: datetime, give_up: timedelta, targets: set[tuple[str, str]]
) -> tuple[Outbox, list[Outgoing]]:
    """Unsent messages dropped, and returned: those queued ``give_up`` ago or earlier (a
    target dead that long would only receive stale news, and the outbox would grow run
    after run) and those for a target no longer configured (subscription, URL)."""
    dropped = [
        m
        for m in outbox.messages
        if m.sent is None and (now - m.created >= give_up or (m.subscription, m.url) not in targets)
    ]
    if not dropped:
        return outbox, []
    gone = {m.ident for m in dropped}
    kept = tuple(m for m in outbox.messages if m.ident not in gone)
    return replace(outbox, messages=kept), dropped


def mark(ledger: Ledger[Outbox], done: Outgoing) -> None:
    """Write back one message's new state (sent, or failed with its next try)."""

    def change(outbox: Outbox) -> Outbox:
        messages = tuple(done if m.ident == done.ident else m for m in outbox.messages)
        return replace(outbox, messages=messages)

    ledger.update(change)


def failed(message: Outgoing, error: str, now: datetime, backoff: float) -> Outgoing:
    """Tried again after ``backoff`` seconds, doubling with each failure, at most a day."""
    wait = min(backoff * 2**message.attempts, MAX_BACKOFF)
    return replace(
        message,
        attempts=message.attempts + 1,
        next_try=now + timedelta(seconds=wait),
        last_error=error,
    )


# -- sending --------------------------------------------------------------------------------

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_STRUCTURED = ("json", "jsons")  # Apprise's JSON webhook schemas: get the payload
_KEYED = ("json", "jsons", "form", "forms", "xml", "xmls")  # take an Idempotency-Key header


def expand(url: str) -> str:
    """``${NAME}`` replaced by the environment variable, so secrets stay out of config.toml."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise NotifyError(f"${{{name}}} is not set in the environment")
        return os.environ[name]

    return _ENV.sub(value, url)


class _Answers(logging.Handler):
    """What Apprise logged while sending, per thread: what each target answered."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: dict[int, list[str]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.setdefault(record.thread or 0, []).append(record.getMessage())


_ANSWERS = _Answers()
_HOOKED = threading.Lock()


def _listen() -> None:
    with _HOOKED:
        apprise_log = logging.getLogger("apprise")
        if _ANSWERS not in apprise_log.handlers:
            apprise_log.addHandler(_ANSWERS)
            apprise_log.setLevel(logging.INFO)
            apprise_log.propagate = False  # its lines are reported as answers, not logged twice


def send(url: str, message: Outgoing, timeout: float) -> str:
    """Send one message; what the target answered, or ``NotifyError`` saying why not."""
    import apprise

    _listen()
    target: Any = apprise.Apprise.instantiate(expand(url))
    if target is None:
        raise NotifyError("not an Apprise URL Apprise can send to")
    target.socket_connect_timeout = target.socket_read_timeout = timeout
    schema = url.split("://", 1)[0].lower()
    if schema in _KEYED:
        target.headers["Idempotency-Key"] = message.key
        target.payload_extras["idempotency_key"] = message.key
    body = message.body
    if schema in _STRUCTURED:  # the documented payload in place of prose
        target.payload_extras.update({**message.payload, "message": "", "attachments": ""})
        body = message.title
    me = threading.get_ident()
    _ANSWERS.lines.pop(me, None)
    try:
        ok = target.notify(body=body, title=message.title)
    except Exception as exc:  # a plugin's own failure: this target's problem, not the run's
        raise NotifyError(_redacted(f"{type(exc).__name__}: {exc}", url)) from exc
    said = "; ".join(_ANSWERS.lines.pop(me, [])) or ("sent" if ok else "not sent")
    if not ok:
        raise NotifyError(_redacted(said, url))
    return _redacted(said, url)


def _redacted(text: str, url: str) -> str:
    """``text`` without the secrets ``url`` takes from the environment: what a target
    answered is printed and kept in the outbox, a token never is."""
    for name in _ENV.findall(url):
        secret = os.environ.get(name, "")
        if len(secret) >= 4:
            text = text.replace(secret, f"${{{name}}}")
    return text


def shown(url: str) -> str:
    """A target as it may be printed: Apprise's own private form, secrets starred."""
    import apprise

    try:
        target = apprise.Apprise.instantiate(expand(url))
    except NotifyError:
        target = None
    if target is None:
        return f"{url.split('://', 1)[0]}://…"
    return str(target.url(privacy=True)).split("?", 1)[0]  # its settings are noise here
