"""Media checks with PyAV: is a file a decodable video, and what is in it."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import av.error
from av.container import InputContainer
from av.stream import Stream
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from PIL import Image


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


# -- frames, thumbnails, metadata ------------------------------------------------------------
# How far a frame's time may fall short of a requested time and still count as "at" it.
_TIME_SLACK = 1e-6


def open_video(path: Path) -> tuple[InputContainer, VideoStream]:
    """Open a file for reading and return it with its first video stream (NotAVideo if none)."""
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise NotAVideo(f"cannot open the video {path}: {exc}") from exc
    if not container.streams.video:
        container.close()
        raise NotAVideo(f"{path} has no video stream")
    return container, container.streams.video[0]


def stream_duration(container: InputContainer, stream: VideoStream) -> float | None:
    """The video stream's length in seconds as the file declares it (the container's if not)."""
    if stream.duration is not None and stream.time_base is not None and stream.duration > 0:
        return float(stream.duration * stream.time_base)
    if container.duration is not None and container.duration > 0:
        return container.duration / 1_000_000
    return None


class _Clock:
    """Frame times in seconds from the start of a video stream."""

    def __init__(self, stream: VideoStream) -> None:
        self.time_base = stream.time_base
        self.start: int | None = stream.start_time
        rate = stream.average_rate or stream.guessed_rate
        self.frame_seconds = 1 / float(rate) if rate else 1 / 30
        self.count = 0

    def __call__(self, frame: VideoFrame) -> float:
        """The frame's time; frames without a timestamp are placed one frame after the last."""
        self.count += 1
        if frame.pts is None or self.time_base is None:
            return (self.count - 1) * self.frame_seconds
        if self.start is None:
            self.start = frame.pts
        return float((frame.pts - self.start) * self.time_base)

    def offset(self, seconds: float) -> int:
        """A time in seconds as a timestamp of the stream (for seeking)."""
        if self.time_base is None:
            return 0
        return (self.start or 0) + int(seconds / self.time_base)


def grab_frame(
    path: Path,
    at: float | None,
    *,
    tick: Callable[[float], None] | None = None,
) -> Image.Image:
    """The first frame whose time is at or after `at` seconds (None: the very last frame).

    When no frame is that late, the last decodable frame is returned. Seeks backward to the
    keyframe before the wanted time, so only one group of pictures is decoded. `tick` is called
    with the fraction of the way done after each decoded frame; it may raise to stop.
    """
    container, stream = open_video(path)
    try:
        stream.thread_type = "AUTO"
        clock = _Clock(stream)
        duration = stream_duration(container, stream)
        # For the last frame: from about a second before the end (the keyframe before that).
        start = max(0.0, (duration or 0.0) - 1.0) if at is None else at
        frame = _decode_until(container, stream, clock, start, at, duration, tick)
        if frame is None and start > 0:  # the seek landed past every frame: decode it all
            container.seek(clock.offset(0.0), stream=stream, backward=True)
            frame = _decode_until(container, stream, clock, 0.0, at, duration, tick)
        if frame is None:
            raise NotAVideo(f"no frame of {path} could be decoded")
        return frame.to_image()  # type: ignore[no-untyped-call,no-any-return]
    except av.error.FFmpegError as exc:
        raise NotAVideo(f"the video data of {path} is damaged: {exc}") from exc
    finally:
        container.close()


def _decode_until(
    container: InputContainer,
    stream: VideoStream,
    clock: _Clock,
    start: float,
    at: float | None,
    duration: float | None,
    tick: Callable[[float], None] | None,
) -> VideoFrame | None:
    """Decode from the keyframe before `start`; the first frame at `at`, else the last one."""
    if start > 0:
        container.seek(clock.offset(start), stream=stream, backward=True)
    last: VideoFrame | None = None
    goal = at if at is not None else (duration or 0.0)
    for frame in container.decode(stream):
        seconds = clock(frame)
        if tick is not None:
            tick(min(1.0, seconds / goal) if goal > 0 else 0.0)
        if at is not None and seconds + _TIME_SLACK >= at:
            return frame
        last = frame
    return last


def make_thumbnail(
    video: Path, target: Path, *, max_size: int = 320, at_seconds: float = 0.5
) -> Path:
    """A JPEG of the frame at `at_seconds` (or the last one of a shorter clip), long edge
    `max_size` (never scaled up), written to a partial file and moved into place."""
    image = grab_frame(video, max(0.0, at_seconds))
    image = image.convert("RGB")
    image.thumbnail((max_size, max_size), Image.Resampling.LANCZOS)
    partial = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(partial, format="JPEG", quality=85, optimize=True)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return target


def write_mp4_metadata(
    src: Path,
    dst: Path,
    metadata: dict[str, str],
    *,
    tick: Callable[[float], None] | None = None,
) -> None:
    """Copy every video and audio stream of `src` into a new MP4 at `dst` without re-encoding,
    with `metadata` as the container's tags (custom keys too: `use_metadata_tags`).

    `dst` is written in place (pass a partial path for an atomic result) and removed again if
    the copy fails. `tick` gets the fraction of the input read after each packet; it may raise
    to stop the copy.
    """
    container, _ = open_video(src)
    try:
        total = max(1, src.stat().st_size)
        try:
            out = av.open(
                str(dst),
                mode="w",
                format="mp4",
                options={"movflags": "+faststart+use_metadata_tags"},
            )
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            raise OSError(f"cannot write {dst}: {exc}") from exc
        try:
            with out:
                for key, value in metadata.items():
                    if value:
                        out.metadata[key] = value
                mapping: dict[int, Stream] = {}
                for stream in container.streams:
                    if stream.type in ("video", "audio"):
                        try:
                            mapping[stream.index] = out.add_stream_from_template(stream)
                        except ValueError as exc:
                            raise NotAVideo(f"cannot copy {src} into an MP4: {exc}") from exc
                inputs = [s for s in container.streams if s.index in mapping]
                done = 0
                for packet in container.demux(inputs):
                    # The demuxer ends each stream with an empty packet, which is not muxed.
                    if packet.dts is None:
                        continue
                    done += packet.size
                    # mux() rescales the timestamps from the input's time base to the output's.
                    packet.stream = mapping[packet.stream.index]
                    out.mux(packet)
                    if tick is not None:
                        tick(min(1.0, done / total))
        except OSError:
            raise  # a write error (a full disk, say) is not the video's fault
        except av.error.FFmpegError as exc:
            raise NotAVideo(f"cannot copy {src}: {exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            dst.unlink()
        raise
    finally:
        container.close()


def read_mp4_metadata(path: Path) -> dict[str, str]:
    """The container's tags as a plain dict."""
    try:
        with av.open(str(path), mode="r") as container:
            return {str(k): str(v) for k, v in container.metadata.items()}
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise NotAVideo(f"cannot open {path}: {exc}") from exc


def count_frames(path: Path) -> int:
    """Decode every frame of the first video stream and count them."""
    container, stream = open_video(path)
    try:
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))
    except av.error.FFmpegError as exc:
        raise NotAVideo(f"the video data of {path} is damaged: {exc}") from exc
    finally:
        container.close()


def video_fps(path: Path) -> float:
    """The video's average frame rate (0.0 when the file does not say)."""
    container, stream = open_video(path)
    try:
        rate = stream.average_rate or stream.guessed_rate
        return float(rate) if rate else 0.0
    finally:
        container.close()
