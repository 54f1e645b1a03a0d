"""Real little videos for the sandbox: H.264 + AAC MP4s made with PyAV, different per prompt."""

from __future__ import annotations

import colorsys
import hashlib
import math
import os
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
from PIL import Image, ImageDraw

SIZES = {
    "16:9": (320, 180),
    "9:16": (180, 320),
    "1:1": (240, 240),
    "2:3": (160, 240),
    "3:2": (240, 160),
}
SAMPLE_RATE = 44100


def frame_size(aspect_ratio: str | None, scale: int = 1) -> tuple[int, int]:
    width, height = SIZES.get(aspect_ratio or "16:9", SIZES["16:9"])
    return width * scale // 2 * 2, height * scale // 2 * 2


def _colour(seed: int, shift: float, light: float) -> tuple[int, int, int]:
    hue = ((seed % 360) / 360 + shift) % 1.0
    r, g, b = colorsys.hls_to_rgb(hue, light, 0.65)
    return int(r * 255), int(g * 255), int(b * 255)


def _tone(frequency: float, start: int, count: int) -> bytes:
    """Signed 16-bit stereo samples of a soft sine tone, interleaved."""
    out = bytearray()
    for i in range(start, start + count):
        value = int(9000 * math.sin(2 * math.pi * frequency * i / SAMPLE_RATE))
        sample = value.to_bytes(2, "little", signed=True)
        out += sample + sample
    return bytes(out)


def make_video(
    path: Path,
    prompt: str,
    aspect_ratio: str | None = None,
    seconds: float = 2.0,
    fps: int = 24,
    scale: int = 1,
) -> None:
    """Write a real MP4 (H.264 yuv420p + AAC stereo) to path, atomically."""
    seed = int.from_bytes(hashlib.sha256(prompt.encode("utf-8")).digest()[:4], "big")
    width, height = frame_size(aspect_ratio, scale)
    frames = max(1, round(seconds * fps))
    top, bottom = _colour(seed, 0.0, 0.45), _colour(seed, 0.12, 0.22)
    ball = _colour(seed, 0.5, 0.6)
    caption = prompt.strip().replace("\n", " ")[:40] or "(picture)"

    background = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(background)
    for y in range(height):
        t = y / max(1, height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    container = av.open(str(tmp), mode="w", format="mp4")
    try:
        codec = "libx264" if "libx264" in av.codecs_available else "h264"
        video = cast("av.VideoStream", container.add_stream(codec, rate=fps))
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "veryfast", "crf": "30"} if codec == "libx264" else {}
        audio = container.add_stream("aac", rate=SAMPLE_RATE)
        audio.layout = "stereo"
        container.metadata["comment"] = f"Grok Video sandbox: {caption}"

        radius = max(6, min(width, height) // 8)
        for index in range(frames):
            image = background.copy()
            pen = ImageDraw.Draw(image)
            phase = index / frames
            cx = radius + (width - 2 * radius) * (0.5 + 0.5 * math.sin(2 * math.pi * phase))
            cy = height * 0.4 + height * 0.15 * math.cos(4 * math.pi * phase)
            pen.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=ball)
            pen.rectangle([0, height - 22 * scale, width, height], fill=(0, 0, 0))
            pen.text((6, height - 18 * scale), caption, fill=(255, 255, 255))
            frame = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)

        frequency = 220 + seed % 440
        total = int(SAMPLE_RATE * frames / fps)
        chunk = 1024
        for start in range(0, total, chunk):
            count = min(chunk, total - start)
            samples = av.AudioFrame(format="s16", layout="stereo", samples=count)
            samples.planes[0].update(_tone(frequency, start, count))
            samples.sample_rate = SAMPLE_RATE
            samples.pts = start
            samples.time_base = Fraction(1, SAMPLE_RATE)
            for packet in audio.encode(samples):
                container.mux(packet)
        for packet in audio.encode():
            container.mux(packet)
    except BaseException:
        container.close()
        tmp.unlink(missing_ok=True)
        raise
    container.close()
    os.replace(tmp, path)
