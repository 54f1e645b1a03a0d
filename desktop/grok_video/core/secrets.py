"""The API key lives in the operating system's keyring, never in a file of ours.

GROK_VIDEO_API_KEY overrides the stored key and is never persisted. With no usable keyring
backend we say so; there is no plaintext fallback.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

from .errors import KeyProblem, KeyringUnavailable

log = logging.getLogger(__name__)

ENV_API_KEY = "GROK_VIDEO_API_KEY"
SERVICE = "grok-video"
ACCOUNT = "api-in-one"

_INSECURE_BACKENDS = ("keyrings.alt", "PlaintextKeyring", "fail.Keyring", "null.Keyring")

NO_KEYRING_MESSAGE = (
    "No system keyring is available to keep the API key safely "
    "(on Linux: a Secret Service such as GNOME Keyring or KWallet, running and unlocked). "
    f"Start one, or set {ENV_API_KEY} for this session; the key is never written to a plain file."
)


@dataclass(frozen=True)
class KeyStatus:
    source: str  # "environment", "keyring" or "none"
    backend: str | None
    hint: str | None  # the last 4 characters, for recognising a key without showing it

    @property
    def present(self) -> bool:
        return self.source != "none"


def _backend() -> object:
    try:
        import keyring
        import keyring.errors
    except ImportError as exc:  # pragma: no cover - keyring is a hard dependency
        raise KeyringUnavailable(NO_KEYRING_MESSAGE) from exc
    try:
        backend = keyring.get_keyring()
    except Exception as exc:
        raise KeyringUnavailable(NO_KEYRING_MESSAGE) from exc
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if any(bad in name for bad in _INSECURE_BACKENDS):
        raise KeyringUnavailable(NO_KEYRING_MESSAGE)
    return backend


def _backend_name(backend: object) -> str:
    return str(getattr(backend, "name", type(backend).__name__))


def clean_key(key: str) -> str:
    cleaned = re.sub(r"(?i)^bearer(\s+|$)", "", key.strip()).strip()
    if not cleaned:
        raise KeyProblem("The API key is empty.")
    if any(ch.isspace() for ch in cleaned) or not cleaned.isprintable():
        raise KeyProblem(
            "That does not look like an API key: it contains spaces or control characters."
        )
    if len(cleaned) > 4096:
        raise KeyProblem("That does not look like an API key: it is far too long.")
    return cleaned


class KeyStore:
    def __init__(self, service: str = SERVICE, account: str = ACCOUNT) -> None:
        self.service = service
        self.account = account

    def get(self) -> str | None:
        """The key to use: the environment's, else the keyring's, else None."""
        env = os.environ.get(ENV_API_KEY)
        if env and env.strip():
            return env.strip()
        backend = _backend()
        try:
            value = backend.get_password(self.service, self.account)  # type: ignore[attr-defined]
        except Exception as exc:
            raise KeyringUnavailable(f"{NO_KEYRING_MESSAGE} ({type(exc).__name__}: {exc})") from exc
        return str(value) if value else None

    def require(self) -> str:
        key = self.get()
        if not key:
            raise KeyProblem(
                "No API key is stored. Run `grok-video key set` (or start the app) and paste your "
                f"API in One key, or set {ENV_API_KEY}."
            )
        return key

    def set(self, key: str) -> None:
        cleaned = clean_key(key)
        backend = _backend()
        try:
            backend.set_password(self.service, self.account, cleaned)  # type: ignore[attr-defined]
        except Exception as exc:
            raise KeyringUnavailable(f"{NO_KEYRING_MESSAGE} ({type(exc).__name__}: {exc})") from exc
        log.info("API key stored in the keyring (%s)", _backend_name(backend))

    def delete(self) -> bool:
        """Remove the stored key; True if one was there."""
        backend = _backend()
        import keyring.errors

        try:
            backend.delete_password(self.service, self.account)  # type: ignore[attr-defined]
        except keyring.errors.PasswordDeleteError:
            return False
        except Exception as exc:
            raise KeyringUnavailable(f"{NO_KEYRING_MESSAGE} ({type(exc).__name__}: {exc})") from exc
        return True

    def status(self) -> KeyStatus:
        env = os.environ.get(ENV_API_KEY)
        if env and env.strip():
            return KeyStatus("environment", None, env.strip()[-4:])
        backend = _backend()
        stored = self.get()
        if stored:
            return KeyStatus("keyring", _backend_name(backend), stored[-4:])
        return KeyStatus("none", _backend_name(backend), None)
