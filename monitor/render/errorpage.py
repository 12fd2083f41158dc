"""The page the HTTP service answers with when it cannot give the one asked for: the same
style as the reports, the same one-line message the CLI prints."""

from __future__ import annotations

from monitor.render.templating import render


def error_html(status: int, reason: str, message: str) -> str:
    return render("error.html", status=status, reason=reason, message=message)
