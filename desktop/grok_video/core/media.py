"""Media checks with PyAV: is a file a decodable video, and what is in it."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import av
import av.error


class NotAVideo(Exception):
    """The file is not a playable video; the message says why."""


@dataclass(frozen=True)
class VideoInfo:
    duration: float | None
    width: int
    height: int
    has_audio: bool
    video_codec: str


def probe_and_verify(path: Path, decode_frames: int = 3) -> VideoInfo:
    """Open the file, walk every packet (a truncated file fails here) and decode a few frames."""
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise NotAVideo(f"cannot open as a video: {exc}") from exc
    try:
        if not container.streams.video:
            raise NotAVideo("the file has no video stream")
        vstream = container.streams.video[0]
        codec = vstream.codec_context.name
        has_audio = bool(container.streams.audio)
        decoded = 0
        width = height = 0
        packets = 0
        try:
            for packet in container.demux(vstream):
                if packet.size == 0:
                    continue
                packets += 1
                if decoded < decode_frames:
                    for frame in packet.decode():
                        decoded += 1
                        width, height = frame.width, frame.height
        except av.error.FFmpegError as exc:
            raise NotAVideo(f"the video data is damaged: {exc}") from exc
        if decoded == 0:
            raise NotAVideo("no frame of the video could be decoded")
        duration: float | None = None
        if vstream.duration is not None and vstream.time_base is not None:
            duration = float(vstream.duration * vstream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        return VideoInfo(
            duration=duration, width=width, height=height, has_audio=has_audio, video_codec=codec
        )
    finally:
        container.close()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def extract_last_frame(video: Path, target: Path) -> Path:
    """Save the video's final frame as a PNG (for "animate the last frame")."""
    try:
        container = av.open(str(video), mode="r")
    except (av.error.FFmpegError, OSError) as exc:
        raise NotAVideo(f"cannot open the video: {exc}") from exc
    try:
        if not container.streams.video:
            raise NotAVideo("the file has no video stream")
        stream = container.streams.video[0]
        last = None
        if container.duration and container.duration > 2_000_000:
            # Jump to about a second before the end; decoding starts at the keyframe before it.
            container.seek(container.duration - 1_000_000, backward=True, any_frame=False)
        for frame in container.decode(stream):
            last = frame
        if last is None:
            raise NotAVideo("no frame of the video could be decoded")
        image = last.to_image()  # type: ignore[no-untyped-call]
    except av.error.FFmpegError as exc:
        raise NotAVideo(f"the video data is damaged: {exc}") from exc
    finally:
        container.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    image.save(partial, format="PNG")
    os.replace(partial, target)
    return target
