"""Media work against FFmpeg doing the same job: a library thumbnail and a GIF export.

The clips are real 1280x720 H.264 videos with moving content, made by the sandbox's own video
maker in the scratch folder. One child process does all the runs of one benchmark, alternating
the app's function (timed in-process with perf_counter: the wall time of the call) and the
`ffmpeg` of imageio-ffmpeg as a subprocess (the wall time of the whole process). The first run
of each is a warm-up and is not counted.

    python -m tests.benchmarks.bench_media                   (all rows, printed)
    python -m tests.benchmarks.bench_media thumbnail CLIP OUT RUNS   (a child: one result line)
    python -m tests.benchmarks.bench_media gif CLIP OUT RUNS
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .common import (
    Row,
    median,
    ms,
    proc_status,
    profiled,
    report,
    run_child,
    standalone,
)

RUNS = 5
PROMPT = "Benchmark: a paper lantern drifts over a river at night"
THUMB_AT = 0.5  # what the library asks for (make_thumbnail's default)
THUMB_EDGE = 320
GIF_WIDTH = 480  # export_gif's defaults
GIF_FPS = 12
THUMB_GOAL = 1.0
GIF_GOAL = 1.5


# -- clips -------------------------------------------------------------------------------------
def make_clip(path: Path, seconds: float) -> Path:
    """A 1280x720, 24 fps H.264 + AAC clip of `seconds` (scale 4 of the sandbox's 16:9 size)."""
    from grok_video.sandbox.video import make_video

    if not path.exists():
        make_video(path, PROMPT, "16:9", seconds=seconds, fps=24, scale=4)
    return path


# -- the floors --------------------------------------------------------------------------------
def ffmpeg() -> str:
    import imageio_ffmpeg

    exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    return exe


def thumbnail_floor_argv(exe: str, clip: Path, target: Path) -> list[str]:
    """One frame at THUMB_AT (an accurate seek, as make_thumbnail's), long edge 320, JPEG."""
    scale = (
        f"scale=w={THUMB_EDGE}:h={THUMB_EDGE}:force_original_aspect_ratio=decrease:flags=lanczos"
    )
    return [
        exe,
        *("-v", "error", "-nostdin", "-ss", str(THUMB_AT), "-i", str(clip)),
        *("-frames:v", "1", "-vf", scale, "-q:v", "3", "-y", str(target)),
    ]


def gif_floor_argv(exe: str, clip: Path, target: Path) -> list[str]:
    """The same GIF: same width and rate, one global palette, Floyd–Steinberg dithering."""
    graph = (
        f"fps={GIF_FPS},scale={GIF_WIDTH}:-1:flags=lanczos,split[a][b];"
        "[a]palettegen[p];[b][p]paletteuse=dither=floyd_steinberg"
    )
    return [
        exe,
        *("-v", "error", "-nostdin", "-i", str(clip), "-an"),
        *("-filter_complex", graph, "-loop", "0", "-y", str(target)),
    ]


def _floor_wall(argv: list[str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg exited {proc.returncode}: {proc.stderr[-2000:]}")
    return took


# -- the child ---------------------------------------------------------------------------------
def _measure(kind: str, clip: Path, out: Path, runs: int) -> dict[str, Any]:
    """Alternate the app's call and the ffmpeg process, runs + 1 times (the first not counted)."""
    started = time.perf_counter()
    app_call: Callable[[Path, Path], object]
    if kind == "thumbnail":
        from grok_video.core.media import make_thumbnail as app_call

        suffix, floor_argv = ".jpg", thumbnail_floor_argv
    else:
        from grok_video.core.export import export_gif as app_call

        suffix, floor_argv = ".gif", gif_floor_argv
    imported = time.perf_counter() - started
    exe = ffmpeg()
    out.mkdir(parents=True, exist_ok=True)
    app_target = out / f"app{suffix}"
    floor_target = out / f"ffmpeg{suffix}"
    app: list[float] = []
    floor: list[float] = []
    for run in range(runs + 1):
        app_target.unlink(missing_ok=True)
        with profiled(f"media-{kind}") if run == 1 else contextlib.nullcontext():
            t0 = time.perf_counter()
            app_call(clip, app_target)
            took = time.perf_counter() - t0
        floor_took = _floor_wall(floor_argv(exe, clip, floor_target))
        if run:
            app.append(took)
            floor.append(floor_took)
    return {
        "app": app,
        "floor": floor,
        "import": imported,
        "app_bytes": app_target.stat().st_size,
        "floor_bytes": floor_target.stat().st_size,
        "peak_rss": proc_status().get("VmHWM", 0),
        "frame_size": _size(app_target),
    }


def _size(image: Path) -> str:
    from PIL import Image

    with Image.open(image) as im:
        frames = getattr(im, "n_frames", 1)
        return f"{im.width}x{im.height}" + (f", {frames} frames" if frames > 1 else "")


# -- rows --------------------------------------------------------------------------------------
def _row(name: str, goal: float, data: dict[str, Any], what: str) -> Row:
    figure, floor = median(data["app"]), median(data["floor"])
    ratio = figure / floor
    return Row(
        name,
        ms(figure),
        ms(floor),
        ratio,
        f"≤ {goal:g}× floor",
        ratio <= goal,
        [
            f"{what}: median of {len(data['app'])} runs each after a warm-up "
            f"(app {', '.join(ms(s) for s in data['app'])}; "
            f"ffmpeg {', '.join(ms(s) for s in data['floor'])}). "
            f"Output {data['frame_size']}: app {data['app_bytes'] / 1000:.0f} kB, "
            f"ffmpeg {data['floor_bytes'] / 1000:.0f} kB. The app's modules took "
            f"{ms(data['import'])} to import (not counted; the floor's process start is)."
        ],
    )


def run(work: Path, quick: bool = False) -> list[Row]:
    runs = 1 if quick else RUNS
    clips = work / "media"
    clips.mkdir(parents=True, exist_ok=True)
    thumb_seconds, gif_seconds = (2.0, 1.0) if quick else (15.0, 6.0)
    long_clip = make_clip(clips / f"clip-{thumb_seconds:g}s.mp4", thumb_seconds)
    short_clip = make_clip(clips / f"clip-{gif_seconds:g}s.mp4", gif_seconds)

    thumb = run_child(
        "bench_media", "thumbnail", str(long_clip), str(work / "media-out"), str(runs)
    )
    gif = run_child("bench_media", "gif", str(short_clip), str(work / "media-out"), str(runs))
    return [
        _row(
            f"thumbnail: first frame of a 720p {thumb_seconds:g} s H.264 clip",
            THUMB_GOAL,
            thumb,
            f"make_thumbnail (frame at {THUMB_AT} s, long edge {THUMB_EDGE}, JPEG) vs "
            "`ffmpeg -ss 0.5 -i … -frames:v 1` scaled the same",
        ),
        _row(
            f"GIF export of a {gif_seconds:g} s 720p clip",
            GIF_GOAL,
            gif,
            f"export_gif (width {GIF_WIDTH}, {GIF_FPS} fps) vs ffmpeg's "
            "fps,scale(lanczos),palettegen,paletteuse(floyd_steinberg) graph",
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] in ("thumbnail", "gif"):
        report(_measure(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])))
    else:
        standalone("bench_media", run, sys.argv[1:])
