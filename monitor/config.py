"""config.toml → typed, validated settings.

Every key is checked: an unknown key or a wrong type is a ``ConfigError`` naming the key and
the file, so a typo never silently falls back to a default. Relative storage paths are
relative to the config file's folder. Secrets are never read from here: the SMTP password
comes from the environment variable that ``email.password_env`` names.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from monitor.core.limits import Limits
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

    from monitor.core.subscriptions import Subscription

ENV_VAR = "MONITOR_CONFIG"


@dataclass(frozen=True)
class StorageConfig:
    snapshots: Path = Path("snapshots")
    reports: Path = Path("reports")


@dataclass(frozen=True)
class FetchConfig:
    concurrency: int = 8
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0  # seconds before the first retry; doubles each time, with jitter
    max_bytes: int = 20_000_000
    user_agent: str = "cyberwellness-monitor/0.1 (+https://github.com/cyberwellness-monitor)"
    lock_timeout: float = 300.0  # how long a run waits for another process's store lock
    deadline: float = 300.0  # seconds for one whole download, retries included


@dataclass(frozen=True)
class ScheduleConfig:
    fetch: str = "0 6 * * *"
    report: str = "0 7 * * mon"
    timezone: str = "UTC"
    misfire_grace_time: int = 6 * 3600


@dataclass(frozen=True)
class EmailConfig:
    enabled: bool = False
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    username: str = ""
    password_env: str = "MONITOR_SMTP_PASSWORD"
    sender: str = "monitor@example.org"
    to: tuple[str, ...] = ("analyst@example.org",)
    when: str = "changes"  # "changes" or "always"
    timeout: float = 30.0

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass(frozen=True)
class ArchiveConfig:
    """A web archive to rebuild history from (``monitor backfill``).

    The defaults are 80 % of the Internet Archive's limits per address, as its staff asked
    of EDGI's ``wayback`` client: 30 CDX or TimeMap requests a minute (24 here) and 600
    playbacks (480 here). It firewalls a client that keeps asking after a 429."""

    url: str = "https://web.archive.org"
    kind: str = "wayback"  # "wayback": CDX API with digests; "memento": RFC 7089 TimeMaps
    lists_per_minute: float = 24.0  # CDX or TimeMap requests
    downloads_per_minute: float = 480.0  # captures downloaded (played back)
    wait_429: float = 60.0  # seconds to back off after a 429 (at least 60)
    timeout: float = 60.0  # seconds; archive listings can be slow


@dataclass(frozen=True)
class ReportsConfig:
    base_url: str = ""  # where reports/ is published: absolute links in the email and feed
    feed_weeks: int = 12  # the Atom feed holds the changes seen in this many recent weeks


@dataclass(frozen=True)
class ServeConfig:
    """The HTTP service (``monitor serve``, ``daemon --serve``), and what one client may cost.

    ``base_url`` is the one public address of the pages (``reports.base_url`` is the same
    setting): links are made from it, never from a request's ``Host``; without it, relative.
    The limits bound one hostile client: the whole request head (line and headers) in
    bytes and in headers, the seconds a connection may take to send it, and the
    connections held at once (past that, new ones are closed at once)."""

    base_url: str = ""
    allowed_hosts: tuple[str, ...] = ()  # Host headers accepted, when set (TrustedHost)
    max_header_bytes: int = 8192
    max_headers: int = 100
    header_timeout: float = 10.0
    max_connections: int = 256


@dataclass(frozen=True)
class AlertsConfig:
    """How ``[[notify]]`` subscriptions are delivered, and when a source's trouble is news."""

    failures: int = 3  # failed checks in a row before a source is announced as failing
    stale_days: int = 30  # days without a successful check before it is announced as stale
    timeout: float = 10.0  # seconds each target may take to answer
    backoff: float = 300.0  # seconds before a failed message is retried (doubles, to a day)
    give_up_days: int = 7  # days a message is retried before it is dropped, with a warning


@dataclass(frozen=True)
class SourceConfig:
    country: str
    url: str


@dataclass(frozen=True)
class Config:
    path: Path | None
    storage: StorageConfig = field(default_factory=StorageConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    reports: ReportsConfig = field(default_factory=ReportsConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    sources: tuple[SourceConfig, ...] = ()
    extract: Limits = field(default_factory=Limits)  # [extract]: the work one document may cost
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)
    url_template: str | None = None  # sources.url_template, for `monitor backfill --discover`
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    notify: tuple[Subscription, ...] = ()  # [[notify]] tables

    def trigger(self, job: str) -> CronTrigger:
        """The APScheduler trigger of ``[schedule] <job>``; a bad expression is a
        ``ConfigError`` naming the file and the key."""
        where = f"{self.path or 'config'}: schedule.{job}"
        return cron_trigger(getattr(self.schedule, job), self.schedule.timezone, where)


def cron_trigger(expression: str, timezone: str, where: str) -> CronTrigger:
    """Five fields as in crontab, or six with seconds first (handy for tests and demos).

    APScheduler is imported here, not at start-up: only the commands that schedule pay
    for importing it."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expression.split()
    try:
        if len(fields) == 5:
            return CronTrigger.from_crontab(expression, timezone=timezone)
        if len(fields) == 6:
            second, minute, hour, day, month, day_of_week = fields
            return CronTrigger(
                second=second,
                minute=minute,
                hour=hour,
                day=day,
                month=month,
                day_of_week=day_of_week,
                timezone=timezone,
            )
    except (ValueError, KeyError, LookupError) as exc:
        raise ConfigError(
            f"{where}: {expression!r} is not a valid cron expression ({exc})"
        ) from exc
    raise ConfigError(f"{where}: {expression!r} needs 5 fields (or 6, with seconds first)")


_TYPES: dict[type, tuple[type, ...]] = {
    int: (int,),
    float: (int, float),
    str: (str,),
    bool: (bool,),
    Path: (str,),
}


def _section(cls: type, data: Any, where: str, renames: dict[str, str] | None = None) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a table")
    renames = renames or {}
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in data.items():
        name = renames.get(key, key)
        if name not in known or key in renames.values():
            raise ConfigError(f"{where}.{key}: unknown key")
        expected = known[name].type
        values[name] = _check(value, expected, f"{where}.{key}")
    required = [
        f.name
        for f in known.values()
        if f.default is MISSING and f.default_factory is MISSING and f.name not in values
    ]
    if required:
        key = {v: k for k, v in renames.items()}.get(required[0], required[0])
        raise ConfigError(f"{where}.{key}: missing (it has no default)")
    return cls(**values)


def _check(value: Any, expected: Any, where: str) -> Any:
    kinds = {
        "int": int,
        "float": float,
        "str": str,
        "bool": bool,
        "Path": Path,
        "tuple[str, ...]": tuple,
    }
    kind: Any = kinds[expected if isinstance(expected, str) else expected.__name__]
    if kind is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: must be a list of strings, not {value!r}")
        return tuple(value)
    allowed = _TYPES[kind]
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, allowed):
        raise ConfigError(f"{where}: must be {kind.__name__ if kind is not Path else 'a path'}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number):  # TOML has nan and inf
            raise ConfigError(f"{where}: must be a finite number, not {value}")
        if number < 0:
            raise ConfigError(f"{where}: must not be negative")
    return kind(value)


def _sources(data: Any, where: str) -> tuple[SourceConfig, ...]:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a table")
    unknown = set(data) - {"url_template", "countries", "extra"}
    if unknown:
        raise ConfigError(f"{where}.{sorted(unknown)[0]}: unknown key")
    template = data.get("url_template")
    countries = data.get("countries", [])
    if not isinstance(countries, list) or not all(isinstance(c, str) for c in countries):
        raise ConfigError(f"{where}.countries: must be a list of country names")
    if countries and not isinstance(template, str):
        raise ConfigError(f"{where}.url_template: needed for sources.countries")
    if isinstance(template, str) and "{name}" not in template:
        raise ConfigError(f"{where}.url_template: must contain {{name}}")
    try:
        out = [SourceConfig(c, str(template).format(name=c.replace(" ", "_"))) for c in countries]
    except (IndexError, KeyError, ValueError) as exc:
        raise ConfigError(
            f"{where}.url_template: only {{name}} may stand in braces ({type(exc).__name__}: {exc})"
        ) from exc
    extra = data.get("extra", [])
    if not isinstance(extra, list):
        raise ConfigError(f"{where}.extra: must be a list of tables ([[sources.extra]])")
    for index, entry in enumerate(extra):
        out.append(_section(SourceConfig, entry, f"{where}.extra[{index}]"))
    for source in out:
        if not source.url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}: {source.country}: url must be http(s), not {source.url}")
    names = [f"countries[{i}]" for i in range(len(countries))]
    names += [f"extra[{i}]" for i in range(len(extra))]
    _one_source_per_country(out, names, where)
    return tuple(out)


def _one_source_per_country(sources: list[SourceConfig], names: list[str], where: str) -> None:
    """Every source names a real country, and no two name the same one: two sources of one
    country would share one history, each fetch adding a bogus revision."""
    from monitor.core.countries import identify, suggest

    seen: dict[str, str] = {}
    for source, name in zip(sources, names, strict=True):
        country = identify(source.country)
        entry = f"{where}.{name} {source.country!r}"
        if country.iso2 is None:
            import pycountry

            close = suggest(source.country, [c.name for c in pycountry.countries])
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ConfigError(f"{entry}: no such country in ISO 3166{hint}")
        if country.iso2 in seen:
            raise ConfigError(
                f"{seen[country.iso2]} and {entry} are both {country.name} ({country.iso2}); "
                "keep one source per country"
            )
        seen[country.iso2] = entry


def _template(sources: dict[str, Any]) -> str | None:
    template = sources.get("url_template")
    return template if isinstance(template, str) and "{name}" in template else None


def _archive(data: Any, where: str) -> ArchiveConfig:
    archive = _section(ArchiveConfig, data, where)
    if archive.kind not in ("wayback", "memento"):
        raise ConfigError(f'{where}.kind: must be "wayback" or "memento", not {archive.kind!r}')
    if not archive.url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}.url: must be http(s), not {archive.url!r}")
    for key in ("lists_per_minute", "downloads_per_minute"):
        if getattr(archive, key) <= 0:
            raise ConfigError(f"{where}.{key}: must be more than 0")
    if archive.wait_429 < 60:
        raise ConfigError(
            f"{where}.wait_429: must be at least 60 (seconds), or the archive blocks the client"
        )
    if archive.timeout <= 0:
        raise ConfigError(f"{where}.timeout: must be more than 0")
    return replace(archive, url=archive.url.rstrip("/"))


def _serve(data: Any, reports_base: str, name: str) -> ServeConfig:
    """``[serve]``, with ``reports.base_url`` as the same setting (older configs set it
    there): the files and the service link to one public address."""
    serve = _section(ServeConfig, data, f"{name}: serve")
    bases = {b.rstrip("/") + "/" for b in (serve.base_url, reports_base) if b}
    if len(bases) > 1:
        raise ConfigError(
            f"{name}: serve.base_url and reports.base_url differ; they are one setting, keep one"
        )
    base = bases.pop() if bases else ""
    key = "serve.base_url" if serve.base_url else "reports.base_url"
    if base:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{name}: {key}: must be an http(s) URL")
        if parts.username or parts.password:
            raise ConfigError(f"{name}: {key}: must not hold a user name or password")
    for host in serve.allowed_hosts:
        if not host or any(c in host for c in "/ @"):
            raise ConfigError(f"{name}: serve.allowed_hosts: {host!r} is not a host name")
    if serve.max_header_bytes < 1024 or serve.max_headers < 8 or serve.max_connections < 1:
        raise ConfigError(
            f"{name}: serve: max_header_bytes must be at least 1024, max_headers at least 8, "
            "max_connections at least 1"
        )
    if serve.header_timeout <= 0:
        raise ConfigError(f"{name}: serve.header_timeout: must be more than 0")
    return replace(serve, base_url=base)


_NOTIFY_KEYS = ("name", "urls", "countries", "fields", "kinds", "when")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # also a feed's file name


def _strings(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}.{key}: must be a list of strings, not {value!r}")
    return tuple(value)


def _subscription(entry: Any, where: str) -> Subscription:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table ([[notify]])")
    for key in entry:
        if key not in _NOTIFY_KEYS:
            raise ConfigError(f"{where}.{key}: unknown key")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            f"{where}.name: must be lower-case letters, digits, '-' or '_' (it names a feed "
            f"file), not {name!r}"
        )
    urls = _strings(entry, "urls", where)
    if not urls:
        raise ConfigError(f"{where}.urls: needs at least one Apprise URL")
    when = entry.get("when", "change")
    if not isinstance(when, str):
        raise ConfigError(f"{where}.when: must be a string")
    from monitor.core.subscriptions import subscribe  # only a config that has [[notify]]

    try:
        return subscribe(
            name,
            urls,
            _strings(entry, "countries", where),
            _strings(entry, "fields", where),
            _strings(entry, "kinds", where),
            when,
        )
    except ValueError as exc:
        raise ConfigError(f"{where}.{exc}") from exc


def _notify(data: Any, where: str) -> tuple[Subscription, ...]:
    if not isinstance(data, list):
        raise ConfigError(f"{where}: must be a list of tables ([[notify]])")
    out = tuple(_subscription(entry, f"{where}[{i}]") for i, entry in enumerate(data))
    names = [s.name for s in out]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{where}: two subscriptions are named {name!r}")
    return out


def _alerts(data: Any, where: str) -> AlertsConfig:
    alerts = _section(AlertsConfig, data, where)
    if min(alerts.failures, alerts.stale_days, alerts.give_up_days) < 1 or alerts.timeout <= 0:
        raise ConfigError(
            f"{where}: failures, stale_days and give_up_days must be at least 1, "
            "timeout more than 0"
        )
    return alerts


def find_config(explicit: Path | None) -> Path | None:
    """--config, then $MONITOR_CONFIG, then ./config.toml; None when there is none."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: no such config file")
        return explicit
    env = os.environ.get(ENV_VAR)
    if env:
        if not Path(env).is_file():
            raise ConfigError(f"{env}: no such config file (from ${ENV_VAR})")
        return Path(env)
    local = Path("config.toml")
    if local.is_file():
        return local
    return None


def load_config(explicit: Path | None = None) -> Config:
    path = find_config(explicit)
    if path is None:
        return Config(path=None)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    return parse_config(data, path)


def parse_config(data: dict[str, Any], path: Path | None) -> Config:
    name = str(path) if path else "config"
    unknown = set(data) - {
        "storage",
        "fetch",
        "schedule",
        "email",
        "reports",
        "sources",
        "extract",
        "archive",
        "serve",
        "alerts",
        "notify",
    }
    if unknown:
        raise ConfigError(f"{name}: [{sorted(unknown)[0]}]: unknown section")
    storage = _section(StorageConfig, data.get("storage", {}), f"{name}: storage")
    base = path.parent if path else Path(".")
    storage = StorageConfig(
        snapshots=base / storage.snapshots
        if not storage.snapshots.is_absolute()
        else storage.snapshots,
        reports=base / storage.reports if not storage.reports.is_absolute() else storage.reports,
    )
    fetch = _section(FetchConfig, data.get("fetch", {}), f"{name}: fetch")
    if fetch.concurrency < 1:
        raise ConfigError(f"{name}: fetch.concurrency: must be at least 1")
    email = _section(EmailConfig, data.get("email", {}), f"{name}: email", {"from": "sender"})
    if email.when not in ("changes", "always"):
        raise ConfigError(f'{name}: email.when: must be "changes" or "always"')
    for key, value in (("from", email.sender), *(("to", address) for address in email.to)):
        if any(c in value for c in "\r\n") or "@" not in value:
            raise ConfigError(f"{name}: email.{key}: {value!r} is not one e-mail address")
    if not email.to:
        raise ConfigError(f"{name}: email.to: needs at least one address")
    extract = _section(Limits, data.get("extract", {}), f"{name}: extract")
    if extract.max_pages < 1 or extract.max_chars < 1 or extract.max_memory_mb < 100:
        raise ConfigError(
            f"{name}: extract: max_pages and max_chars must be at least 1, "
            "max_memory_mb at least 100"
        )
    reports = _section(ReportsConfig, data.get("reports", {}), f"{name}: reports")
    if reports.feed_weeks < 1:
        raise ConfigError(f"{name}: reports.feed_weeks: must be at least 1")
    serve = _serve(data.get("serve", {}), reports.base_url, name)
    reports = replace(reports, base_url=serve.base_url)
    return Config(
        path=path,
        archive=_archive(data.get("archive", {}), f"{name}: archive"),
        storage=storage,
        fetch=fetch,
        schedule=_section(ScheduleConfig, data.get("schedule", {}), f"{name}: schedule"),
        email=email,
        reports=reports,
        serve=serve,
        sources=_sources(data.get("sources", {}), f"{name}: sources"),
        extract=extract,
        url_template=_template(data.get("sources", {})),
        alerts=_alerts(data.get("alerts", {}), f"{name}: alerts"),
        notify=_notify(data.get("notify", []), f"{name}: notify"),
    )
