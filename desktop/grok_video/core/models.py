"""The job and its request: plain data, validation, and the JSON record of the contract."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from .errors import InvalidInput

PROMPT_LIMIT = 5000
CREDITS_PER_VIDEO = 24

DURATIONS = (6, 10, 15)
ASPECT_RATIOS = ("16:9", "9:16", "1:1", "2:3", "3:2")
RESOLUTIONS = ("480p", "720p")
MODES = ("fun", "normal", "spicy")

MODEL_TEXT = "grok-imagine/text-to-video"
MODEL_IMAGE = "grok-imagine/image-to-video"


class JobStatus(StrEnum):
    SUBMITTING = "submitting"
    RUNNING = "running"
    DOWNLOADING = "downloading"
    COMPLETED = "completed"
    FAILED = "failed"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"

    @property
    def ended(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)

    @property
    def active(self) -> bool:
        return self in (JobStatus.SUBMITTING, JobStatus.RUNNING, JobStatus.DOWNLOADING)


class Kind(StrEnum):
    TEXT = "text-to-video"
    IMAGE = "image-to-video"


def clean_tags(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Free tags as people type them: comma-separated, trimmed, case kept, duplicates dropped."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    seen: set[str] = set()
    for part in parts:
        tag = " ".join(str(part).split())[:40]
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            out.append(tag)
    return tuple(out[:20])


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Params:
    """Optional generation settings; None means "let the service choose" and is never sent."""

    duration: int | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    mode: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("duration", "aspect_ratio", "resolution", "mode"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        return cls(
            duration=data.get("duration"),
            aspect_ratio=data.get("aspect_ratio"),
            resolution=data.get("resolution"),
            mode=data.get("mode"),
        )

    @classmethod
    def parse(
        cls,
        *,
        duration: str | int | None = None,
        aspect_ratio: str | None = None,
        resolution: str | None = None,
        mode: str | None = None,
    ) -> Params:
        """Check user-given values; raise InvalidInput with a message that says what is allowed."""
        dur: int | None = None
        if duration is not None and str(duration).strip() != "":
            try:
                dur = int(str(duration).strip().rstrip("s"))
            except ValueError:
                dur = -1
            if dur not in DURATIONS:
                raise InvalidInput(
                    f"Duration {duration!s} is not offered: choose 6, 10 or 15 seconds."
                )
        ar = _choice("Aspect ratio", aspect_ratio, ASPECT_RATIOS)
        res = _choice("Resolution", resolution, RESOLUTIONS)
        md = _choice("Mode", mode, MODES)
        return cls(duration=dur, aspect_ratio=ar, resolution=res, mode=md)


def _choice(label: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is None or value.strip() == "":
        return None
    normalised = value.strip().lower()
    for option in allowed:
        if option.lower() == normalised:
            return option
    raise InvalidInput(f"{label} {value!r} is not offered: choose one of {', '.join(allowed)}.")


@dataclass(frozen=True)
class GenerationRequest:
    """What the user asked for. `images` are local paths or http(s) URLs, as the user gave them."""

    prompt: str
    params: Params = field(default_factory=Params)
    images: tuple[str, ...] = ()

    @property
    def kind(self) -> Kind:
        return Kind.IMAGE if self.images else Kind.TEXT

    def validate(self) -> None:
        prompt = self.prompt.strip()
        if self.kind is Kind.TEXT and not prompt:
            raise InvalidInput("The prompt is empty: describe the video you want.")
        if len(prompt) > PROMPT_LIMIT:
            raise InvalidInput(
                f"The prompt is {len(prompt):,} characters long; "
                f"the service takes at most {PROMPT_LIMIT:,}."
            )

    def body(self, image_urls: list[Any] | None = None) -> dict[str, Any]:
        """The JSON body of the create call; image_urls are the resolved (sendable) image URLs."""
        body: dict[str, Any] = {"model": MODEL_IMAGE if self.images else MODEL_TEXT}
        if self.prompt.strip():
            body["prompt"] = self.prompt.strip()
        if self.images:
            body["image_urls"] = list(image_urls if image_urls is not None else self.images)
        body.update(self.params.as_dict())
        return body


@dataclass
class Job:
    """One row of the library."""

    id: str
    status: JobStatus
    kind: Kind
    prompt: str
    params: Params
    images: tuple[str, ...]
    created_at: datetime
    provider: str = "apiinone"
    base_url: str = ""
    task_id: str | None = None
    progress: int | None = None
    video_url: str | None = None
    video_path: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    cost_credits: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    submitted_at: datetime | None = None
    finished_at: datetime | None = None
    deadline_at: datetime | None = None
    retry_of: str | None = None
    parent_id: str | None = None  # the job whose last frame this one animates
    source_image: str | None = None  # the library's own copy of the animated picture
    note: str | None = None
    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    favourite: bool = False
    tags: tuple[str, ...] = ()
    deleted_at: datetime | None = None  # in the trash since then

    @property
    def in_trash(self) -> bool:
        return self.deleted_at is not None

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready: what a sidecar keeps so the library can be rebuilt."""
        out: dict[str, Any] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, datetime):
                value = iso(value)
            elif isinstance(value, Params):
                value = value.as_dict()
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, StrEnum):
                value = value.value
            out[spec.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        """The inverse of to_dict; unknown keys are ignored, bad values raise ValueError."""
        known = {spec.name for spec in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        try:
            values["id"] = str(values["id"])
            values["status"] = JobStatus(values["status"])
            values["kind"] = Kind(values["kind"])
            values["prompt"] = str(values.get("prompt") or "")
            values["params"] = Params.from_dict(dict(values.get("params") or {}))
            values["images"] = tuple(str(i) for i in values.get("images") or ())
            values["tags"] = tuple(str(t) for t in values.get("tags") or ())
            values["favourite"] = bool(values.get("favourite"))
            for name in ("created_at", "submitted_at", "finished_at", "deadline_at", "deleted_at"):
                values[name] = parse_iso(values.get(name))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a job: {exc}") from exc
        if values["created_at"] is None:
            raise ValueError("not a job: no created_at")
        return cls(**values)

    def record(self) -> dict[str, Any]:
        """The JSON job record of the contract."""
        return {
            "id": self.id,
            "task_id": self.task_id,
            "status": self.status.value,
            "kind": self.kind.value,
            "prompt": self.prompt,
            "params": self.params.as_dict(),
            "images": list(self.images),
            "progress": self.progress,
            "video_path": self.video_path,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "cost_credits": self.cost_credits,
            "created_at": iso(self.created_at),
            "finished_at": iso(self.finished_at),
            "error": (
                {"code": self.error_code or "error", "message": self.error_message or ""}
                if (self.error_code or self.error_message)
                else None
            ),
            "provider": self.provider,
            "submitted_at": iso(self.submitted_at),
            "retry_of": self.retry_of,
            "parent_id": self.parent_id,
            "source_image": self.source_image,
            "note": self.note,
            "favourite": self.favourite,
            "tags": list(self.tags),
            "deleted_at": iso(self.deleted_at),
            "video": (
                {"duration": self.duration_s, "width": self.width, "height": self.height}
                if self.duration_s is not None
                else None
            ),
        }

    def record_json(self) -> str:
        return json.dumps(self.record(), ensure_ascii=False)

    def elapsed_seconds(self, now: datetime | None = None) -> float:
        end = self.finished_at or now or utc_now()
        return max(0.0, (end - self.created_at).total_seconds())
