"""The OpenAPI 3.1 description of the ``/api`` routes, served at ``/api/openapi.json``.

Written out by hand (Starlette adds no validation layer to generate it from), with the diff's
JSON Schema taken from ``monitor/schemas/diff.schema.json`` so the two cannot disagree; a
test checks that every ``/api`` route is described and nothing else is.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

from monitor import __version__

REF = (
    "YYYY-MM-DD (its newest revision), YYYY-MM-DD.rN, YYYY or YYYY-MM (the newest snapshot "
    "dated within it), latest, previous, first or latest~N. Never a file path."
)


def _parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "maxLength": 100},
    }


def _query(name: str, description: str, many: bool = False) -> dict[str, Any]:
    """A query parameter: the CLI's long option of the same name (dashes as underscores)."""
    schema: dict[str, Any] = {"type": "string", "maxLength": 500}
    if many:
        schema = {"type": "array", "items": schema}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **({"explode": True, "style": "form"} if many else {}),
    }


_OBJECT: dict[str, Any] = {"type": "object"}
_FROM = "Date bound: 2015, 2015-03 or 2015-03-06."


def _question_routes() -> dict[str, Any]:
    """The analyst's questions; each answer is what the CLI's ``--format json`` prints."""
    bad = _json("A question that cannot be answered as asked.", _schema("Error"))
    country = _query("country", "Only this country (slug, ISO code or name); repeat.", True)
    routes = {
        "/api/search": _get(
            "Full-text search over every snapshot (as `monitor search QUERY --format json`).",
            _json("hits: one per country and section", _OBJECT),
            [
                {**_query("q", 'Words, "a phrase", AND/OR/NOT, prefix*.'), "required": True},
                country,
                _query("section", "Only this section and those under it (1.5)."),
                _query("from", f"Snapshots dated from: {_FROM}"),
                _query("to", f"Snapshots dated until: {_FROM}"),
            ],
            cached=True,
        ),
        "/api/changes": _get(
            "Every change across countries, filtered (as `monitor changes --format json`).",
            _json("the changes, oldest first", _OBJECT),
            [
                _query("field", "national_cirt, population, section:1.1.2:items; glob.", True),
                _query("kind", "added, removed, changed or status.", True),
                _query("from_value", "Only changes from this value (yes, no, unknown, …)."),
                _query("to_value", "Only changes to this value (yes, no, unknown, …)."),
                country,
                _query("from", f"Published (newer snapshot's date) from: {_FROM}"),
                _query("to", f"Published until: {_FROM}"),
                _query("seen_from", f"First seen from: {_FROM}"),
                _query("seen_to", f"First seen until: {_FROM}"),
            ],
            cached=True,
        ),
        "/api/compare": _get(
            "Countries side by side (as `monitor compare C1 C2 … --format json`).",
            _json("indicators, figures and listed instruments per country", _OBJECT),
            [
                {
                    **_query("countries", "Comma-separated; COUNTRY:REF picks a version."),
                    "required": True,
                },
                _query("at", "A ref, or a date: each country's newest snapshot on or before it."),
            ],
            cached=True,
        ),
        "/api/overview": _get(
            "Every country's state now (as `monitor overview --format json`).",
            _json("indicators, figures, since when, totals", _OBJECT),
            [],
            cached=True,
        ),
    }
    for route in routes.values():
        route["get"]["responses"]["400"] = bad
    return routes


COUNTRY = _parameter("country", "Slug, ISO 3166 code or name, any case (iraq, IQ, IRQ, Iraq).")


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _schema(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


NOT_FOUND = _json(
    "Unknown country or ref; the message is the one the CLI prints, with suggestions.",
    _schema("Error"),
)


def _get(
    summary: str, ok: dict[str, Any], parameters: list[dict[str, Any]], cached: bool = False
) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": ok}
    if parameters:
        responses["404"] = NOT_FOUND
    if cached:
        responses["304"] = {"description": "If-None-Match named the current ETag."}
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


def _diff_schemas() -> dict[str, Any]:
    """diff.schema.json as OpenAPI components: its ``$defs`` become named schemas."""
    text = files("monitor").joinpath("schemas/diff.schema.json").read_text(encoding="utf-8")
    text = text.replace('"#/$defs/side"', '"#/components/schemas/DiffSide"')
    text = text.replace('"#/$defs/change"', '"#/components/schemas/DiffChange"')
    schema = json.loads(text)
    defs = schema.pop("$defs")
    schema.pop("$schema", None)
    schema.pop("$id", None)
    return {"Diff": schema, "DiffSide": defs["side"], "DiffChange": defs["change"]}


@lru_cache(maxsize=1)
def openapi() -> dict[str, Any]:
    old = _parameter("old", f"The older side: {REF}")
    new = _parameter("new", f"The newer side: {REF}")
    ref = _parameter("ref", REF)
    listing = {
        "type": "object",
        "required": ["slug", "snapshots"],
        "properties": {"slug": {"type": "string"}, "snapshots": {"type": "array"}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cyberwellness Monitor",
            "version": __version__,
            "description": "Read-only: ITU Cyberwellness Profiles as stored by the monitor, "
            "and what changed between any two versions.",
        },
        "paths": {
            "/api/health": _get(
                "Liveness: the service answers and sees its store.",
                _json("ok", _schema("Health")),
                [],
            ),
            "/api/countries": _get(
                "Every stored country and its snapshots (as `monitor list --format json`).",
                _json("the countries", {"type": "array", "items": {"type": "object"}}),
                [],
            ),
            "/api/countries/{country}": _get(
                "One country's snapshots (as `monitor list COUNTRY --format json`).",
                _json("its snapshots", listing),
                [COUNTRY],
            ),
            "/api/countries/{country}/snapshots/{ref}": _get(
                "One stored snapshot (as `monitor show COUNTRY REF --format json`).",
                _json("the snapshot", _schema("Snapshot")),
                [COUNTRY, ref],
                cached=True,
            ),
            "/api/countries/{country}/diff/{old}/{new}": _get(
                "What changed between two snapshots (as `monitor diff --format json`).",
                _json("the comparison", _schema("Diff")),
                [COUNTRY, old, new],
                cached=True,
            ),
            **_question_routes(),
            "/api/openapi.json": _get(
                "This description.", _json("OpenAPI 3.1", {"type": "object"}), []
            ),
        },
        "components": {
            "schemas": {
                **_diff_schemas(),
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "version", "countries"],
                    "properties": {
                        "status": {"const": "ok"},
                        "version": {"type": "string"},
                        "countries": {"type": "integer"},
                    },
                },
                "Snapshot": {
                    "type": "object",
                    "required": ["ref", "profile", "source", "dated_by"],
                    "properties": {
                        "ref": {"type": "string"},
                        "profile": {"type": "object"},
                        "source": {"type": "object"},
                        "dated_by": {"enum": ["footer", "first_seen"]},
                    },
                },
            }
        },
    }
