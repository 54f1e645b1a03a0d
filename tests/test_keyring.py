"""The API key through the real Secret Service (tools/with-session provides one)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import Cli, posts

KEY = "sk-live-7f3a9c1e5b2d4f60"


@pytest.fixture
def keyring_cli(cli: Cli) -> Cli:
    del cli.env["GROK_VIDEO_API_KEY"]
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.fail(
            "These tests need a real Secret Service: run the suite through tools/with-session "
            "(see the README)."
        )
    cli("key", "delete")
    return cli


def _files_containing(folder: Path, needle: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_the_key_round_trips_through_the_secret_service(keyring_cli: Cli, sandbox) -> None:
    cli = keyring_cli
    assert cli("key", "status").code == 3

    stored = cli("key", "set", stdin=KEY + "\n")
    assert stored.code == 0, stored.err
    status = cli("key", "status")
    assert status.code == 0
    assert "keyring" in status.out and KEY[-4:] in status.out
    assert KEY not in status.out + status.err

    result = cli("generate", "With the stored key", "--wait", "--json")
    assert result.code == 0, result.err
    [post] = posts(sandbox)
    assert post["headers"]["authorization"] == f"Bearer {KEY}"
    assert _files_containing(cli.data_dir, KEY) == []

    assert cli("key", "delete").code == 0
    assert cli("key", "status").code == 3
    assert cli("generate", "No key any more").code == 3
    assert len(posts(sandbox)) == 1


def test_the_environment_key_wins_and_is_never_stored(keyring_cli: Cli, sandbox) -> None:
    cli = keyring_cli
    cli.env["GROK_VIDEO_API_KEY"] = "sk-env-only-123456"
    status = cli("key", "status")
    assert status.code == 0 and "GROK_VIDEO_API_KEY" in status.out
    assert cli("generate", "Env key", "--wait").code == 0
    assert posts(sandbox)[0]["headers"]["authorization"] == "Bearer sk-env-only-123456"
    del cli.env["GROK_VIDEO_API_KEY"]
    assert cli("key", "status").code == 3  # nothing was written to the keyring
    assert _files_containing(cli.data_dir, "sk-env-only-123456") == []


def test_a_key_with_spaces_is_refused(keyring_cli: Cli) -> None:
    result = keyring_cli("key", "set", stdin="not a key at all\n")
    assert result.code == 3
    assert "does not look like an API key" in result.err


def test_without_a_keyring_the_app_says_so_and_never_writes_plaintext(keyring_cli: Cli) -> None:
    cli = keyring_cli
    cli.env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/bus"
    result = cli("key", "set", stdin=KEY + "\n")
    assert result.code == 3
    assert "No system keyring" in result.err
    assert "Traceback" not in result.err
    assert cli("key", "status").code == 3
    assert _files_containing(cli.data_dir, KEY) == []
    home = Path.home()
    for leftover in (home / ".local/share/python_keyring", home / ".config/python_keyring"):
        assert not leftover.exists() or not _files_containing(leftover, KEY)
