"""Mailing the digest through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import ssl

import pytest
import trustme

from monitor.core.periods import iso_week
from monitor.edges.state import outbox
from monitor.pipeline.reporting import report
from tests.helpers import run_cli, write_config
from tests.reportdata import DURING, WEEK, build
from tests.smtp import Accounts, free_port, smtp_server


def settings(port: int, **more) -> dict:
    return {
        "enabled": True,
        "host": "127.0.0.1",
        "port": port,
        "from": "monitor@example.org",
        "to": ["analyst@example.org", "desk@example.org"],
        "timeout": 5,
        **more,
    }


def parsed(envelope):
    return email.message_from_bytes(envelope.original_content, policy=email.policy.default)


def test_digest_arrives_with_both_parts(tmp_path):
    with smtp_server() as (box, port):
        world = build(tmp_path, settings(port))
        result = report(world.config, world.store, iso_week(WEEK), now=DURING, email=True)
    assert result.email_error is None
    assert result.emailed == (WEEK,)
    assert len(box.messages) == 1
    envelope, _ = box.messages[0]
    assert envelope.rcpt_tos == ["analyst@example.org", "desk@example.org"]
    message = parsed(envelope)
    assert message["Subject"] == (
        f"Cyberwellness changes {WEEK}: {len(world.changed) + 1} countries changed, 1 failed"
    )
    assert message["To"] == "analyst@example.org, desk@example.org"
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in message.iter_parts())
    assert "Law on Cybersecurity" in text
    assert "<style" not in html  # mail clients strip it: styles are inline
    assert 'style="' in html
    assert "Law on Cybersecurity" in html
    assert "&lt;script&gt;" in html
    assert "<script>" not in html


def test_starttls_and_login(tmp_path, monkeypatch):
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_tls)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # the client trusts only this CA
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    with smtp_server(
        tls_context=server_tls,
        require_starttls=True,
        authenticator=Accounts("monitor", "s3cret"),
        auth_require_tls=True,
    ) as (box, port):
        world = build(
            tmp_path,
            settings(
                port,
                host="localhost",
                starttls=True,
                username="monitor",
                password_env="TEST_SMTP_PASSWORD",
            ),
        )
        result = report(world.config, world.store, iso_week(WEEK), now=DURING, email=True)
        assert result.email_error is None
        assert len(box.messages) == 1
        assert box.messages[0][1] == b"monitor"
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
        denied = report(world.config, world.store, iso_week(WEEK), now=DURING, email=True)
    assert denied.email_error == f"email via localhost:{port}: login refused (535)"


def test_refused_message_keeps_the_files_and_retries_next_run(tmp_path):
    with smtp_server() as (box, port):
        box.refuse = "554 5.7.1 Message rejected as spam"
        world = build(tmp_path, settings(port))
        result = report(world.config, world.store, iso_week(WEEK), now=DURING, email=True)
        assert result.email_error == (
            f"email via 127.0.0.1:{port}: server said 554 5.7.1 Message rejected as spam"
        )
        assert result.path.is_file()
        assert outbox(world.config.storage.reports).read() == (WEEK,)
        box.refuse = None
        later = report(world.config, world.store, iso_week("2026-W48"), now=DURING, email=True)
    assert later.email_error is None
    # the owed digest goes out first; W48 follows since a failure is always reported
    assert later.emailed == (WEEK, "2026-W48")
    subjects = [parsed(envelope)["Subject"] for envelope, _ in box.messages]
    assert subjects[0].startswith(f"Cyberwellness changes {WEEK}:")
    assert subjects[1] == "Cyberwellness changes 2026-W48: 0 countries changed, 1 failed"
    assert outbox(world.config.storage.reports).read() == ()


def test_server_down(tmp_path):
    port = free_port()  # nothing listens here
    world = build(tmp_path, settings(port))
    result = report(world.config, world.store, iso_week(WEEK), now=DURING, email=True)
    assert result.email_error.startswith(f"email via 127.0.0.1:{port}: cannot connect")
    assert result.path.is_file()
    assert (world.config.storage.reports / "index.html").is_file()
    assert outbox(world.config.storage.reports).read() == (WEEK,)


@pytest.mark.parametrize(("when", "sent"), [("changes", 0), ("always", 1)])
def test_email_when(tmp_path, when, sent):
    with smtp_server() as (box, port):
        world = build(tmp_path, settings(port, when=when))
        world.store.update_state("yemen", consecutive_failures=0, last_error=None)
        quiet = iso_week("2026-W40")  # nothing happened that week
        result = report(world.config, world.store, quiet, now=DURING, email=True)
    assert result.email_error is None
    assert len(box.messages) == sent


def test_cli_report_with_mail_server_down(tmp_path):
    world = build(tmp_path)
    port = free_port()
    write_config(
        tmp_path,
        f'[email]\nenabled = true\nhost = "127.0.0.1"\nport = {port}\ntimeout = 3\n',
    )
    result = run_cli("report", "--week", WEEK, "--email", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"reports/{WEEK}.html"
    assert lines[1].startswith(f"{WEEK}: {len(world.changed) + 3} checked")
    assert result.stderr.startswith(f"error: email via 127.0.0.1:{port}: cannot connect")
    assert result.stderr.rstrip().endswith("(reports written; will retry next run)")
    assert "Traceback" not in result.stderr
    assert (tmp_path / "reports" / f"{WEEK}.html").is_file()


def test_digest_opens_with_the_summary_and_links_to_the_published_pages(tmp_path):
    base = "https://reports.example.org/cyber/"
    with smtp_server() as (box, port):
        world = build(tmp_path, settings(port), {"base_url": base.rstrip("/")})
        report(world.config, world.store, iso_week(WEEK), now=DURING, email=True)
    text, html = (part.get_content() for part in parsed(box.messages[0][0]).iter_parts())
    assert text.splitlines()[3] == "2026-W47: 2026-11-16 to 2026-11-22"
    # the diff cases hold one new national CIRT (Tajikistan's wording, saved as Chile)
    headline = next(line for line in text.splitlines() if line.startswith("New national CIRT"))
    assert headline.split(" · ")[0] == "New national CIRT: Chile"
    assert "Dates only: 1" in headline
    assert "2026-11-16 to 2026-11-22" in text
    assert f"Read online: {base}{WEEK}.html" in text
    assert f"history: {base}countries/kenya.html" in text
    assert f'href="{base}{WEEK}.html"' in html
    assert f'href="{base}overview.html"' in html
    assert f'href="{base}countries/kenya.html"' in html
    assert "New national CIRT: Chile" in html
    # a change of the date alone is one line, after the substantive ones
    lines = text.splitlines()  # the message's lines end in CRLF
    assert lines.index("Dates only") > lines.index("Kenya")
    assert lines[lines.index("Dates only") + 2] == "Fiji: last updated 2015-03-06 → 2016-02-02"
