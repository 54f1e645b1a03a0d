"""Small but real MP4 files (H.264 + AAC) that look different for every prompt."""

from __future__ import annotations

import colorsys
import contextlib
import hashlib
import math
import os
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import cast

import av
from av.audio.stream import AudioStream
from av.video.stream import VideoStream
from PIL import Image, ImageDraw, ImageFont

__all__ = ["SIZES", "frame_size", "make_video"]

SIZES: dict[str, tuple[int, int]] = {
    "16:9": (320, 180),
    "9:16": (180, 320),
    "1:1": (240, 240),
    "2:3": (160, 240),
    "3:2": (240, 160),
}
SAMPLE_RATE = 44100
AUDIO_FRAME = 1024
TEXT_CHARS = 40
# PyAV's stub leaves from_image untyped.
_from_image = cast("Callable[[Image.Image], av.VideoFrame]", av.VideoFrame.from_image)


def frame_size(aspect_ratio: str | None, scale: int = 1) -> tuple[int, int]:
    """The frame size make_video uses for an aspect ratio (unknown or None: 16:9)."""
    width, height = SIZES.get(aspect_ratio or "16:9", SIZES["16:9"])
    scale = max(1, int(scale))
    return _even(width * scale), _even(height * scale)


def _even(value: int) -> int:
    return max(2, value - value % 2)


def _colour(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(r * 255), round(g * 255), round(b * 255)


_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: int) -> _Font:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, ValueError, TypeError):  # Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: _Font, width: int) -> list[str]:
    """Greedy word wrap to a pixel width (a word longer than the width is cut)."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}".strip()
        if not line or draw.textlength(candidate, font=font) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def _draw_text(
    draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, width: int
) -> None:
    font = _font(size)
    for candidate in (text, text.encode("ascii", "replace").decode("ascii")):
        try:
            lines = _wrap(draw, candidate, font, width)
            draw.multiline_text(
                xy,
                "\n".join(lines),
                fill=(255, 255, 255),
                font=font,
                stroke_width=max(1, size // 10),
                stroke_fill=(0, 0, 0),
            )
            return
        except (UnicodeError, ValueError, OSError):
            continue


def _background(prompt_hash: bytes, width: int, height: int, text: str) -> Image.Image:
    hue = prompt_hash[0] / 256
    top = Image.new("RGB", (width, height), _colour(hue, 0.85, 0.95))
    second = hue + 0.15 + prompt_hash[1] / 1024
    bottom = Image.new("RGB", (width, height), _colour(second, 0.9, 0.35))
    mask = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(bottom, top, mask)
    size = max(10, min(width, height) // 14)
    margin = max(2, width // 40)
    draw = ImageDraw.Draw(image)
    _draw_text(draw, (margin, max(2, height // 30)), text, size, width - 2 * margin)
    return image


def _video_codec(container: av.container.OutputContainer, fps: int) -> VideoStream:
    last: Exception | None = None
    for name in ("libx264", "h264"):
        try:
            options = {"preset": "ultrafast"} if name == "libx264" else {}
            return container.add_stream(name, rate=fps, options=options)
        except (av.FFmpegError, ValueError) as exc:  # codec not built in
            last = exc
    raise RuntimeError(f"no H.264 encoder available: {last}")


def make_video(
    path: Path,
    prompt: str,
    aspect_ratio: str | None = None,
    seconds: float = 2.0,
    fps: int = 24,
    scale: int = 1,
) -> None:
    """Write a real MP4 (H.264 yuv420p video, AAC stereo 44100 Hz audio) to path.

    Colours, motion and the tone's pitch derive from a hash of the prompt, and the prompt's
    first characters are drawn on every frame. Written to path + '.tmp', then moved into place.
    """
    path = Path(path)
    width, height = frame_size(aspect_ratio, scale)
    fps = max(1, int(fps))
    frames = max(1, round(seconds * fps))
    digest = hashlib.sha256(prompt.encode("utf-8", "replace")).digest()
    text = " ".join(prompt.split())[:TEXT_CHARS] or "(no prompt)"
    base = _background(digest, width, height, text)
    shape_colour = _colour(digest[0] / 256 + 0.5, 0.7, 1.0)
    phase = digest[2] / 256 * 2 * math.pi
    radius = max(4, min(width, height) // 8)
    pitch = 220.0 + (int.from_bytes(digest[3:5], "big") % 660)

    tmp = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with av.open(str(tmp), "w", format="mp4") as container:
            video = _video_codec(container, fps)
            video.width = width
            video.height = height
            video.pix_fmt = "yuv420p"
            audio: AudioStream = container.add_stream("aac", rate=SAMPLE_RATE)
            audio.layout = "stereo"

            for index in range(frames):
                angle = 2 * math.pi * index / frames + phase
                image = base.copy()
                cx = radius + (width - 2 * radius) * (0.5 + 0.5 * math.sin(angle))
                cy = radius + (height - 2 * radius) * (0.5 + 0.5 * math.cos(angle))
                ImageDraw.Draw(image).ellipse(
                    (cx - radius, cy - radius, cx + radius, cy + radius), fill=shape_colour
                )
                frame = _from_image(image).reformat(format="yuv420p")
                frame.pts = index
                container.mux(video.encode(frame))
            container.mux(video.encode(None))

            total = max(1, round(SAMPLE_RATE * frames / fps))
            step = 2 * math.pi * pitch / SAMPLE_RATE
            for start in range(0, total, AUDIO_FRAME):
                count = min(AUDIO_FRAME, total - start)
                samples = array("f", (0.2 * math.sin(step * (start + i)) for i in range(count)))
                data = samples.tobytes()
                aframe = av.AudioFrame(format="fltp", layout="stereo", samples=count)
                for plane in aframe.planes:
                    plane.update(data)
                aframe.sample_rate = SAMPLE_RATE
                aframe.pts = start
                container.mux(audio.encode(aframe))
            container.mux(audio.encode(None))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
