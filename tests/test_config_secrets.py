"""Base URL rules (config), the API key's handling (secrets) and the settings file."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, NoReturn

import pytest

import grok_video.core.secrets as secrets_mod
from grok_video.core.config import (
    ENV_BASE_URL,
    is_loopback_host,
    normalise_base_url,
    resolve_base_url,
    same_origin,
)
from grok_video.core.errors import InvalidInput, KeyProblem
from grok_video.core.secrets import ENV_API_KEY, KeyStore, clean_key
from grok_video.core.settings import DEFAULT_BASE_URL, Settings

# -- normalise_base_url -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://apiin.one", "https://apiin.one"),
        ("https://apiin.one/", "https://apiin.one"),
        ("https://apiin.one///", "https://apiin.one"),
        ("  https://apiin.one/  ", "https://apiin.one"),
        ("https://api.example.com:8443/", "https://api.example.com:8443"),
        ("https://api.example.com/proxy/", "https://api.example.com/proxy"),
        ("HTTPS://APIIN.ONE/", "HTTPS://APIIN.ONE"),
    ],
)
def test_https_urls_are_accepted_without_trailing_slash(given: str, expected: str) -> None:
    assert normalise_base_url(given) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost",
        "http://localhost:8000/",
        "http://LOCALHOST:8000",
        "http://127.0.0.1:5000",
        "http://127.0.0.1",
        "http://127.1.2.3:9",
        "http://127.255.255.254",
        "http://[::1]:8080",
        "http://[::1]",
    ],
)
def test_plain_http_is_allowed_on_loopback(url: str) -> None:
    assert normalise_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://apiin.one",
        "http://example.com:80/",
        "http://localhost.evil.com",
        "http://localhost.evil.com:8000",
        "http://127.0.0.1.nip.io",
        "http://evil.com/localhost",
        "http://localhost@evil.com",
        "http://127.0.0.1@evil.com",
        "http://10.0.0.1",
        "http://192.168.1.10:8000",
        "http://0.0.0.0:8000",
        "http://[::2]",
        "http://128.0.0.1",
    ],
)
def test_plain_http_elsewhere_is_refused(url: str) -> None:
    with pytest.raises(InvalidInput) as info:
        normalise_base_url(url)
    assert info.value.exit_code == 2
    assert "https" in info.value.message


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "apiin.one",
        "not a url",
        "https://",
        "https:///path",
        "https//apiin.one",
        "ftp://apiin.one",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://apiin.one:99999",
        "https://apiin.one:port",
        "https://apiin.one/?q=1",
        "https://apiin.one/#frag",
        "https://[::1",
        "https://[not-an-ip]",
        "https://apiin one.com",
        "https://api\tin.one",
    ],
)
def test_garbage_is_refused_with_invalid_input(url: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_base_url(url)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.9.8.7", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost.evil.com", False),
        ("evil-localhost", False),
        ("10.0.0.1", False),
        ("", False),
        (None, False),
    ],
)
def test_is_loopback_host(host: str | None, expected: bool) -> None:
    assert is_loopback_host(host) is expected


# -- same_origin ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://apiin.one", "https://apiin.one/api/v1/tasks/1"),
        ("https://apiin.one", "https://APIIN.ONE/files/x.mp4"),
        ("HTTPS://apiin.one", "https://apiin.one"),
        ("https://apiin.one", "https://apiin.one:443/x"),
        ("http://localhost", "http://localhost:80/x"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/files/v.mp4?sig=1"),
        ("http://[::1]:8000", "http://[::1]:8000/x"),
    ],
)
def test_same_origin_when_scheme_host_and_port_match(a: str, b: str) -> None:
    assert same_origin(a, b)
    assert same_origin(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://apiin.one", "http://apiin.one"),
        ("https://apiin.one", "https://cdn.apiin.one/x.mp4"),
        ("https://apiin.one", "https://apiin.one.evil.com/x.mp4"),
        ("https://apiin.one", "https://apiin.one@evil.com/x.mp4"),
        ("https://apiin.one", "https://apiin.one:8443/x"),
        ("https://apiin.one", "https://apiin.one:80/x"),
        ("http://localhost:8000", "http://localhost:8001/x"),
        ("http://127.0.0.1:8000", "http://localhost:8000/x"),
        ("http://127.0.0.1", "http://localhost"),
        ("http://[::1]:8000", "http://127.0.0.1:8000"),
        ("https://apiin.one", "https://203.0.113.7/x"),
    ],
)
def test_different_origins(a: str, b: str) -> None:
    assert not same_origin(a, b)
    assert not same_origin(b, a)


# -- resolve_base_url -------------------------------------------------------------------------


def test_option_beats_environment_and_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_BASE_URL, "https://env.example")
    assert resolve_base_url("https://option.example/", "https://settings.example") == (
        "https://option.example"
    )


def test_environment_beats_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_BASE_URL, "https://env.example/")
    assert resolve_base_url(None, "https://settings.example") == "https://env.example"


def test_settings_are_used_without_option_or_environment() -> None:
    assert resolve_base_url(None, "https://settings.example/") == "https://settings.example"


def test_default_base_url_when_nothing_is_set() -> None:
    assert DEFAULT_BASE_URL == "https://apiin.one"
    assert resolve_base_url(None, None) == "https://apiin.one"


def test_an_empty_environment_variable_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_BASE_URL, "")
    assert resolve_base_url(None, "https://settings.example") == "https://settings.example"


def test_resolved_url_is_still_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_BASE_URL, "http://evil.example")
    with pytest.raises(InvalidInput):
        resolve_base_url(None, "https://settings.example")


# -- secrets: clean_key -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sk-abc123", "sk-abc123"),
        ("  sk-abc123\n", "sk-abc123"),
        ("\tsk-abc123\r\n", "sk-abc123"),
        ("Bearer sk-abc123", "sk-abc123"),
        ("bearer sk-abc123", "sk-abc123"),
        ("BEARER   sk-abc123  ", "sk-abc123"),
        ("  Bearer sk-abc123\n", "sk-abc123"),
    ],
)
def test_clean_key_strips_whitespace_and_bearer_prefix(given: str, expected: str) -> None:
    assert clean_key(given) == expected


@pytest.mark.parametrize("given", ["", " ", "\n\t", "Bearer ", "Bearer    ", "  bearer  \n"])
def test_clean_key_rejects_an_empty_key(given: str) -> None:
    with pytest.raises(KeyProblem) as info:
        clean_key(given)
    assert info.value.exit_code == 3


@pytest.mark.parametrize(
    "given", ["sk abc", "sk-abc 123", "Bearer sk abc", "sk-abc\t123", "sk-abc\n123", "sk\x00abc"]
)
def test_clean_key_rejects_inner_spaces_and_control_characters(given: str) -> None:
    with pytest.raises(KeyProblem):
        clean_key(given)


# -- secrets: the environment's key -----------------------------------------------------------


@pytest.fixture
def keyring_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any use of the keyring fails the test."""

    def forbidden(*args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError("the keyring was touched")

    import keyring

    monkeypatch.setattr(secrets_mod, "_backend", forbidden)
    monkeypatch.setattr(keyring, "get_keyring", forbidden)
    monkeypatch.setattr(keyring, "get_password", forbidden)


def test_environment_key_is_used_without_touching_the_keyring(
    monkeypatch: pytest.MonkeyPatch, keyring_forbidden: None
) -> None:
    monkeypatch.setenv(ENV_API_KEY, "env-key-0001")
    store = KeyStore()
    assert store.get() == "env-key-0001"
    assert store.require() == "env-key-0001"


def test_environment_key_is_stripped(
    monkeypatch: pytest.MonkeyPatch, keyring_forbidden: None
) -> None:
    monkeypatch.setenv(ENV_API_KEY, "  env-key-0002\n")
    assert KeyStore().get() == "env-key-0002"


def test_status_with_environment_key_says_environment_without_the_key(
    monkeypatch: pytest.MonkeyPatch, keyring_forbidden: None
) -> None:
    monkeypatch.setenv(ENV_API_KEY, "env-key-secret-9876")
    status = KeyStore().status()
    assert status.source == "environment"
    assert status.present
    assert status.hint == "9876"
    assert "env-key-secret" not in repr(status)


# -- settings ---------------------------------------------------------------------------------


def test_missing_settings_file_gives_defaults(tmp_path: Path) -> None:
    assert Settings.load(tmp_path / "nowhere" / "settings.json") == Settings()


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b"42",
        b'"text"',
        b"null",
        b'{"poll_seconds": 5',
        b"\x00" * 64,
    ],
)
def test_corrupt_settings_file_gives_defaults(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    assert Settings.load(path) == Settings()


def test_settings_path_that_is_a_folder_gives_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.mkdir()
    assert Settings.load(path) == Settings()


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"poll_seconds": 5, "no_such_setting": 1, "api_key": "sk-x"}))
    loaded = Settings.load(path)
    assert loaded.poll_seconds == 5.0
    assert isinstance(loaded.poll_seconds, float)
    assert not hasattr(loaded, "no_such_setting")
    assert not hasattr(loaded, "api_key")


def test_values_of_the_wrong_type_fall_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps({"poll_seconds": "fast", "base_url": 7, "loop_playback": "yes", "volume": 0.5})
    )
    loaded = Settings.load(path)
    defaults = Settings()
    assert loaded.poll_seconds == defaults.poll_seconds
    assert loaded.base_url == defaults.base_url
    assert loaded.loop_playback == defaults.loop_playback
    assert loaded.volume == 0.5


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "settings.json"
    original = Settings(
        base_url="https://proxy.example",
        deadline_minutes=5.5,
        poll_seconds=0.5,
        poll_max_seconds=3.0,
        create_retry_seconds=20.0,
        last_duration=10,
        last_aspect_ratio="9:16",
        last_resolution="720p",
        last_mode="fun",
        volume=0.25,
        loop_playback=False,
    )
    assert original != Settings()
    original.save(path)
    assert Settings.load(path) == original
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temp file left


def test_saved_settings_never_hold_a_key_or_token(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps({"api_key": "sk-secret", "token": "t", "poll_seconds": 3}))
    path = tmp_path / "settings.json"
    Settings.load(source).save(path)
    saved = json.loads(path.read_text())
    assert isinstance(saved, dict)
    for name in saved:
        lowered = name.lower()
        assert "key" not in lowered and "token" not in lowered and "secret" not in lowered
    assert "sk-secret" not in path.read_text()
    assert saved["poll_seconds"] == 3


def test_no_settings_field_is_named_like_a_secret() -> None:
    names = [f.name.lower() for f in fields(Settings)]
    assert not [n for n in names if any(w in n for w in ("key", "token", "secret", "password"))]
    assert set(asdict(Settings())) == {f.name for f in fields(Settings)}
