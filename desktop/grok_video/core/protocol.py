"""The tolerant reader for the API in One answers (contract section 1).

Pure functions over decoded JSON; nothing here does I/O.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

log = logging.getLogger(__name__)

RUNNING_WORDS = frozenset(
    {
        "pending",
        "queued",
        "queuing",
        "waiting",
        "in_progress",
        "processing",
        "generating",
        "running",
    }
)
DONE_WORDS = frozenset({"completed", "complete", "succeeded", "success", "done"})
FAILED_WORDS = frozenset({"failed", "fail", "error", "expired", "cancelled", "canceled"})

_unknown_statuses_logged: set[str] = set()


class RemoteState(Enum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class TaskSnapshot:
    """What one poll answer says about a task."""

    state: RemoteState
    raw_status: str | None
    progress: int | None
    video_url: str | None
    error_message: str | None


def _get(obj: Any, *path: str | int) -> Any:
    cur = obj
    for part in path:
        if isinstance(part, int):
            if isinstance(cur, list) and -len(cur) <= part < len(cur):
                cur = cur[part]
            else:
                return None
        elif isinstance(cur, Mapping):
            cur = cur.get(part)
        else:
            return None
    return cur


def _nonempty_str(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _data(body: Any) -> Any:
    return body.get("data") if isinstance(body, Mapping) else None


def extract_task_id(body: Any) -> str | None:
    for candidate in (
        _get(body, "data", "task_id"),
        _get(body, "data", "taskId"),
        _get(body, "data", "id"),
        _get(body, "task_id"),
        _get(body, "id"),
    ):
        found = _nonempty_str(candidate)
        if found:
            return found
    return None


def classify_status(raw: str | None) -> RemoteState:
    if raw is None:
        return RemoteState.RUNNING
    word = raw.strip().lower()
    if word in DONE_WORDS:
        return RemoteState.DONE
    if word in FAILED_WORDS:
        return RemoteState.FAILED
    if word not in RUNNING_WORDS and word not in _unknown_statuses_logged:
        _unknown_statuses_logged.add(word)
        log.warning("Unknown task status %r from the service; treating it as still running", raw)
    return RemoteState.RUNNING


def extract_status(body: Any) -> str | None:
    for candidate in (_get(body, "data", "status"), _get(body, "status")):
        found = _nonempty_str(candidate)
        if found:
            return found
    return None


def _result_json_url(value: Any) -> str | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return _nonempty_str(_get(value, "resultUrls", 0))


def extract_video_url(body: Any) -> str | None:
    candidates = (
        _get(body, "data", "output", "video_url"),
        _get(body, "data", "video_url"),
        _get(body, "data", "result", "video_url"),
        _get(body, "data", "output", "url"),
        _get(body, "data", "resultUrls", 0),
        _result_json_url(_get(body, "data", "resultJson")),
        _get(body, "data", "video", "url"),
        _get(body, "video", "url"),
    )
    for candidate in candidates:
        found = _nonempty_str(candidate)
        if found:
            return found
    return None


def extract_progress(body: Any) -> int | None:
    for candidate in (_get(body, "data", "progress"), _get(body, "progress")):
        if isinstance(candidate, bool):
            continue
        value: float | None = None
        if isinstance(candidate, int | float):
            value = float(candidate)
        elif isinstance(candidate, str):
            try:
                value = float(candidate.strip().rstrip("%"))
            except ValueError:
                value = None
        if value is not None and value == value:  # not NaN
            return int(max(0.0, min(100.0, value)))
    return None


def _is_success_word(text: str) -> bool:
    return text.strip().lower() in {"success", "succeeded", "ok", "successful"}


def extract_error_message(body: Any) -> str | None:
    """The service's own words for an error, or None."""
    data_error = _get(body, "data", "error")
    candidates: list[Any] = [
        _get(body, "error", "message"),
        data_error if isinstance(data_error, str) else _get(data_error, "message"),
        _get(body, "data", "failMsg"),
        _get(body, "data", "fail_message"),
        _get(body, "data", "error_message"),
    ]
    for candidate in candidates:
        found = _nonempty_str(candidate)
        if found:
            return found
    top_error = _get(body, "error")
    if isinstance(top_error, str) and top_error.strip():
        return top_error.strip()
    for key in ("message", "msg"):
        found = _nonempty_str(_get(body, key))
        if found and not _is_success_word(found):
            return found
    return None


def body_error_code(body: Any) -> int | None:
    """The numeric `code` of a body when it signals an error (present and neither 0 nor 200)."""
    code = _get(body, "code")
    if isinstance(code, bool):
        return None
    if isinstance(code, str):
        try:
            code = int(code.strip())
        except ValueError:
            return None
    if isinstance(code, int) and code not in (0, 200):
        return code
    return None


def read_task(body: Any) -> TaskSnapshot:
    raw_status = extract_status(body)
    state = classify_status(raw_status)
    url = extract_video_url(body)
    error = extract_error_message(body) if state is RemoteState.FAILED else None
    if state is RemoteState.FAILED and error is None:
        error = f"The service reports the task {raw_status or 'failed'}."
    return TaskSnapshot(
        state=state,
        raw_status=raw_status,
        progress=100 if state is RemoteState.DONE else extract_progress(body),
        video_url=url,
        error_message=error,
    )
