"""`monitor fetch` as a user runs it, against a real server on 127.0.0.1."""

from __future__ import annotations

from werkzeug import Request, Response

from tests.conftest import TAJIKISTAN_SEED
from tests.helpers import IRAQ, run_cli
from tests.pdfs import text_to_pdf


def test_fetch_lines_summary_and_exit_status(server, tmp_path):
    pdf = text_to_pdf(IRAQ)

    def iraq(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"1"':
            return Response(status=304)
        return Response(pdf, content_type="application/pdf", headers={"ETag": '"1"'})

    server.expect_request("/Iraq.pdf").respond_with_handler(iraq)
    server.expect_request("/Tajikistan.pdf").respond_with_data("nope", status=404)
    (tmp_path / "config.toml").write_text(
        "[fetch]\nretries = 1\nbackoff = 0.05\n"
        "[sources]\n"
        f'url_template = "{server.url_for("/")}{{name}}.pdf"\n'
        'countries = ["Iraq", "Tajikistan"]\n'
    )
    first = run_cli("fetch", cwd=tmp_path)
    assert first.returncode == 1
    assert first.stdout.splitlines() == [
        "Iraq: new iraq 2015-03-06",
        "2 sources: 1 new, 1 error",
    ]
    error = f"Tajikistan: error: HTTP 404 NOT FOUND from {server.url_for('/Tajikistan.pdf')}"
    assert error in first.stderr.splitlines()
    assert "Traceback" not in first.stderr
    quiet = run_cli("-q", "fetch", cwd=tmp_path)  # only the error, on stderr
    assert quiet.returncode == 1
    assert quiet.stdout == ""
    assert quiet.stderr.splitlines() == [error]
    only = run_cli("fetch", "iraq", cwd=tmp_path)
    assert only.returncode == 0
    assert only.stdout.splitlines() == ["Iraq: not modified iraq", "1 source: 1 not modified"]
    server.clear()
    server.expect_request("/Tajikistan.pdf").respond_with_data(
        TAJIKISTAN_SEED.read_bytes(), content_type="text/plain"
    )
    fixed = run_cli("fetch", "TJ", cwd=tmp_path)
    assert fixed.stdout.splitlines()[0] == "Tajikistan: new tajikistan 2015-03-09"
    unknown = run_cli("fetch", "Narnia", cwd=tmp_path)
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("error: Narnia: not a configured source")


def test_fetch_without_sources(tmp_path):
    (tmp_path / "config.toml").write_text("[fetch]\nretries = 0\n")
    result = run_cli("fetch", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        result.stderr
        == "error: config.toml: no sources configured ([sources] countries or extra)\n"
    )
