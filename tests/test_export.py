"""Thumbnails, metadata and exports (MP4, GIF, PNG), in the core and through `grok-video export`."""

from __future__ import annotations

import json
import math
import os
import uuid
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image, ImageChops

from grok_video.core.errors import InvalidInput
from grok_video.core.export import (
    ExportCancelled,
    check_output_path,
    export_gif,
    export_mp4,
    export_png,
    gif_frame_count,
    job_metadata,
    parse_at,
)
from grok_video.core.media import (
    NotAVideo,
    count_frames,
    make_thumbnail,
    read_mp4_metadata,
    video_fps,
    write_mp4_metadata,
)
from grok_video.core.models import Job, JobStatus, Kind, Params, utc_now
from grok_video.core.store import Store
from grok_video.sandbox.video import make_video

from .conftest import Cli

FPS = 24
RED, BLUE, GREEN = (220, 20, 20), (20, 20, 220), (20, 200, 20)
# The static clip: long runs of identical frames, 37 frames in all (1.54 s at 24 fps).
STATIC_RUNS = ((RED, 12), (BLUE, 13), (GREEN, 12))


# -- clips ----------------------------------------------------------------------------------
def write_static_video(path: Path, runs: tuple[tuple[tuple[int, int, int], int], ...]) -> None:
    """An H.264 clip of solid colours, each held for a number of frames (no audio)."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"preset": "ultrafast"})
        stream.width, stream.height = 160, 96
        stream.pix_fmt = "yuv420p"
        index = 0
        for colour, count in runs:
            image = Image.new("RGB", (160, 96), colour)
            for _ in range(count):
                frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")
                frame.pts = index
                index += 1
                container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    out = {
        "wide": folder / "wide.mp4",  # 640x360, 2 s, 48 frames, with audio
        "tall": folder / "tall.mp4",  # 180x320, 1 s
        "short": folder / "short.mp4",  # 320x180, 5 frames (0.21 s)
        "static": folder / "static.mp4",
    }
    make_video(out["wide"], "A red ball rolls across a meadow", "16:9", 2.0, FPS, 2)
    make_video(out["tall"], "A tall tower", "9:16", 1.0, FPS, 1)
    make_video(out["short"], "Blink", "16:9", 5 / FPS, FPS, 1)
    write_static_video(out["static"], STATIC_RUNS)
    return out


def decoded_images(path: Path) -> list[Image.Image]:
    with av.open(str(path)) as container:
        return [frame.to_image() for frame in container.decode(video=0)]


def frame_times(path: Path) -> list[Fraction]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [Fraction(f.pts) * stream.time_base for f in container.decode(stream)]


def stream_facts(path: Path) -> tuple[int, int, float]:
    """Width, height and the video stream's declared duration in seconds."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.duration is not None
        return stream.width, stream.height, float(stream.duration * stream.time_base)


def gif_facts(path: Path) -> tuple[tuple[int, int], int, int]:
    """The GIF's size, its frame count as PyAV decodes it, and Pillow's n_frames."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        size = (stream.width, stream.height)
        decoded = sum(1 for _ in container.decode(stream))
    with Image.open(path) as image:
        n_frames = image.n_frames
    return size, decoded, n_frames


def same(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None


def leftovers(folder: Path, *keep: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p not in keep)


def a_job(video: Path | None, **fields: object) -> Job:
    values: dict[str, object] = {
        "id": uuid.uuid4().hex,
        "status": JobStatus.COMPLETED,
        "kind": Kind.TEXT,
        "prompt": "A red ball rolls across a meadow",
        "params": Params(duration=6, aspect_ratio="16:9"),
        "images": (),
        "created_at": utc_now(),
        "video_path": str(video) if video else None,
    }
    values.update(fields)
    return Job(**values)  # type: ignore[arg-type]


# -- thumbnails -----------------------------------------------------------------------------
def test_thumbnail_long_edge_and_content(clips: dict[str, Path], tmp_path: Path) -> None:
    wide = make_thumbnail(clips["wide"], tmp_path / "thumbs" / "wide.jpg")
    tall = make_thumbnail(clips["tall"], tmp_path / "thumbs" / "tall.jpg", max_size=160)
    with Image.open(wide) as image:
        assert image.format == "JPEG"
        assert image.size == (320, 180)
        assert max(hi for _, hi in image.getextrema()) > 100  # not all black
    with Image.open(tall) as image:
        assert image.size == (90, 160)
    assert leftovers(tmp_path / "thumbs") == ["tall.jpg", "wide.jpg"]


def test_thumbnail_is_never_scaled_up_and_takes_a_short_clips_last_frame(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    thumb = make_thumbnail(clips["short"], tmp_path / "t.jpg", max_size=1000, at_seconds=0.5)
    with Image.open(thumb) as image:
        assert image.size == (320, 180)
    png = export_png(clips["short"], tmp_path / "last.png", at="last")
    with Image.open(png) as last, Image.open(thumb) as image:
        # JPEG is lossy: the thumbnail is close to the last frame, not equal to it.
        diff = ImageChops.difference(last.convert("RGB"), image.convert("RGB"))
        assert max(hi for _, hi in diff.getextrema()) < 96


def test_thumbnail_of_a_non_video_raises(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 100)
    with pytest.raises(NotAVideo):
        make_thumbnail(junk, tmp_path / "t.jpg")
    assert leftovers(tmp_path, junk) == []


# -- MP4 and metadata ------------------------------------------------------------------------
def test_mp4_export_keeps_streams_timestamps_and_carries_the_job(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    prompt = "Ünïcode prompt, line one\nline two: " + "long " * 990
    job = a_job(clips["wide"], prompt=prompt.strip(), images=("/home/someone/cat.png",))
    metadata = job_metadata(job)
    dst = export_mp4(clips["wide"], tmp_path / "out.mp4", metadata=metadata)

    tags = read_mp4_metadata(dst)
    for key in ("title", "comment", "description", "grok_video"):
        assert tags[key] == metadata[key], key
    assert tags["comment"] == prompt.strip()
    record = json.loads(tags["grok_video"])
    assert record["id"] == job.id
    assert record["prompt"] == prompt.strip()
    assert record["images"] == ["cat.png"]  # no local paths in a file that gets shared
    assert "video_path" not in record

    assert count_frames(dst) == count_frames(clips["wide"]) == 48
    assert stream_facts(dst)[:2] == stream_facts(clips["wide"])[:2] == (640, 360)
    assert frame_times(dst) == frame_times(clips["wide"])
    assert video_fps(dst) == pytest.approx(FPS)
    with av.open(str(dst)) as out, av.open(str(clips["wide"])) as src:
        assert [s.type for s in out.streams] == [s.type for s in src.streams]
        assert out.streams.video[0].codec_context.name == "h264"
        assert out.streams.audio[0].codec_context.name == "aac"
    assert leftovers(tmp_path, dst) == []


def test_write_mp4_metadata_round_trip(clips: dict[str, Path], tmp_path: Path) -> None:
    metadata = {
        "title": "Title",
        "comment": "C",
        "description": "D",
        "grok_video": '{"a":1}',
    }
    write_mp4_metadata(clips["static"], tmp_path / "m.mp4", metadata)
    tags = read_mp4_metadata(tmp_path / "m.mp4")
    assert {k: tags[k] for k in metadata} == metadata
    assert count_frames(tmp_path / "m.mp4") == 37


def test_read_metadata_of_a_non_video_raises(tmp_path: Path) -> None:
    (tmp_path / "x.mp4").write_text("nope")
    with pytest.raises(NotAVideo):
        read_mp4_metadata(tmp_path / "x.mp4")


def test_job_metadata_title_is_one_short_line() -> None:
    job = a_job(None, prompt="  First line\n\nsecond   line " + "word " * 40)
    meta = job_metadata(job)
    assert "\n" not in meta["title"]
    assert len(meta["title"]) <= 100
    assert meta["title"].startswith("First line second line word")
    assert meta["title"].endswith("…")
    assert meta["comment"] == meta["description"] == job.prompt.strip()
    assert json.loads(meta["grok_video"])["id"] == job.id
    assert " " not in meta["grok_video"][:20]  # compact JSON

    bare = job_metadata(a_job(None, prompt="", kind=Kind.IMAGE, images=("https://x/y.png",)))
    assert bare["title"].startswith("Grok Imagine video ")
    assert "comment" not in bare
    assert json.loads(bare["grok_video"])["images"] == ["https://x/y.png"]


# -- GIF -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("width", "fps", "size"),
    [
        (480, 12, (480, 270)),
        (None, 24, (640, 360)),
        (320, 10, (320, 180)),
        (1000, 15, (640, 360)),  # never wider than the video
    ],
)
def test_gif_size_and_frame_count(
    clips: dict[str, Path], tmp_path: Path, width: int | None, fps: int, size: tuple[int, int]
) -> None:
    dst = export_gif(clips["wide"], tmp_path / "out.gif", width=width, fps=fps)
    _, _, duration = stream_facts(clips["wide"])
    assert duration == pytest.approx(2.0)
    expected = math.ceil(2.0 * fps)
    assert gif_frame_count(duration, fps) == expected
    assert gif_facts(dst) == (size, expected, expected)
    with Image.open(dst) as image:
        assert image.info.get("loop") == 0
    assert leftovers(tmp_path, dst) == []


@pytest.mark.parametrize("fps", [10, 12, 24])
def test_gif_keeps_every_frame_of_static_stretches(
    clips: dict[str, Path], tmp_path: Path, fps: int
) -> None:
    dst = export_gif(clips["static"], tmp_path / "static.gif", width=None, fps=fps)
    total = sum(n for _, n in STATIC_RUNS)
    expected = math.ceil(total / FPS * fps)  # 37 frames: 16, 19 and 37
    _, _, duration = stream_facts(clips["static"])
    assert gif_frame_count(duration, fps) == expected
    assert gif_facts(dst) == ((160, 96), expected, expected)

    # Frame k shows the video frame on screen at k / fps, corner pixel included.
    colours = [colour for colour, n in STATIC_RUNS for _ in range(n)]
    with Image.open(dst) as image:
        durations = []
        for k in range(expected):
            image.seek(k)
            rgb = image.convert("RGB")
            want = colours[math.floor(k * FPS / fps + 1e-9)]
            for xy in ((0, 0), (80, 48)):
                got = rgb.getpixel(xy)
                assert isinstance(got, tuple)
                assert all(abs(a - b) < 40 for a, b in zip(got, want, strict=True)), (k, xy, got)
            durations.append(image.info["duration"])
    # Delays are whole hundredths that add up to the right length.
    assert sum(durations) == pytest.approx(1000 * expected / fps, abs=10)


def test_gif_rejects_bad_settings(clips: dict[str, Path], tmp_path: Path) -> None:
    for kwargs in ({"fps": 0}, {"fps": 100}, {"fps": float("nan")}, {"width": 0}):
        with pytest.raises(InvalidInput):
            export_gif(clips["wide"], tmp_path / "x.gif", **kwargs)
    assert leftovers(tmp_path) == []


# -- PNG -------------------------------------------------------------------------------------
def test_png_frames_at_times_and_last(clips: dict[str, Path], tmp_path: Path) -> None:
    frames = decoded_images(clips["wide"])
    first = export_png(clips["wide"], tmp_path / "first.png")
    second = export_png(clips["wide"], tmp_path / "one.png", at=1.0)
    last = export_png(clips["wide"], tmp_path / "last.png", at="last")
    images = [Image.open(p) for p in (first, second, last)]
    try:
        for image in images:
            assert image.format == "PNG"
            assert image.size == (640, 360)
        assert same(images[0], frames[0])
        assert same(images[1], frames[24])  # the frame at exactly 1.0 s
        assert same(images[2], frames[-1])
        assert not same(images[0], images[1])
        assert not same(images[1], images[2])
        assert not same(images[0], images[2])
    finally:
        for image in images:
            image.close()
    between = export_png(clips["wide"], tmp_path / "between.png", at=1.01)
    with Image.open(between) as image:
        assert same(image, frames[25])  # the first frame at or after the time


def test_png_beyond_the_end_is_refused(clips: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"only 2\.0 s long"):
        export_png(clips["wide"], tmp_path / "x.png", at=2.5)
    end = export_png(clips["wide"], tmp_path / "end.png", at=2.0)  # the end itself: last frame
    with Image.open(end) as image:
        assert same(image, decoded_images(clips["wide"])[-1])
    assert leftovers(tmp_path, end) == []


# -- all three: progress, cancel, errors ----------------------------------------------------
EXPORTS: dict[str, Callable[..., Path]] = {
    "mp4": lambda src, dst, **kw: export_mp4(src, dst, metadata={"title": "t"}, **kw),
    "gif": lambda src, dst, **kw: export_gif(src, dst, width=320, fps=12, **kw),
    "png": lambda src, dst, **kw: export_png(src, dst, at="last", **kw),
}


@pytest.mark.parametrize("fmt", EXPORTS)
def test_progress_is_monotonic_and_ends_at_one(
    clips: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    seen: list[float] = []
    EXPORTS[fmt](clips["wide"], tmp_path / f"out.{fmt}", progress=seen.append)
    assert seen[0] == 0.0
    assert seen[-1] == 1.0
    assert len(seen) > 2
    assert all(0.0 <= v <= 1.0 for v in seen)
    assert seen == sorted(seen)


@pytest.mark.parametrize("fmt", EXPORTS)
def test_cancel_removes_the_partial_and_leaves_the_old_file(
    clips: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    dst = tmp_path / f"out.{fmt}"
    dst.write_bytes(b"the user's old file")
    calls = 0

    def cancelled() -> bool:
        nonlocal calls
        calls += 1
        return calls > 3

    with pytest.raises(ExportCancelled):
        EXPORTS[fmt](clips["wide"], dst, cancelled=cancelled)
    assert calls > 3
    assert dst.read_bytes() == b"the user's old file"
    assert leftovers(tmp_path, dst) == []


@pytest.mark.parametrize("fmt", EXPORTS)
def test_ctrl_c_removes_the_partial(clips: dict[str, Path], tmp_path: Path, fmt: str) -> None:
    def progress(fraction: float) -> None:
        if fraction > 0.2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        EXPORTS[fmt](clips["wide"], tmp_path / f"out.{fmt}", progress=progress)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt", EXPORTS)
def test_unreadable_input_raises_not_a_video(tmp_path: Path, fmt: str) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(NotAVideo):
        EXPORTS[fmt](junk, tmp_path / f"out.{fmt}")
    with pytest.raises(NotAVideo):
        EXPORTS[fmt](tmp_path / "missing.mp4", tmp_path / f"out.{fmt}")
    assert leftovers(tmp_path, junk) == []


def test_exporting_onto_the_video_itself_is_refused(clips: dict[str, Path]) -> None:
    before = clips["static"].read_bytes()
    with pytest.raises(InvalidInput):
        export_mp4(clips["static"], clips["static"], metadata={})
    assert clips["static"].read_bytes() == before


# -- input checks ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [("last", "last"), (" LAST ", "last"), ("0", 0.0), ("2", 2.0), ("2.5", 2.5)],
)
def test_parse_at_accepts(text: str, value: object) -> None:
    assert parse_at(text) == value


@pytest.mark.parametrize("text", ["-1", "-0.5", "nan", "inf", "abc", "", "2s", "first"])
def test_parse_at_refuses(text: str) -> None:
    with pytest.raises(InvalidInput, match="--at"):
        parse_at(text)


def test_check_output_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert check_output_path(Path("clip.gif"), "gif") == tmp_path / "clip.gif"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert check_output_path(Path("~/a.png"), "png") == tmp_path / "a.png"
    (tmp_path / "folder").mkdir()
    with pytest.raises(InvalidInput, match="is a folder") as info:
        check_output_path(tmp_path / "folder", "png")
    assert str(tmp_path / "folder") in info.value.message
    with pytest.raises(InvalidInput, match="does not exist") as info:
        check_output_path(tmp_path / "nowhere" / "a.png", "png")
    assert str(tmp_path / "nowhere") in info.value.message
    with pytest.raises(InvalidInput):
        check_output_path(tmp_path / "a.webm", "webm")


def test_check_output_path_inside_a_file_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "notes.txt"
    plain.write_text("not a folder")
    with pytest.raises(InvalidInput) as info:
        check_output_path(plain / "a.png", "png")
    assert str(plain) in info.value.message
    assert plain.read_text() == "not a folder"


# -- the command line -----------------------------------------------------------------------
@pytest.fixture
def library(data_dir: Path, clips: dict[str, Path]) -> dict[str, Job]:
    """A library with a completed job (its video in place), a failed one, and one whose video
    file was deleted."""
    videos = data_dir / "videos"
    videos.mkdir(exist_ok=True)
    done = a_job(None)
    video = videos / f"{done.id}.mp4"
    video.write_bytes(clips["wide"].read_bytes())
    done.video_path = str(video)
    failed = a_job(None, status=JobStatus.FAILED, error_message="it broke")
    gone = a_job(videos / "deleted.mp4")
    store = Store(data_dir / "library.sqlite3")
    try:
        for job in (done, failed, gone):
            store.insert_job(job)
    finally:
        store.close()
    return {"done": done, "failed": failed, "gone": gone}


@pytest.fixture
def run(data_dir: Path) -> Cli:
    return Cli(data_dir, None)


def test_cli_export_png_gif_and_mp4(
    run: Cli, library: dict[str, Job], data_dir: Path, tmp_path: Path
) -> None:
    job = library["done"]
    png = tmp_path / "frame.png"
    result = run(
        "export",
        job.id[:8],
        "--format",
        "png",
        "--at",
        "1",
        "--output",
        str(png),
        "--data-dir",
        str(data_dir),
    )
    assert result.code == 0, result.err
    assert result.out.strip() == str(png)
    with Image.open(png) as image:
        assert image.size == (640, 360)  # the video's resolution

    gif = tmp_path / "clip.gif"
    result = run(
        "export", job.id, "--format", "GIF", "--width", "0", "--fps", "10", "--output", str(gif)
    )
    assert result.code == 0, result.err
    assert gif_facts(gif) == ((640, 360), 20, 20)

    mp4 = tmp_path / "clip.mp4"
    result = run("export", job.id[:6], "--format", "mp4", "--output", str(mp4))
    assert result.code == 0, result.err
    tags = read_mp4_metadata(mp4)
    assert tags["title"] == job.prompt
    assert json.loads(tags["grok_video"])["id"] == job.id
    assert leftovers(tmp_path, png, gif, mp4) == ["library"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["0123456789abcdef", "--format", "png"], "No job"),
        (["{done}", "--format", "png", "--output", "{tmp}"], "is a folder"),
        (["{done}", "--format", "png", "--output", "{tmp}/nowhere/x.png"], "does not exist"),
        (["{done}", "--format", "gif", "--at", "1"], "--at"),
        (["{done}", "--format", "png", "--at", "soon"], "--at"),
        (["{done}", "--format", "png", "--at", "9"], "only 2.0 s long"),
        (["{done}", "--format", "webm"], "mp4, gif, png"),
        (["{done}", "--format", "png", "--fps", "10"], "--fps"),
        (["{done}", "--format", "gif", "--width", "wide"], "--width"),
        (["{failed}", "--format", "png"], "has no video: it failed"),
        (["{gone}", "--format", "png"], "the video file is missing"),
        (["{done}", "--output", "{tmp}/x.png"], "--format"),
    ],
)
def test_cli_export_bad_input_exits_2(
    run: Cli, library: dict[str, Job], tmp_path: Path, args: list[str], words: str
) -> None:
    ids = {name: job.id for name, job in library.items()}
    argv = [a.format(tmp=tmp_path, **ids) for a in args]
    if "--output" not in argv:
        argv += ["--output", str(tmp_path / "out.file")]
    result = run("export", *argv)
    assert result.code == 2, (result.out, result.err)
    assert words in result.err
    assert "Traceback" not in result.err
    assert result.out == ""
    assert not (tmp_path / "out.file").exists()
