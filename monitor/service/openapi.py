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
