"""Libraries for tests, built without the network: real clips, or many synthetic rows."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from grok_video.core.context import AppContext
from grok_video.core.media import probe_and_verify, sha256_file
from grok_video.core.models import Job, JobStatus, Kind, Params, iso
from grok_video.sandbox.video import make_video

WORDS = [
    "cat",
    "dog",
    "horse",
    "violin",
    "piano",
    "ocean",
    "forest",
    "city",
    "night",
    "rain",
    "neon",
    "desert",
    "snow",
    "robot",
    "dragon",
    "lantern",
    "garden",
    "river",
    "mountain",
    "comet",
    "train",
    "bicycle",
    "kite",
    "owl",
    "fox",
    "whale",
    "tiger",
    "cloud",
    "castle",
]


def completed_job(
    ctx: AppContext,
    prompt: str,
    *,
    created: datetime | None = None,
    aspect_ratio: str = "16:9",
    seconds: float = 1.0,
) -> Job:
    """A finished job with a real H.264 clip in the library, as the runner leaves one."""
    job_id = uuid.uuid4().hex
    video = ctx.paths.video_path(job_id)
    video.parent.mkdir(parents=True, exist_ok=True)
    make_video(video, prompt, aspect_ratio, seconds=seconds, fps=12)
    info = probe_and_verify(video)
    created = created or datetime.now(UTC).replace(microsecond=0)
    job = Job(
        id=job_id,
        status=JobStatus.COMPLETED,
        kind=Kind.TEXT,
        prompt=prompt,
        params=Params(aspect_ratio=aspect_ratio, duration=6),
        images=(),
        created_at=created,
        task_id=f"task-{job_id[:8]}",
        progress=100,
        video_path=str(video),
        sha256=sha256_file(video),
        bytes=video.stat().st_size,
        cost_credits=24,
        submitted_at=created,
        finished_at=created + timedelta(seconds=70),
        duration_s=info.duration,
        width=info.width,
        height=info.height,
    )
    ctx.store.insert_job(job)
    ctx.library.write_sidecar(job)
    return job


def synthetic_library(db_path: Path, count: int, *, seed: int = 7) -> list[str]:
    """`count` rows straight into a fresh library database (schema made by the app first).

    No files: these stand for jobs whose videos are elsewhere, as in a library of years. Every
    tenth job failed, every 50th needs attention, every 7th is a favourite.
    """
    from grok_video.core.store import Store

    Store(db_path).close()  # the app's own schema
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    rows = []
    for n in range(count):
        job_id = f"{n:08x}" + uuid.UUID(int=n + seed * 1_000_003).hex[8:]
        ids.append(job_id)
        words = [WORDS[(n * k + seed) % len(WORDS)] for k in (1, 3, 7, 11)]
        status = (
            JobStatus.UNKNOWN if n % 50 == 49 else JobStatus.FAILED if n % 10 == 9 else "completed"
        )
        created = iso(start + timedelta(minutes=n))
        rows.append(
            (
                job_id,
                str(status),
                Kind.IMAGE.value if n % 4 == 0 else Kind.TEXT.value,
                f"Clip {n}: a {' '.join(words)}",
                json.dumps({"duration": 6}),
                created,
                created,
                1 if n % 7 == 0 else 0,
                json.dumps(["batch"] if n % 100 == 0 else []),
                24 if status == "completed" else 0,
            )
        )
    db = sqlite3.connect(db_path)
    with db:
        db.executemany(
            "INSERT INTO jobs (id, status, kind, prompt, params, created_at, updated_at, "
            "favourite, tags, cost_credits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    db.close()
    return ids
