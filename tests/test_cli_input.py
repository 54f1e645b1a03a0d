"""Bad input: a clear message, the contract's exit code, nothing sent, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Cli


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["generate", "x" * 5001], "5,001 characters"),
        (["generate", ""], "prompt is empty"),
        (["generate", "   \n  "], "prompt is empty"),
        (["generate", "ok", "--duration", "7"], "6, 10 or 15"),
        (["generate", "ok", "--duration", "six"], "6, 10 or 15"),
        (["generate", "ok", "--aspect-ratio", "4:3"], "16:9"),
        (["generate", "ok", "--resolution", "1080p"], "480p, 720p"),
        (["generate", "ok", "--mode", "wild"], "fun, normal, spicy"),
        (["generate", "ok", "--base-url", "http://api.example.com"], "https://"),
        (["generate", "ok", "--base-url", "not a url"], "not a web address"),
        (["generate", "ok", "--frobnicate"], "unrecognized arguments"),
        (["jobs", "--status", "sideways"], "Unknown status"),
        (["jobs", "--limit", "many"], "whole number"),
        (["show", "0123456789abcdef"], "No job"),
        (["show", "zz"], "not a job id"),
        (["teleport"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_and_sends_nothing(
    cli: Cli, sandbox, args: list[str], words: str
) -> None:
    result = cli(*args)
    assert result.code == 2, (result.out, result.err)
    assert words in result.err
    assert "Traceback" not in result.err
    assert sandbox.requests() == []
    assert cli("jobs", "--json").json() == []


def test_exactly_5000_characters_is_accepted(cli: Cli, sandbox) -> None:
    result = cli("generate", "y" * 5000)
    assert result.code == 0, result.err
    assert len(sandbox.requests()) >= 1


def test_json_errors_are_machine_readable(cli: Cli, sandbox) -> None:
    result = cli("generate", "", "--json")
    assert result.code == 2
    assert json.loads(result.out)["error"]["code"] == "invalid_input"


def test_a_database_from_a_newer_app_is_refused_untouched(cli: Cli, data_dir: Path) -> None:
    import sqlite3

    db = data_dir / "library.sqlite3"
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 999")
    con.close()
    before = db.read_bytes()
    result = cli("jobs")
    assert result.code == 2
    assert "newer version" in result.err
    assert db.read_bytes() == before


def test_no_key_exits_3_and_sends_nothing(cli: Cli, sandbox) -> None:
    del cli.env["GROK_VIDEO_API_KEY"]
    cli.env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/bus"
    result = cli("generate", "No key")
    assert result.code == 3
    assert "keyring" in result.err.lower()
    assert sandbox.requests() == []


def test_jobs_search_status_and_limit(cli: Cli, sandbox) -> None:
    for prompt in ("A piano in the rain", "Pianist at night", "A dog on a beach"):
        assert cli("generate", prompt, "--wait").code == 0
    found = cli("jobs", "--search", "pian", "--json").json()
    assert sorted(j["prompt"] for j in found) == ["A piano in the rain", "Pianist at night"]
    assert len(cli("jobs", "--limit", "1", "--json").json()) == 1
    assert len(cli("jobs", "--status", "completed", "--json").json()) == 3
    assert cli("jobs", "--status", "failed", "--json").json() == []
    table = cli("jobs")
    assert table.code == 0 and "A dog on a beach" in table.out


def test_many_processes_opening_a_new_library_at_once(cli: Cli) -> None:
    """The window and a command starting together on a fresh library must not trip each other."""
    procs = [cli.popen("jobs", "--json") for _ in range(6)]
    results = [(*p.communicate(timeout=60), p.returncode) for p in procs]
    assert [code for _, _, code in results] == [0] * 6, results
    assert all(out.strip() == "[]" for out, _, _ in results)
