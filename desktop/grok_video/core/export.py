"""Exporting a job's video: an MP4 with the prompt in its tags, an animated GIF, or one PNG frame.

Every export writes a partial file next to its destination and moves it into place only when
it is complete: on an error or a cancel the partial is removed and the destination is untouched.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Literal

import av
import av.error
from av.video.frame import VideoFrame
from av.video.reformatter import VideoReformatter
from PIL import Image

from .errors import InvalidInput
from .fsutil import replace_into_place
from .media import (
    NotAVideo,
    grab_frame,
    open_video,
    stream_duration,
    write_mp4_metadata,
)
from .models import Job

__all__ = [
    "FORMATS",
    "GIF_FPS",
    "GIF_WIDTHS",
    "Cancelled",
    "ExportCancelled",
    "Progress",
    "check_output_path",
    "export_gif",
    "export_mp4",
    "export_png",
    "gif_frame_count",
    "job_metadata",
    "parse_at",
]


class ExportCancelled(Exception):
    """The export was cancelled; nothing was written."""


Progress = Callable[[float], None]  # 0.0 .. 1.0
Cancelled = Callable[[], bool]  # polled often; True stops the export

FORMATS = ("mp4", "gif", "png")
GIF_WIDTHS = (320, 480, 640)  # offered choices; None = the video's own width
GIF_FPS = (10, 12, 15, 24)
GIF_MAX_FPS = 50.0  # GIF delays are in hundredths of a second; 2 is the least viewers honour
TITLE_LIMIT = 100

_PALETTE_SAMPLES = 16  # frames in the montage the GIF's one palette is made from
_PALETTE_TILE = 200  # their width in the montage
_MARK = 255  # the palette index kept free: transparent, it marks a repeated frame


# -- input checks ---------------------------------------------------------------------------
def parse_at(text: str) -> float | Literal["last"]:
    """`--at`: seconds from the start ("0", "2", "2.5") or "last"."""
    value = text.strip().lower()
    if value == "last":
        return "last"
    try:
        seconds = float(value)
    except ValueError:
        raise InvalidInput(
            f"--at takes a time in seconds (such as 2.5) or 'last', not {text!r}."
        ) from None
    if not math.isfinite(seconds) or seconds < 0:
        raise InvalidInput(f"--at takes a time of 0 seconds or more, not {text!r}.")
    return seconds


def check_output_path(path: Path, fmt: str) -> Path:
    """The resolved output path; its folder must exist and be writable, and it is no folder."""
    if fmt not in FORMATS:
        raise InvalidInput(f"Format {fmt!r} is not offered: choose one of {', '.join(FORMATS)}.")
    try:
        resolved = Path(path).expanduser().resolve()
    except (OSError, RuntimeError) as exc:
        raise InvalidInput(f"The output path {str(path)!r} cannot be used: {exc}") from exc
    if resolved.is_dir():
        raise InvalidInput(
            f"The output path {str(resolved)!r} is a folder: "
            f"give a file name, such as {str(resolved / ('video.' + fmt))!r}."
        )
    parent = resolved.parent
    if not parent.is_dir():
        raise InvalidInput(f"The folder {str(parent)!r} of the output path does not exist.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidInput(f"The folder {str(parent)!r} of the output path is not writable.")
    if resolved.exists() and not os.access(resolved, os.W_OK):
        raise InvalidInput(f"The output file {str(resolved)!r} is not writable.")
    return resolved


def job_metadata(job: Job) -> dict[str, str]:
    """The tags an exported MP4 carries: the prompt, and the job's record as compact JSON.

    The record leaves out where things lie on this computer (the video's and the picture's
    paths; a local image keeps only its file name), since exported files get shared.
    """
    prompt = job.prompt.strip()
    one_line = " ".join(prompt.split())
    if len(one_line) > TITLE_LIMIT:
        one_line = one_line[: TITLE_LIMIT - 1].rstrip() + "…"
    record = job.record()
    record.pop("video_path", None)
    record.pop("source_image", None)
    record["images"] = [_shareable(image) for image in job.images]
    out = {"title": one_line or f"Grok Imagine video {job.id[:12]}"}
    if prompt:
        out["comment"] = prompt
        out["description"] = prompt
    out["grok_video"] = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return out


def _shareable(image: str) -> str:
    if image.startswith(("http://", "https://")):
        return image
    if image.startswith("data:"):
        return "data:…"
    return Path(image).name


def gif_frame_count(duration: float, fps: float) -> int:
    """How many frames export_gif writes for a video of `duration` seconds.

    Output frame k (k = 0, 1, …) stands for the time t = k / fps and shows the last video frame
    whose time is at or before t; one is written for every t < duration, so there are
    ceil(duration * fps) frames (at least one). `duration` is the video stream's declared
    length (the container's if the stream has none): see `media.stream_duration`.
    """
    return max(1, math.ceil(duration * fps - 1e-6))


# -- the exports ----------------------------------------------------------------------------
class _Run:
    """Progress kept monotonic, cancel checks, and the partial file of one export."""

    def __init__(
        self, src: Path, dst: Path, progress: Progress | None, cancelled: Cancelled | None
    ) -> None:
        src = Path(src)
        dst = Path(dst)
        if not src.is_file():
            raise NotAVideo(f"the video file {src} is missing")
        if dst.resolve() == src.resolve():
            raise InvalidInput(f"The output path {str(dst)!r} is the video itself.")
        if dst.is_dir():
            raise InvalidInput(f"The output path {str(dst)!r} is a folder.")
        self.src = src
        self.dst = dst
        self.partial = dst.with_name(f".{dst.name}.part-{os.getpid()}")
        self._progress = progress
        self._cancelled = cancelled
        self._done = 0.0
        if progress is not None:
            progress(0.0)

    def check(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise ExportCancelled("the export was cancelled")

    def report(self, fraction: float) -> None:
        fraction = min(1.0, max(self._done, fraction))
        if self._progress is not None and fraction > self._done:
            self._progress(fraction)
        self._done = fraction

    def scaled(self, low: float, high: float) -> Callable[[float], None]:
        """A tick for one stage: reports low..high and checks for a cancel."""

        def tick(fraction: float) -> None:
            self.check()
            self.report(low + (high - low) * fraction)

        return tick

    def finish(self) -> Path:
        self.check()
        replace_into_place(self.partial, self.dst)
        self.report(1.0)
        return self.dst

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.partial.unlink()


def export_mp4(
    src: Path,
    dst: Path,
    *,
    metadata: dict[str, str],
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> Path:
    """A copy of the video (no re-encoding) whose container tags are `metadata`."""
    run = _Run(src, dst, progress, cancelled)
    try:
        write_mp4_metadata(run.src, run.partial, metadata, tick=run.scaled(0.0, 0.99))
        return run.finish()
    finally:
        run.discard()


def export_png(
    src: Path,
    dst: Path,
    *,
    at: float | Literal["last"] = 0.0,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> Path:
    """One frame at the video's own resolution: the first frame whose time is at or after
    `at` seconds (after seeking back to the keyframe before it), or the very last frame."""
    run = _Run(src, dst, progress, cancelled)
    try:
        if at != "last":
            if not math.isfinite(at) or at < 0:
                raise InvalidInput(f"The time {at} is not a time in the video.")
            container, stream = open_video(run.src)
            with container:
                duration = stream_duration(container, stream)
            if duration is not None and at > duration + 1e-6:
                raise InvalidInput(
                    f"There is no frame at {at:g} s: the video is only {duration:.1f} s long."
                )
        image = grab_frame(run.src, None if at == "last" else at, tick=run.scaled(0.0, 0.9))
        run.check()
        with open(run.partial, "wb") as fh:
            image.save(fh, format="PNG")
        return run.finish()
    finally:
        run.discard()


def export_gif(
    src: Path,
    dst: Path,
    *,
    width: int | None = 480,
    fps: float = 12,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> Path:
    """An endlessly looping GIF, `width` pixels wide (None: the video's width; never wider
    than the video), at `fps` frames a second: gif_frame_count() tells how many frames.

    The video is decoded twice: once to build one palette for all frames from a montage of up
    to 16 of them, once to quantize every frame with it (Floyd–Steinberg dithering). Only the
    scaled, quantized frames are kept in memory.
    """
    if width is not None and width < 1:
        raise InvalidInput(f"The GIF width must be a whole number of pixels, not {width}.")
    if not math.isfinite(fps) or not 1 <= fps <= GIF_MAX_FPS:
        raise InvalidInput(f"The GIF frame rate must be 1 to {GIF_MAX_FPS:g} a second, not {fps}.")
    run = _Run(src, dst, progress, cancelled)
    try:
        container, stream = open_video(run.src)
        with container:
            duration = stream_duration(container, stream)
            src_w, src_h = stream.width, stream.height
        if not duration or src_w < 1 or src_h < 1:
            raise NotAVideo(f"the length or size of {run.src} is unknown")
        out_w = min(width or src_w, src_w)
        size = (out_w, max(1, round(src_h * out_w / src_w)))
        count = gif_frame_count(duration, fps)

        palette = _gif_palette(run, size, fps, count)
        # Each delay is a whole number of hundredths; they add up so frame k starts at k / fps.
        starts = [round(100 * k / fps) for k in range(count + 1)]
        durations = [10 * (starts[k + 1] - starts[k]) for k in range(count)]
        with (
            contextlib.closing(_gif_frames(run, size, fps, count, palette)) as frames,
            open(run.partial, "wb") as fh,
        ):
            first = next(frames)
            first.save(
                fh,
                format="GIF",
                save_all=True,
                append_images=frames,  # consumed lazily: decoding happens inside save()
                loop=0,
                duration=durations if count > 1 else durations[0],
                optimize=False,
                disposal=1,
                transparency=_MARK,
            )
        return run.finish()
    finally:
        run.discard()


def _sampled(run: _Run, fps: float, count: int, low: float, high: float) -> Iterator[VideoFrame]:
    """Decode the video once and yield the frame shown at each t = k / fps, k < count."""
    container, stream = open_video(run.src)
    try:
        stream.thread_type = "AUTO"
        start = stream.start_time
        time_base = stream.time_base
        rate = stream.average_rate or stream.guessed_rate
        step = 1 / float(rate) if rate else 1 / 30
        tick = run.scaled(low, high)
        k = 0
        shown: VideoFrame | None = None
        for index, frame in enumerate(container.decode(stream)):
            if frame.pts is None or time_base is None:
                seconds = index * step
            else:
                if start is None:
                    start = frame.pts
                seconds = float((frame.pts - start) * time_base)
            # Every output time before this frame's shows the frame before it.
            while k < count and seconds > k / fps + 1e-6:
                yield shown if shown is not None else frame
                k += 1
                tick(k / count)
            shown = frame
            if k >= count:
                break
        if shown is None:
            raise NotAVideo(f"no frame of {run.src} could be decoded")
        while k < count:  # the stream ends before its declared length: hold the last frame
            yield shown
            k += 1
            tick(k / count)
    except av.error.FFmpegError as exc:
        raise NotAVideo(f"the video data of {run.src} is damaged: {exc}") from exc
    finally:
        container.close()


def _to_image(frame: VideoFrame, size: tuple[int, int], scaler: VideoReformatter) -> Image.Image:
    """The frame as an RGB picture of `size`: converted and scaled in one step by FFmpeg's
    scaler (Lanczos). One scaler serves a whole pass, so its set-up is made only once."""
    rgb = scaler.reformat(
        frame, width=size[0], height=size[1], format="rgb24", interpolation="LANCZOS"
    )
    image: Image.Image = rgb.to_image()  # type: ignore[no-untyped-call]
    return image


def _gif_palette(run: _Run, size: tuple[int, int], fps: float, count: int) -> list[int]:
    """One palette of 255 colours from a montage of frames spread over the clip, plus a copy of
    its first colour at index 255 (which the frames never use: it is the transparent mark)."""
    samples = min(_PALETTE_SAMPLES, count)
    wanted = {round(i * (count - 1) / max(1, samples - 1)) for i in range(samples)}
    tile_w = min(size[0], _PALETTE_TILE)
    tile = (tile_w, max(1, round(size[1] * tile_w / size[0])))
    montage = Image.new("RGB", (tile[0], tile[1] * len(wanted)))  # one column of frames
    placed = 0
    scaler = VideoReformatter()
    for k, frame in enumerate(_sampled(run, fps, count, 0.0, 0.3)):
        if k in wanted:
            montage.paste(_to_image(frame, tile, scaler), (0, placed * tile[1]))
            placed += 1
    quantized = montage.quantize(colors=_MARK, method=Image.Quantize.MEDIANCUT)
    colours = list(quantized.getpalette() or [0, 0, 0])[: 3 * _MARK]
    while len(colours) < 3 * _MARK:  # fewer colours than that: pad with the first one
        colours += colours[:3]
    return colours + colours[:3]


def _gif_frames(
    run: _Run, size: tuple[int, int], fps: float, count: int, palette: list[int]
) -> Generator[Image.Image, None, None]:
    """The GIF's frames, quantized with the one palette.

    Pillow merges a frame identical to the one before it into it, which would lose frames;
    so a repeated frame gets the transparent mark in its first pixel, which shows the
    previous frame's pixel there (disposal 1: frames are drawn over the one before).
    """
    reference = Image.new("P", (1, 1))
    reference.putpalette(palette)
    unmark = bytes(range(_MARK)) + bytes([0])  # index 255 holds the colour of index 0
    previous: bytes | None = None
    scaler = VideoReformatter()
    for frame in _sampled(run, fps, count, 0.3, 0.95):
        quantized = _to_image(frame, size, scaler).quantize(
            palette=reference, dither=Image.Dither.FLOYDSTEINBERG
        )
        data = quantized.tobytes().translate(unmark)
        if data == previous:
            data = bytes([_MARK]) + data[1:]
        previous = data
        image = Image.frombytes("P", size, data)
        image.putpalette(palette)
        yield image
