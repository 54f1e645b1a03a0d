"""Which service to talk to: option beats environment beats settings; https unless loopback."""

from __future__ import annotations

import ipaddress
import os
import re
from urllib.parse import urlsplit

from .errors import InvalidInput
from .settings import DEFAULT_BASE_URL

ENV_BASE_URL = "GROK_VIDEO_BASE_URL"


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def normalise_base_url(url: str) -> str:
    """Check a base URL and return it without a trailing slash; raise InvalidInput if unusable."""
    text = url.strip()
    not_an_address = InvalidInput(
        f"{url!r} is not a web address: use something like {DEFAULT_BASE_URL}."
    )
    if not text or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise not_an_address
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        raise not_an_address from None
    if parts.scheme not in ("http", "https") or not host:
        raise not_an_address
    if not re.fullmatch(r"[A-Za-z0-9.-]+", host):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise not_an_address from None
    try:
        _ = parts.port
    except ValueError:
        raise InvalidInput(f"{url!r} has an invalid port number.") from None
    if parts.scheme != "https" and not is_loopback_host(parts.hostname):
        raise InvalidInput(
            f"Refusing {url!r}: the key would travel unencrypted. Use an https:// address "
            "(plain http is allowed only on this computer: localhost, 127.0.0.1, ::1)."
        )
    if parts.query or parts.fragment:
        raise InvalidInput(f"{url!r} must not contain a query or fragment.")
    return text.rstrip("/")


def resolve_base_url(option: str | None, settings_value: str | None) -> str:
    chosen = option or os.environ.get(ENV_BASE_URL) or settings_value or DEFAULT_BASE_URL
    return normalise_base_url(chosen)


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host as written, port) — names are compared, never resolved."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, host, port


def same_origin(a: str, b: str) -> bool:
    return origin_of(a) == origin_of(b)
