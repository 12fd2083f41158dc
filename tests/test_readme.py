"""Docs that cannot rot: every command and option is in README.md, and CI runs exactly the
test command README.md gives."""

from __future__ import annotations

import re

import click

from monitor.cli import cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_and_option_is_documented():
    missing = []
    ctx = click.Context(cli)
    for param in cli.params:
        missing += [o for o in param.opts if o.startswith("--") and o not in README]
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        if f"monitor {name}" not in README:
            missing.append(f"monitor {name}")
        for param in command.params:
            if isinstance(param, click.Option):
                missing += [f"{name} {o}" for o in param.opts if o != "--help" and o not in README]
    assert missing == []


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"^    (python3 -m venv .*)$", README, re.M)
    assert len(blocks) == 2, "the two commands at the top: demo, then tests"
    demo, tests = blocks
    assert demo.endswith("monitor demo")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_every_command_has_an_example_in_its_help():
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        assert command.help is not None, name
        assert "Example: monitor" in command.help, name


def normalised_demo(text: str, root: str) -> str:
    """The demo's output as README.md shows it: its temporary folder, the current week and
    the way the command was invoked replaced by fixed ones."""
    text = text.replace(root, "/tmp/monitor-demo-x1y2")
    text = re.sub(
        r"\d{4}-W\d{2}: \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}",
        "2026-W48: 2026-11-23 to 2026-11-29",
        text,
    )
    text = re.sub(r"\d{4}-W\d{2}\.html", "2026-W48.html", text)
    return re.sub(r"(?m)^(explore: +).*?monitor --config ", r"\1monitor --config ", text)


def test_the_readme_shows_what_the_demo_prints(tmp_path):
    from tests.helpers import run_cli

    ran = run_cli("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    shown = README.split("```\nround 1:", 1)[1].split("```", 1)[0]
    assert normalised_demo(ran.stdout, str(tmp_path / "demo")) == "round 1:" + shown
