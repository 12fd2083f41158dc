"""The ASGI app behind ``monitor serve`` (Starlette): routes → pipeline → render.

Read-only: every route is GET (and so HEAD); nothing here writes. A country or a ref is
looked up in the store's own listing, never turned into a path, and never read as a local
file (``monitor diff`` reads files; the service does not). The pages keep the relative links
of ``reports/``, so they are served at the same places (``/countries/iraq.html``,
``/2026-W47.html``, ``/feed.atom``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor import __version__
from monitor.config import Config
from monitor.core.jsonform import dumps
from monitor.core.periods import Clock, CountryHistory
from monitor.core.refs import Exactness, exactness, parse_period
from monitor.core.snapshot import Snapshot, SnapshotRef
from monitor.edges.index import Index
from monitor.edges.store import FileIdentity, Store
from monitor.errors import MonitorError, QuestionError, SnapshotNotFound
from monitor.pipeline import analysis, notifying, pages, views
from monitor.pipeline.documents import compare_snapshots, resolve_pair
from monitor.pipeline.history import country_history
from monitor.render import analysis as forms
from monitor.render.errorpage import error_html
from monitor.render.html import Filters, Neighbours, to_html
from monitor.render.json_forms import snapshot_data, to_json
from monitor.service.cache import Bounded, CachedStore
from monitor.service.guard import AccessLog, Hardened, PathGuard
from monitor.service.openapi import openapi

log = logging.getLogger("monitor")

JSON = "application/json"
HTML = "text/html; charset=utf-8"
IMMUTABLE = "public, max-age=31536000, immutable"  # only exact revisions: YYYY-MM-DD.rN
DATED = "public, max-age=86400"  # a date, month or year names its newest version: one may come
MOVING = "public, max-age=60"  # latest, previous, first, latest~N; and every page
_CACHE_CONTROL = {Exactness.REVISION: IMMUTABLE, Exactness.DATED: DATED, Exactness.MOVING: MOVING}
MAX_ARGUMENT = 100  # characters: a country or ref longer than this names nothing
_RENDER: dict[str, tuple[Callable[[Any], str], str]] = {
    "diff.json": (to_json, JSON),
    "diff.html": (to_html, HTML),
}


def cache_control(*refs: str) -> str:
    """How long an answer about these refs stays right."""
    return _CACHE_CONTROL[exactness(*refs)]


def etag(form: str, *snapshots: Snapshot) -> str:
    """A strong validator: the snapshots' content hashes and everything else the answer
    shows of them (ref, source), and the version of the code that renders it."""
    digest = hashlib.sha256(f"{__version__}\0{form}".encode())
    for snap in snapshots:
        source = dumps(asdict(snap.source), compact=True)
        digest.update(f"\0{snap.ref.slug}\0{snap.ref.name}\0{snap.content_sha256}\0".encode())
        digest.update(f"{snap.dated_by}\0{source}".encode())
    return f'"{digest.hexdigest()[:40]}"'


def not_modified(request: Request, tag: str) -> bool:
    wanted = request.headers.get("if-none-match")
    if not wanted:
        return False
    tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
    return "*" in tags or tag in tags


def checked(*arguments: str) -> None:
    """Refuse what could name nothing before any lookup (a country name or ref is short)."""
    for argument in arguments:
        if len(argument) > MAX_ARGUMENT or "\x00" in argument:
            raise SnapshotNotFound(f"no country or snapshot {argument[:40]!r}…")


class Service:
    """The routes, over one read-only, cached view of the store."""

    def __init__(self, config: Config, clock: Clock, cache_size: int = 2048) -> None:
        self.config, self.clock = config, clock
        self.store = CachedStore(config.storage.snapshots, size=cache_size)
        self.bodies: Bounded[str, bytes] = Bounded(512)
        self.tags: Bounded[tuple[str, FileIdentity, FileIdentity], str] = Bounded(cache_size)
        self.histories: Bounded[tuple[FileIdentity | None, ...], CountryHistory] = Bounded(512)
        self.wholes: Bounded[tuple[object, ...], str] = Bounded(16)
        self.search_index: Index | None = None
        self.searches: Bounded[tuple[int, str], bytes] = Bounded(256)
        self.index_lock = threading.Lock()  # one SQLite connection, one thread at a time

    def history(self, store: Store, slug: str) -> CountryHistory:
        """A country's history (every consecutive pair diffed), made again only when one of
        its snapshot files is added, replaced or removed."""
        key = tuple(self.store.identities(store.refs(slug)))
        return self.histories.get_or_make(key, lambda: country_history(store, slug))

    # -- pages -------------------------------------------------------------------------

    def whole(self, name: str, make: Callable[[], str]) -> str:
        """A page or listing built from the whole store: made again only when the store
        changed (``CachedStore.generation``) or the minute its timestamp shows has passed.
        It pays: on 200 countries, ``/api/countries`` takes 0.3 of its uncached time, the
        index, the overview and the feed 0.06 to 0.07 (benchmarks/bench_hostile.py)."""
        minute = self.clock().replace(second=0, microsecond=0)
        key = (name, minute, self.store.generation())
        return self.wholes.get_or_make(key, make)

    def index(self, request: Request) -> Response:
        return _page(
            self.whole("index", lambda: pages.index_page(self.store, self.clock(), self.history))
        )

    def overview(self, request: Request) -> Response:
        query = request.query_params
        filters = Filters(
            query.get("indicator", ""), query.get("value", ""), query.get("since", "")
        )
        return _page(
            self.whole(
                f"overview {filters}",
                lambda: pages.overview_page(self.store, self.clock(), self.history, filters),
            )
        )

    def world_map(self, request: Request) -> Response:
        query = request.query_params
        key, as_of = query.get("indicator"), query.get("as_of")
        checked(key or "", as_of or "")
        return _page(
            self.whole(
                f"map {key} {as_of}",
                lambda: pages.map_page(self.store, self.clock(), key, as_of, self.history),
            )
        )

    def country(self, request: Request) -> Response:
        country = request.path_params["country"].removesuffix(".html")
        checked(country)
        return _page(pages.country_page(self.store, country, self.clock(), self.history))

    def week(self, request: Request) -> Response:
        week = request.path_params["week"]
        checked(week)
        return _page(pages.digest_page(self.store, week, self.clock(), self.history))

    def week_alias(self, request: Request) -> Response:
        """``/weeks/2026-W47`` → ``/2026-W47.html``, where the digest's relative links work."""
        week = request.path_params["week"].removesuffix(".html")
        checked(week)
        if parse_period(week) is None:
            raise SnapshotNotFound(f"no week {week!r}: a week is named like 2026-W47")
        return RedirectResponse(f"/{week}.html", status_code=308)

    def diff_picked(self, request: Request) -> Response:
        """The country page's snapshot picker (a GET form) → the diff page of its choice."""
        country = request.path_params["country"]
        old, new = request.query_params.get("old", ""), request.query_params.get("new", "")
        checked(country, old, new)
        where = "/".join(quote(part, safe="") for part in (country, old, new))
        return RedirectResponse(f"/countries/{where.replace('/', '/diff/', 1)}", status_code=303)

    def feed(self, request: Request) -> Response:
        """The whole feed, or with ``?country=KE&field=national_cirt&kind=indicator`` (each
        repeatable; a country may be a region) only what that query selects. Links go to
        ``serve.base_url`` (relative without it), never to the request's host."""
        weeks, base = self.config.reports.feed_weeks, self.config.serve.base_url
        params = request.query_params
        if not any(k in params for k in ("country", "field", "kind")):
            body = self.whole(
                "feed", lambda: pages.feed(self.store, base, self.clock(), weeks, self.history)
            )
            return Response(body, media_type="application/atom+xml", headers=_moving())
        wanted = [params.getlist(k) for k in ("country", "field", "kind")]
        for value in (v for values in wanted for v in values):
            checked(value)
        try:
            subscription = notifying.query(*wanted)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        chosen = (subscription, f"feed.atom?{request.url.query}")
        body = pages.feed(self.store, base, self.clock(), weeks, self.history, chosen)
        return Response(body, media_type="application/atom+xml", headers=_moving())

    def diff_page(self, request: Request) -> Response:
        return self._diff(request, "diff.html")

    def search_page(self, request: Request) -> Response:
        query = request.query_params.get("q", "")
        checked_query(query)
        if not query.strip():
            return _page(forms.search_html("", None))
        try:
            answer = self._search(request, query)
        except QuestionError as exc:
            return _page(forms.search_html(query, None, str(exc)))
        return _page(forms.search_html(query, answer.hits))

    # -- the analyst's questions: exactly what the CLI's --format json prints ------------

    def _search(self, request: Request, query: str) -> analysis.SearchAnswer:
        params = request.query_params
        with self.index_lock:
            return analysis.search(
                self.store,
                query,
                params.getlist("country"),
                params.get("section"),
                params.get("from"),
                params.get("to"),
                index=self._index(),
            )

    def _index(self) -> Index:
        if self.search_index is None:
            self.search_index = Index(self.store)
        return self.search_index

    def api_search(self, request: Request) -> Response:
        """Answers are kept per query until the index changes: a search's cost is mostly
        rendering its JSON (about 4 ms for 200 hits, bench_search.py), a repeated one costs
        the check that the store has nothing new (one stat per country)."""
        query = request.query_params.get("q", "")
        checked_query(query)
        with self.index_lock:
            key = (self._index().fresh(), str(request.url.query))
        body = self.searches.get(key)
        if body is None:
            answer = self._search(request, query)
            body = self.searches.put(key, forms.search_json(answer.query, answer.hits).encode())
        return _answer(request, body)

    def api_changes(self, request: Request) -> Response:
        params = request.query_params
        rows = analysis.changes(
            self.store,
            params.getlist("field"),
            params.getlist("kind"),
            params.getlist("country"),
            params.get("from"),
            params.get("to"),
            params.get("seen_from"),
            params.get("seen_to"),
            params.get("from_value"),
            params.get("to_value"),
            history=self.history,
        ).rows
        return _answer(request, forms.changes_json(rows).encode())

    def api_compare(self, request: Request) -> Response:
        params = request.query_params
        names = [n for v in params.getlist("countries") for n in v.split(",") if n.strip()]
        checked(*names, params.get("at") or "")
        found = analysis.compare(self.store, names, params.get("at"))
        return _answer(request, forms.compare_json(found).encode())

    def api_overview(self, request: Request) -> Response:
        found = analysis.overview(self.store, self.history)
        return _answer(request, forms.overview_json(found).encode())

    # -- API ---------------------------------------------------------------------------

    def health(self, request: Request) -> Response:
        data = {"status": "ok", "version": __version__, "countries": len(self.store.countries())}
        return Response(dumps(data), media_type=JSON, headers={"Cache-Control": "no-store"})

    def countries(self, request: Request) -> Response:
        body = self.whole("countries", lambda: views.store_listing(self.store, "json"))
        return Response(body, media_type=JSON, headers=_moving())

    def country_snapshots(self, request: Request) -> Response:
        country = request.path_params["country"]
        checked(country)
        body = views.country_listing(self.store, country, "json")
        return Response(body, media_type=JSON, headers=_moving())

    def snapshot(self, request: Request) -> Response:
        country, ref = request.path_params["country"], request.path_params["ref"]
        checked(country, ref)
        snap = views.load_ref(self.store, country, ref)
        tag = etag("snapshot.json", snap)
        headers = {"ETag": tag, "Cache-Control": cache_control(ref)}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        return Response(dumps(snapshot_data(snap)), media_type=JSON, headers=headers)

    def diff(self, request: Request) -> Response:
        return self._diff(request, "diff.json")

    def openapi(self, request: Request) -> Response:
        return Response(dumps(openapi()), media_type=JSON, headers=_moving())

    def _diff(self, request: Request, form: str) -> Response:
        """A comparison of two stored versions: computed once per pair of snapshot files,
        then answered from memory (or with 304 to a client that has it)."""
        params = request.path_params
        country, old, new = params["country"], params["old"], params["new"]
        checked(country, old, new)
        slug, old_ref, new_ref = resolve_pair(self.store, country, old, new)
        (before, old_key), (after, new_key) = map(self.store.load_keyed, (old_ref, new_ref))
        one = old_ref.slug == new_ref.slug
        around = _neighbours(self.store, old_ref, new_ref) if form == "diff.html" and one else None
        form = form if one else f"{form}\0{slug}"
        shape = f"{form}\0{around}"  # the page links to the diffs around it
        tag = self.tags.get_or_make((shape, old_key, new_key), lambda: etag(shape, before, after))
        headers = {"ETag": tag, "Cache-Control": cache_control(old, new)}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        render, media_type = _RENDER[form.split("\0")[0]]
        body = self.bodies.get_or_make(
            tag,
            lambda: (
                to_html(compare_snapshots(before, after, slug), around)
                if around is not None
                else render(compare_snapshots(before, after, slug))
            ).encode(),
        )
        return Response(body, media_type=media_type, headers=headers)


def _neighbours(store: Store, old: SnapshotRef, new: SnapshotRef) -> Neighbours:
    """The diff before this one (the version before OLD → OLD) and after it (NEW → the
    version after NEW), by ref name; None at either end of the history."""
    names = [r.name for r in store.refs(old.slug)]
    first, last = names.index(old.name), names.index(new.name)
    return (
        (names[first - 1], names[first]) if first > 0 else None,
        (names[last], names[last + 1]) if last + 1 < len(names) else None,
    )


def checked_query(query: str) -> None:
    if len(query) > 500 or "\x00" in query:
        raise QuestionError("a search query is at most 500 characters")


def _answer(request: Request, body: bytes) -> Response:
    """A JSON answer computed from the store as it is now; its ETag is its content's, so a
    client that has it gets 304."""
    digest = hashlib.sha256(__version__.encode() + b"\0" + body).hexdigest()
    tag = f'"{digest[:40]}"'
    headers = {"ETag": tag, "Cache-Control": MOVING}
    if not_modified(request, tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=JSON, headers=headers)


def _moving() -> dict[str, str]:
    return {"Cache-Control": MOVING}


def _page(html: str) -> Response:
    return Response(html, media_type=HTML, headers=_moving())


# -- errors: one line, the CLI's message; JSON under /api, the styled page elsewhere -------


def error_response(path: str, status: int, message: str) -> Response:
    headers = {"Cache-Control": "no-store"}
    if path == "/api" or path.startswith("/api/"):
        return Response(dumps({"error": message}), status, media_type=JSON, headers=headers)
    reason = {404: "Not found", 405: "Method not allowed", 431: "Headers too large"}.get(
        status, "Error"
    )
    return Response(error_html(status, reason, message), status, media_type=HTML, headers=headers)


async def _monitor_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, SnapshotNotFound):
        return error_response(request.url.path, 404, str(exc))
    if isinstance(exc, QuestionError):
        return error_response(request.url.path, 400, str(exc))
    # a store that cannot be read is the server's problem; its paths stay in the server log
    log.error("%s %s: %s", request.method, request.url.path, exc)
    return error_response(request.url.path, 500, "the store could not be read; see the log")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {
        404: f"nothing at {request.url.path}",
        405: f"{request.method} is not allowed: this service is read-only (GET)",
    }
    response = error_response(
        request.url.path, exc.status_code, messages.get(exc.status_code, exc.detail)
    )
    response.headers.update(exc.headers or {})
    return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    """A bug: the traceback goes to the server log (uvicorn prints it), never to the client."""
    return error_response(request.url.path, 500, "internal error; see the server log")


def create_app(config: Config, clock: Clock, *, access_log: bool = True) -> Any:
    """The ASGI application: the routes, behind the path guard and the access log."""
    service = Service(config, clock)
    get = ["GET"]
    routes = [
        Route("/", service.index, methods=get),
        Route("/index.html", service.index, methods=get),
        Route("/overview", service.overview, methods=get),
        Route("/overview.html", service.overview, methods=get),
        Route("/map", service.world_map, methods=get),
        Route("/map.html", service.world_map, methods=get),
        Route("/feed.atom", service.feed, methods=get),
        Route("/weeks/{week}", service.week_alias, methods=get),
        Route("/{week}.html", service.week, methods=get),
        Route("/countries/{country}", service.country, methods=get),
        Route("/countries/{country}/diff", service.diff_picked, methods=get),
        Route("/countries/{country}/diff/{old}/{new}", service.diff_page, methods=get),
        Route("/search", service.search_page, methods=get),
        Route("/api/search", service.api_search, methods=get),
        Route("/api/changes", service.api_changes, methods=get),
        Route("/api/compare", service.api_compare, methods=get),
        Route("/api/overview", service.api_overview, methods=get),
        Route("/api/health", service.health, methods=get),
        Route("/api/openapi.json", service.openapi, methods=get),
        Route("/api/countries", service.countries, methods=get),
        Route("/api/countries/{country}", service.country_snapshots, methods=get),
        Route("/api/countries/{country}/snapshots/{ref}", service.snapshot, methods=get),
        Route("/api/countries/{country}/diff/{old}/{new}", service.diff, methods=get),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            MonitorError: _monitor_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
    )
    app.state.service = service
    guarded: Any = PathGuard(app, error_response)
    if config.serve.allowed_hosts:
        guarded = TrustedHostMiddleware(guarded, allowed_hosts=list(config.serve.allowed_hosts))
    guarded = Hardened(
        guarded, config.serve.max_headers, config.serve.max_header_bytes, error_response
    )
    return AccessLog(guarded, clock) if access_log else guarded
