"""Words for a job's state, shared by the gallery and the details pane."""

from __future__ import annotations

from ..core.models import JobStatus

STATUS_TEXT = {
    JobStatus.SUBMITTING: "Sending…",
    JobStatus.RUNNING: "Generating",
    JobStatus.DOWNLOADING: "Downloading",
    JobStatus.COMPLETED: "Ready",
    JobStatus.FAILED: "Failed",
    JobStatus.UNKNOWN: "Needs attention",
    JobStatus.CANCELLED: "Cancelled",
}


def format_elapsed(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def one_line(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
