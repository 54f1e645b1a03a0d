"""The API in One client: create (with the money rules), poll, and download.

Only create costs money. It is retried automatically only when the request cannot have been
processed (the connection never opened, 429, 503); anything that leaves the outcome open raises
OutcomeUnknown and is never re-sent here. Polls and downloads are free and raise Retryable for
the caller's retry loop.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from .. import __version__
from .config import same_origin
from .errors import (
    AuthRejected,
    InsufficientCredits,
    OutcomeUnknown,
    Rejected,
    ServiceError,
    Unavailable,
)
from .protocol import (
    TaskSnapshot,
    body_error_code,
    extract_error_message,
    extract_task_id,
    read_task,
)

log = logging.getLogger(__name__)

CREATE_PATH = "/api/v1/videos/generations"
TASK_PATH = "/api/v1/tasks/{task_id}"
USER_AGENT = f"grok-video-desktop/{__version__}"
MAX_VIDEO_BYTES = 4 * 1024**3
READ_BYTES = 256 * 1024


def _read_bigger() -> None:
    """httpcore reads a response 64 KiB at a time. Over asyncio every read is a round trip of
    the event loop (and anyio cuts the up to 256 KiB the socket hands over into 64 KiB copies),
    which halves the rate of a big download: 256 KiB reads stream as fast as a blocking client.

    Done when the first download starts, not at import: httpcore takes a while to import, and
    the command line's quick answers (`jobs`, `show`) never need it.
    """
    import httpcore

    if getattr(httpcore.AsyncHTTP11Connection, "READ_NUM_BYTES", READ_BYTES) < READ_BYTES:
        httpcore.AsyncHTTP11Connection.READ_NUM_BYTES = READ_BYTES


Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Timing:
    create_budget: float = 60.0  # all automatic retries of one create, in seconds
    backoff_initial: float = 1.0
    backoff_max: float = 15.0
    poll_initial: float = 2.0
    poll_max: float = 10.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0


class Retryable(Exception):
    """A free call (poll, download) failed in a way worth trying again."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class LinkExpired(Exception):
    """The download URL answered 403, 404 or 410."""


class BadDownload(Exception):
    """The bytes we got cannot be the video (too large, wrong range)."""


def backoff_delay(attempt: int, timing: Timing) -> float:
    """Exponential backoff with jitter: attempt 1 waits about backoff_initial."""
    base = min(timing.backoff_max, timing.backoff_initial * 2.0 ** max(0, attempt - 1))
    return base * random.uniform(0.5, 1.0)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        current = now if now is not None else time.time()
        seconds = float(when.timestamp()) - current
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _message(body: Any, response: httpx.Response | None, fallback: str) -> str:
    found = extract_error_message(body)
    if found:
        return found
    if response is not None and response.text.strip() and len(response.text) < 300:
        text = response.text.strip()
        if not text.startswith("<"):
            return text
    return fallback


def redact_url(url: str) -> str:
    """Drop the query (signed tokens) from a URL before it goes to a log."""
    return url.split("?", 1)[0]


class ApiInOneClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timing: Timing | None = None,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = api_key
        self.timing = timing or Timing()
        self._sleep = sleep
        timeout = httpx.Timeout(
            connect=self.timing.connect_timeout,
            read=self.timing.read_timeout,
            write=self.timing.read_timeout,
            pool=self.timing.connect_timeout,
        )
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        # Creates use a connection of their own every time: a stale pooled connection would
        # turn an innocent reset into an "unknown" outcome.
        self._create_http = httpx.AsyncClient(
            timeout=timeout,
            headers=headers,
            limits=httpx.Limits(max_keepalive_connections=0),
            transport=transport,
            trust_env=False,
        )
        self._http = httpx.AsyncClient(
            timeout=timeout, headers=headers, transport=transport, trust_env=False
        )

    async def aclose(self) -> None:
        await self._create_http.aclose()
        await self._http.aclose()

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"}

    # -- create -----------------------------------------------------------------------------
    async def create(self, body: dict[str, Any], idempotency_key: str) -> str:
        """Send the create call; return the task id. See the module doc for what is retried."""
        url = self.base_url + CREATE_PATH
        headers = {**self._auth(), "Idempotency-Key": idempotency_key}
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                response = await self._create_http.post(url, json=body, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                reason = f"could not connect to {self.base_url} ({type(exc).__name__}: {exc})"
            except httpx.TimeoutException as exc:
                raise OutcomeUnknown(
                    "The service did not answer in time after the request was sent, so we cannot "
                    "tell whether it started (and will charge for) the video.",
                    code="outcome_unknown",
                ) from exc
            except httpx.TransportError as exc:
                raise OutcomeUnknown(
                    "The connection broke after the request was sent, so we cannot tell whether "
                    f"the service started (and will charge for) the video ({type(exc).__name__}).",
                    code="outcome_unknown",
                ) from exc
            else:
                data = _json(response)
                status = response.status_code
                effective = status if status >= 400 else (body_error_code(data) or status)
                if effective in (429, 503):
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    reason = _message(data, response, f"the service is busy (HTTP {effective})")
                elif effective in (401, 403):
                    raise AuthRejected(
                        _message(data, response, "The service refused the API key."),
                        code="unauthorized",
                        http_status=effective,
                    )
                elif effective == 402:
                    raise InsufficientCredits(
                        _message(data, response, "Not enough credits for this video."),
                        code="insufficient_credits",
                        http_status=effective,
                    )
                elif 400 <= effective < 500:
                    raise Rejected(
                        _message(
                            data, response, f"The service refused the request (HTTP {effective})."
                        ),
                        code="invalid_request",
                        http_status=effective,
                    )
                elif effective >= 500:
                    raise OutcomeUnknown(
                        _message(data, response, f"The service failed with HTTP {effective}")
                        + " — it may or may not have started the video.",
                        code="outcome_unknown",
                        http_status=effective,
                    )
                else:
                    task_id = extract_task_id(data)
                    if task_id is None:
                        raise OutcomeUnknown(
                            "The service answered without a task id, so the video cannot be "
                            "followed; it may or may not have been started.",
                            code="outcome_unknown",
                            http_status=status,
                        )
                    log.info("Created task %s (attempt %d)", task_id, attempt)
                    return task_id
            wait = retry_after if retry_after is not None else backoff_delay(attempt, self.timing)
            elapsed = time.monotonic() - started
            if elapsed + wait > self.timing.create_budget:
                raise Unavailable(
                    f"Gave up after {attempt} attempt(s) in {elapsed:.0f} s: {reason}. "
                    "Nothing was charged.",
                    code="service_unavailable",
                )
            log.warning("Create attempt %d: %s; retrying in %.1f s", attempt, reason, wait)
            await self._sleep(wait)

    # -- poll -------------------------------------------------------------------------------
    async def check_key(self) -> None:
        """Ask the service about a task that does not exist: free, and it tells a refused key
        (401/403) from a good one (anything else). Raises AuthRejected or Unavailable."""
        url = self.base_url + TASK_PATH.format(task_id="grok-video-key-check")
        try:
            response = await self._http.get(url, headers=self._auth())
        except httpx.TransportError as exc:
            raise Unavailable(
                f"Could not reach the service at {self.base_url} ({type(exc).__name__}). "
                "Check the connection; the key was not saved."
            ) from exc
        data = _json(response)
        status = response.status_code
        effective = status if status >= 400 else (body_error_code(data) or status)
        if effective in (401, 403):
            reason = _message(data, response, f"HTTP {effective}")
            raise AuthRejected(
                f"The service refused this key ({reason}). Check that you copied all of it.",
                code="auth_rejected",
            )
        if effective >= 500:
            raise Unavailable(
                f"The service could not check the key now (HTTP {effective}); try again soon."
            )

    async def poll(self, task_id: str) -> TaskSnapshot:
        """One status check. Raises Retryable for anything that may heal by itself."""
        url = self.base_url + TASK_PATH.format(task_id=quote(task_id, safe=""))
        try:
            response = await self._http.get(url, headers=self._auth())
        except httpx.TransportError as exc:
            raise Retryable(f"could not reach the service ({type(exc).__name__})") from exc
        data = _json(response)
        status = response.status_code
        effective = status if status >= 400 else (body_error_code(data) or status)
        if effective >= 400:
            raise Retryable(
                _message(data, response, f"status check failed (HTTP {effective})"),
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if data is None:
            raise Retryable("the status answer was not JSON")
        return read_task(data)

    # -- download ---------------------------------------------------------------------------
    async def download(
        self,
        url: str,
        partial: Path,
        on_progress: Callable[[int, int | None], None] | None = None,
    ) -> int:
        """Fetch url into partial, resuming with Range; return the file's full length.

        Raises LinkExpired (403/404/410), Retryable (interrupted, 5xx, 429) or BadDownload.
        """
        _read_bigger()
        partial.parent.mkdir(parents=True, exist_ok=True)
        have = partial.stat().st_size if partial.exists() else 0
        headers: dict[str, str] = {"Accept": "*/*"}
        if same_origin(url, self.base_url):
            headers.update(self._auth())
        if have:
            headers["Range"] = f"bytes={have}-"
        try:
            async with self._http.stream(
                "GET", url, headers=headers, follow_redirects=True
            ) as response:
                status = response.status_code
                if status in (403, 404, 410):
                    raise LinkExpired(f"the download link answered HTTP {status}")
                if status == 416:
                    total = _total_from_content_range(response.headers.get("Content-Range"))
                    if total is not None and total == have:
                        return have
                    partial.unlink(missing_ok=True)
                    raise Retryable("the partial file did not match; starting over")
                if status >= 400:
                    raise Retryable(
                        f"download failed (HTTP {status})",
                        retry_after=parse_retry_after(response.headers.get("Retry-After")),
                    )
                if status == 206:
                    content_range = response.headers.get("Content-Range", "")
                    start = _start_from_content_range(content_range)
                    total = _total_from_content_range(content_range)
                    if start != have:
                        partial.unlink(missing_ok=True)
                        raise Retryable("the server resumed at the wrong place; starting over")
                    mode = "ab"
                else:
                    have = 0
                    length = response.headers.get("Content-Length")
                    total = int(length) if length and length.isdigit() else None
                    mode = "wb"
                if total is not None and total > MAX_VIDEO_BYTES:
                    raise BadDownload(f"the file is implausibly large ({total:,} bytes)")
                written = have
                # No fsync here: the partial file is checked, rewritten with its metadata and
                # then fsynced by replace_into_place before it takes its place in the library.
                # (A partial cut short by a crash just resumes from its length.)
                with open(partial, mode) as fh:
                    async for chunk in response.aiter_raw():  # as received: a break keeps them
                        fh.write(chunk)
                        written += len(chunk)
                        if written > MAX_VIDEO_BYTES:
                            raise BadDownload("the file is implausibly large")
                        if on_progress is not None:
                            on_progress(written, total)
        except httpx.TransportError as exc:
            raise Retryable(f"the download was interrupted ({type(exc).__name__})") from exc
        if total is not None and written < total:
            raise Retryable(f"the download stopped at {written:,} of {total:,} bytes")
        if total is not None and written > total:
            partial.unlink(missing_ok=True)
            raise Retryable("the download was longer than announced; starting over")
        return written


def _start_from_content_range(value: str) -> int | None:
    # "bytes 100-199/200"
    try:
        unit, rest = value.split(" ", 1)
        start = rest.split("-", 1)[0]
        return int(start) if unit.lower() == "bytes" else None
    except ValueError:
        return None


def _total_from_content_range(value: str | None) -> int | None:
    if not value or "/" not in value:
        return None
    total = value.rsplit("/", 1)[1].strip()
    return int(total) if total.isdigit() else None


__all__ = [
    "ApiInOneClient",
    "BadDownload",
    "LinkExpired",
    "Retryable",
    "ServiceError",
    "Timing",
    "backoff_delay",
    "parse_retry_after",
    "redact_url",
]
