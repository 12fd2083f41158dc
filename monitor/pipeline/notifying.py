"""``[[notify]]`` subscriptions at work: what a fetch, a backfill or a weekly report has to
say, filtered per subscription, queued in the outbox, then sent to every target.

Targets are sent to at once, one thread each, each bounded by ``alerts.timeout``: a target
that fails or hangs delays only its own messages, which stay queued and are retried on the
next runs (with backoff) until it answers; then it gets each exactly once, in order.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from monitor.config import Config
from monitor.core.countries import identify
from monitor.core.periods import Clock, CountryHistory, Event, Period
from monitor.core.snapshot import Outcome
from monitor.core.subscriptions import Notice, Subscription, Topic, select, subscribe
from monitor.edges import notify
from monitor.edges.notify import NotifyError, Outbox, Outgoing, notify_outbox
from monitor.edges.state import Ledger
from monitor.edges.store import Store
from monitor.pipeline.history import all_histories, states
from monitor.render.feed import FeedItem, feed_item
from monitor.render.notifications import message

if TYPE_CHECKING:  # fetching imports httpx: only what fetches pays for importing it
    from monitor.pipeline.fetching import FetchResult

log = logging.getLogger("monitor")


@dataclass(frozen=True)
class Delivery:
    """What one target answered to one message."""

    subscription: str
    url: str  # as configured (``${ENV}`` unexpanded)
    title: str
    key: str
    ok: bool
    answer: str


def idempotency_key(notice: Notice, subscription: str) -> str:
    """The same for the same news to the same subscription, however often it is sent."""
    text = "\0".join((notice.slug, notice.refs, subscription))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _notice(event: Event, iso2: str | None, iso3: str | None) -> Notice:
    comparison = event.comparison
    return Notice(
        event.slug,
        event.country,
        iso2,
        iso3,
        "new" if comparison is None else "change",
        old_ref=comparison.old.ref if comparison else None,
        new_ref=event.ref,
        changes=comparison.changes if comparison else (),
        seen_at=event.seen_at,
    )


def stored_notices(store: Store, stored: Mapping[str, Iterable[str]]) -> list[Notice]:
    """The news in the versions a run stored (slug → refs): each against the one before it;
    versions stored as history (older than what was known) are no news."""
    out = []
    for history in all_histories(store, [slug for slug, refs in stored.items() if refs]):
        wanted = set(stored[history.slug])
        out += _grouped([_notice(e, *_codes(history)) for e in history.news if e.ref in wanted])
    return out


def period_notices(store: Store, period: Period) -> list[Notice]:
    """The news first seen in a period: what a weekly digest subscription gets."""
    out = []
    for history in all_histories(store):
        news = [e for e in history.news if period.contains(e.seen_at)]
        out += _grouped([_notice(e, *_codes(history)) for e in news])
    return out


def _codes(history: CountryHistory) -> tuple[str | None, str | None]:
    """A country's ISO codes, as its newest profile gives them."""
    if not history.snapshots:
        return None, None
    profile = history.snapshots[-1].profile
    return profile.iso2, profile.iso3


def _grouped(notices: list[Notice]) -> list[Notice]:
    """One country's notices of one run (a backfill stores several versions) or one week as
    one: from the first version compared to the last, every change in order."""
    if len(notices) < 2:
        return notices
    first, last = notices[0], notices[-1]
    changes = tuple(c for n in notices for c in n.changes)
    topic: Topic = "change" if changes else "new"
    return [replace(last, topic=topic, old_ref=first.old_ref, changes=changes)]


def source_notices(config: Config, store: Store, outbox: Outbox, now: datetime) -> list[Notice]:
    """Failing sources (after ``alerts.failures`` checks in a row), recovered ones and stale
    ones (no successful check for ``alerts.stale_days``), each once: the outbox remembers
    what was announced (``remember`` writes it with the messages)."""
    alerts = config.alerts
    out = []
    stale_before = now - timedelta(days=alerts.stale_days)
    configured = {identify(source.country).slug for source in config.sources}
    for slug, state in states(store):
        if slug not in configured:  # a source no longer watched is no news
            continue
        base = Notice(slug, state.country or slug, state.iso2, state.iso3, "error")
        since = state.failing_since.isoformat() if state.failing_since else ""
        if state.consecutive_failures >= alerts.failures and slug not in outbox.failing:
            detail = f"{state.consecutive_failures} failed checks in a row since {since}"
            out.append(replace(base, detail=f"{detail}: {state.last_error}", seen_at=now))
        elif state.consecutive_failures == 0 and slug in outbox.failing:
            checked = state.last_success.isoformat() if state.last_success else "now"
            out.append(replace(base, topic="recovered", detail=f"checked {checked}", seen_at=now))
        success = state.last_success
        if success is not None and success < stale_before and slug not in outbox.stale:
            days = (now - success).days
            detail = f"{days} days (last success {success.isoformat()})"
            out.append(replace(base, topic="stale", detail=detail, seen_at=now))
    return out


def remember(
    outbox: Outbox, notices: Sequence[Notice], store: Store, fresh_since: datetime
) -> Outbox:
    """The announcement state after ``notices``. A stale source checked since is forgotten,
    so that it is announced again should it go stale again."""
    failing, stale = set(outbox.failing), set(outbox.stale)
    for n in notices:
        if n.topic == "error":
            failing.add(n.slug)
        elif n.topic == "recovered":
            failing.discard(n.slug)
        elif n.topic == "stale":
            stale.add(n.slug)
    for slug, state in states(store):
        if slug in stale and state.last_success and state.last_success >= fresh_since:
            stale.discard(slug)
    return replace(outbox, failing=tuple(sorted(failing)), stale=tuple(sorted(stale)))


def messages(
    config: Config, notices: Sequence[Notice], when: str, now: datetime
) -> list[tuple[Subscription, Outgoing]]:
    """Each notice as each subscription of ``when`` sees it, one message per target."""
    out = []
    for subscription in (s for s in config.notify if s.when == when):
        for notice in notices:
            chosen = select(subscription, notice)
            if chosen is None:
                continue
            key = idempotency_key(chosen, subscription.name)
            said = message(chosen, subscription.name, key, config.reports.base_url)
            for url in subscription.urls:
                queued = Outgoing(
                    key, subscription.name, url, said.title, said.body, said.payload, now
                )
                out.append((subscription, queued))
    return out


def announce(
    config: Config, store: Store, notices: Sequence[Notice], when: str, clock: Clock
) -> list[Delivery]:
    """Queue what ``notices`` (and the sources' trouble) mean for the ``when`` subscriptions,
    then send everything due. Queued before anything is sent: a crash loses nothing."""
    if not config.notify:
        return []
    now = clock()
    ledger = notify_outbox(config.storage.snapshots)
    fresh_since = now - timedelta(days=config.alerts.stale_days)

    def queue(outbox: Outbox) -> Outbox:
        found = list(notices)
        if when == "change":
            found += source_notices(config, store, outbox, now)
        queued = [m for _, m in messages(config, found, when, now)]
        return remember(notify.add(outbox, queued, now), found, store, fresh_since)

    ledger.update(queue)
    return deliver(config, clock)


def deliver(config: Config, clock: Clock) -> list[Delivery]:
    """Send every message that is due, each target in its own thread, in queue order.

    Threads, because a target that hangs must not hold the others up: with one of five
    hanging (timeout 1 s), the four others had their 20 messages in 0.2 s, against 1.05 s
    one target after another (``benchmarks/bench_notify.py``)."""
    with notify.sending(config.storage.snapshots) as mine:
        if not mine:
            log.info("notify: another monitor process is sending; it sends what is due")
            return []
        return _deliver(config, clock)


def _deliver(config: Config, clock: Clock) -> list[Delivery]:
    ledger = notify_outbox(config.storage.snapshots)
    now = clock()
    due = _give_up(config, ledger, now).pending(now)
    by_target: dict[str, list[Outgoing]] = {}
    for queued in due:
        by_target.setdefault(queued.url, []).append(queued)
    if not by_target:
        return []

    def run(queue: list[Outgoing]) -> list[Delivery]:
        done = []
        for queued in queue:
            delivery = _send(config, ledger, queued, clock)
            done.append(delivery)
            if not delivery.ok:  # the rest wait for the next run, in order
                break
        return done

    with ThreadPoolExecutor(max_workers=min(16, len(by_target))) as pool:
        results = list(pool.map(run, by_target.values()))
    done = [d for batch in results for d in batch]
    sent = sum(d.ok for d in done)
    if done:
        log.info("notify: %d sent, %d to retry next run", sent, len(due) - sent)
    return done


def _give_up(config: Config, ledger: Ledger[Outbox], now: datetime) -> Outbox:
    """Drop what ``alerts.give_up_days`` of retries did not deliver, and what is queued for
    a target no longer configured: one warning per target, naming its last error. The
    outbox as it is now."""
    targets = {(s.name, url) for s in config.notify for url in s.urls}
    give_up = timedelta(days=config.alerts.give_up_days)
    dropped: list[Outgoing] = []

    def change(outbox: Outbox) -> Outbox:
        kept, gone = notify.expire(outbox, now, give_up, targets)
        dropped[:] = gone
        return kept

    outbox = ledger.update(change)
    by_target: dict[tuple[str, str], list[Outgoing]] = {}
    for old in dropped:
        by_target.setdefault((old.subscription, old.url), []).append(old)
    for (subscription, url), lost in by_target.items():
        why = (
            f"not delivered in {config.alerts.give_up_days} days (last error: "
            f"{lost[-1].last_error or 'none'})"
            if (subscription, url) in targets
            else "the target is no longer configured"
        )
        log.warning(
            "notify: %s: %s: %d message(s) dropped: %s",
            subscription,
            notify.shown(url),
            len(lost),
            why,
        )
    return outbox


def _send(config: Config, ledger: Ledger[Outbox], queued: Outgoing, clock: Clock) -> Delivery:
    try:
        answer = notify.send(queued.url, queued, config.alerts.timeout)
    except NotifyError as exc:
        notify.mark(ledger, notify.failed(queued, str(exc), clock(), config.alerts.backoff))
        log.warning("notify: %s: %s: %s", queued.subscription, notify.shown(queued.url), exc)
        return Delivery(queued.subscription, queued.url, queued.title, queued.key, False, str(exc))
    notify.mark(ledger, notify.delivered(queued, clock()))
    return Delivery(queued.subscription, queued.url, queued.title, queued.key, True, answer)


def stored_by(results: Iterable[FetchResult]) -> dict[str, list[str]]:
    """What a fetch run stored: slug → the refs of its new versions and revisions."""
    stored: dict[str, list[str]] = {}
    for result in results:
        if result.ref and result.outcome in (Outcome.NEW, Outcome.REVISED):
            stored.setdefault(result.slug, []).append(result.ref)
    return stored


def after_fetch(
    config: Config, store: Store, stored: dict[str, list[str]], clock: Clock
) -> list[Delivery]:
    """What a fetch or backfill stored (slug → refs), to the ``when = "change"``
    subscriptions, with the sources' trouble; logs one line per target that failed."""
    if not config.notify:
        return []
    notices = stored_notices(store, stored)
    notify_outbox(config.storage.snapshots).update(lambda o: replace(o, last_run=stored))
    return announce(config, store, notices, "change", clock)


def after_report(config: Config, store: Store, period: Period, clock: Clock) -> list[Delivery]:
    """A period's news to the ``when = "digest"`` subscriptions."""
    if not any(s.when == "digest" for s in config.notify):
        return deliver(config, clock) if config.notify else []
    return announce(config, store, period_notices(store, period), "digest", clock)


def chosen_feed(histories: Iterable[CountryHistory], subscription: Subscription) -> list[FeedItem]:
    """The feed entries a subscription (or a query) selects: each change event with only
    the changes it chose, titled by what changed."""
    items = []
    for history in histories:
        # cached histories hold no snapshot to read the codes from: the name gives them
        country = identify(history.country)
        for event in history.events:
            if event.comparison is None or event.history:
                continue
            chosen = select(subscription, _notice(event, country.iso2, country.iso3))
            if chosen is not None:
                comparison = replace(event.comparison, changes=chosen.changes)
                items.append(feed_item(replace(event, comparison=comparison)))
    return items


def query(countries: Sequence[str], fields: Sequence[str], kinds: Sequence[str]) -> Subscription:
    """A subscription made of a feed's query (``?country=KE&field=national_cirt``);
    ``ValueError`` naming a country, region or kind that is none."""
    return subscribe("query", (), countries, fields, kinds)


def sample(now: datetime) -> Notice:
    """What ``monitor notify --test`` sends: a made-up change, marked as a test."""
    from monitor.core.diff import Change

    change = Change(
        "Indicators › national CIRT",
        "changed",
        False,
        True,
        "indicators",
        "national_cirt",
        "no → yes: test message from the Cyberwellness Monitor",
    )
    return Notice(
        "test", "Test", None, None, "change", "test-old", "test-new", (change,), seen_at=now
    )


def test_targets(config: Config, name: str | None, clock: Clock) -> list[Delivery]:
    """One sample message to each target of each subscription (or the one named), sent now
    and never queued; what each answered."""
    chosen = [s for s in config.notify if name is None or s.name == name]
    if name is not None and not chosen:
        from monitor.errors import ConfigError

        known = ", ".join(s.name for s in config.notify) or "none"
        raise ConfigError(f"{name}: no such [[notify]] subscription (configured: {known})")
    now = clock()
    jobs = []
    for subscription in chosen:
        notice = sample(now)
        key = idempotency_key(replace(notice, new_ref=now.isoformat()), subscription.name)
        said = message(notice, subscription.name, key, config.reports.base_url)
        for url in subscription.urls:
            jobs.append(
                Outgoing(key, subscription.name, url, said.title, said.body, said.payload, now)
            )

    def one(queued: Outgoing) -> Delivery:
        try:
            answer, ok = notify.send(queued.url, queued, config.alerts.timeout), True
        except NotifyError as exc:
            answer, ok = str(exc), False
        return Delivery(queued.subscription, queued.url, queued.title, queued.key, ok, answer)

    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=min(16, len(jobs))) as pool:
        return list(pool.map(one, jobs))


def dry_run(config: Config, store: Store, clock: Clock) -> list[tuple[str, Outgoing]]:
    """What the last fetch or backfill would send to the ``change`` subscriptions as they are
    configured now (nothing is queued or sent)."""
    stored = notify_outbox(config.storage.snapshots).read(repair=False).last_run
    notices = stored_notices(store, stored)
    return [(s.name, m) for s, m in messages(config, notices, "change", clock())]
