"""What every benchmark shares: child processes, figures, rows, libraries, big videos, a sandbox.

No Qt here: the runner stays light, and GUI children import `gui_support` themselves.

    python -m tests.benchmarks.common sandbox STATE_DIR TASK_SECONDS   (a sandbox process)
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import math
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULT_PREFIX = "BENCH-RESULT "
API_KEY = "bench-key-0001"
MB = 1_000_000
MIB = 1024 * 1024
# The media threads' chatter stays out of the children's output (as in tests/conftest.py).
QT_LOGGING_RULES = (
    "qt.multimedia.symbolsresolver=false;qt.multimedia.*.info=false;qt.multimedia.*.debug=false"
)


# -- child processes ---------------------------------------------------------------------------
def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child: offscreen Qt, no developer library, key or service address."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROK_VIDEO_")}
    if "GROK_VIDEO_IN_SESSION" in os.environ:  # tools/with-session's marker: keep it
        env["GROK_VIDEO_IN_SESSION"] = os.environ["GROK_VIDEO_IN_SESSION"]
    env["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    env["QT_API"] = "PySide6"
    env.setdefault("QT_LOGGING_RULES", QT_LOGGING_RULES)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def module_argv(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", f"tests.benchmarks.{module}", *args]


class ChildFailed(RuntimeError):
    pass


def parse_result(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            data: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return data
    raise ChildFailed("the child printed no result")


def run_child(
    module: str, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> dict[str, Any]:
    """Run `python -m tests.benchmarks.MODULE ARGS` from the repo root; return its result."""
    proc = subprocess.run(
        module_argv(module, *args),
        cwd=ROOT,
        env=env or child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    try:
        if proc.returncode != 0:
            raise ChildFailed(f"exit code {proc.returncode}")
        return parse_result(proc.stdout)
    except ChildFailed as exc:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-25:])
        raise ChildFailed(f"{module} {' '.join(args)}: {exc}\n{tail}") from None


def report(data: dict[str, Any]) -> None:
    """A child's answer to the runner: one line on stdout."""
    print(RESULT_PREFIX + json.dumps(data), flush=True)


# -- figures -----------------------------------------------------------------------------------
def proc_status() -> dict[str, int]:
    """VmRSS, VmHWM and friends of this process, in bytes."""
    out: dict[str, int] = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            name, _, value = line.partition(":")
            if name.startswith("Vm") and value.strip().endswith("kB"):
                out[name] = int(value.split()[0]) * 1024
    return out


def reset_peak() -> bool:
    """Make VmHWM start again from the current VmRSS (Linux 4.0+); False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def cpu_seconds() -> float:
    """User + system CPU time of this process so far (all threads)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def ms(seconds: float) -> str:
    if seconds != seconds:
        return "—"
    value = seconds * 1000
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def mb(nbytes: float) -> str:
    return f"{nbytes / MB:.0f} MB"


def times(ratio: float | None) -> str:
    return "—" if ratio is None or ratio != ratio else f"{ratio:.2f}×"


@dataclass
class Row:
    """One line of the table."""

    benchmark: str
    figure: str
    floor: str
    ratio: float | None
    goal: str
    passed: bool | None  # None: skipped or no verdict
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return "skipped" if self.passed is None else "pass" if self.passed else "FAIL"


def skipped(benchmark: str, goal: str, why: str) -> Row:
    return Row(benchmark, "—", "—", None, goal, None, [f"Skipped: {why}"])


# -- libraries ---------------------------------------------------------------------------------
CLIPS = 8  # distinct real clips (and thumbnails) the synthetic library's finished jobs share


def make_clips(folder: Path) -> list[tuple[Path, Path]]:
    """A few real sandbox clips with the app's own thumbnails of them: (video, thumbnail)."""
    from grok_video.core.media import make_thumbnail
    from grok_video.sandbox.video import make_video

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n in range(CLIPS):
        video = folder / f"clip{n}.mp4"
        thumb = folder / f"clip{n}.jpg"
        if not thumb.exists():
            make_video(video, f"Benchmark clip {n}: a lantern over a river", "16:9", seconds=1.0)
            make_thumbnail(video, thumb)
        out.append((video, thumb))
    return out


def build_library(data_dir: Path, count: int, clips: list[tuple[Path, Path]]) -> Path:
    """A library of `count` synthetic jobs (tests/library_data.py) whose finished jobs have a
    real video file and a cached thumbnail, as a library of years would (files are shared
    hard links, so 100,000 of them cost nothing)."""
    from tests.library_data import synthetic_library

    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / "library.sqlite3"
    synthetic_library(db_path, count)
    thumbs = data_dir / "thumbnails"
    thumbs.mkdir(exist_ok=True)
    db = sqlite3.connect(db_path)
    with db:
        rows = db.execute("SELECT rowid, id FROM jobs WHERE status = 'completed'").fetchall()
        db.executemany(
            "UPDATE jobs SET video_path = ?, duration_s = 1.0, width = 320, height = 180 "
            "WHERE rowid = ?",
            [(str(clips[rowid % len(clips)][0]), rowid) for rowid, _ in rows],
        )
    db.close()
    for rowid, job_id in rows:
        os.link(clips[rowid % len(clips)][1], thumbs / f"{job_id}.jpg")
    return data_dir


def library_in(work: Path, count: int) -> Path:
    """The synthetic library of `count` jobs in the scratch folder, made on first use."""
    folder = work / f"library-{count}"
    if not (folder / "library.sqlite3").exists():
        started = time.perf_counter()
        build_library(folder, count, make_clips(work / "clips"))
        took = time.perf_counter() - started
        print(f"  (a library of {count:,} jobs made in {took:.1f} s)", flush=True)
    return folder


def copy_library(source: Path, target: Path) -> Path:
    """A copy a benchmark may change (thumbnails stay hard links)."""
    shutil.copytree(source, target, copy_function=os.link, ignore=shutil.ignore_patterns("*.tmp"))
    db = target / "library.sqlite3"
    db.unlink()
    shutil.copy2(source / "library.sqlite3", db)
    return target


def write_settings(data_dir: Path, **settings: Any) -> None:
    (data_dir / "settings.json").write_text(json.dumps(settings), encoding="utf-8")


# -- big videos --------------------------------------------------------------------------------
def make_big_video(path: Path, size: int, *, width: int = 1280, height: int = 720) -> Path:
    """A real, decodable H.264 MP4 of at least `size` bytes, made in about a second per 200 MB:
    a few lossless noise keyframes encoded once, then muxed again and again (every packet is a
    keyframe, so repeating them makes a valid stream at 24 frames a second)."""
    import av

    fps = 24
    ticks = 512
    encoder = av.CodecContext.create("libx264", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.time_base = Fraction(1, fps)
    encoder.options = {"preset": "ultrafast", "qp": "0", "x264-params": "keyint=1:scenecut=0"}
    encoder.open()
    packets: list[bytes] = []
    for index in range(6):
        frame = av.VideoFrame(width, height, "yuv420p")
        for plane in frame.planes:
            plane.update(os.urandom(plane.buffer_size))
        frame.pts = index
        packets += [bytes(p) for p in encoder.encode(frame)]
    packets += [bytes(p) for p in encoder.encode(None)]
    tmp = path.with_name(path.name + ".tmp")
    with av.open(str(tmp), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.extradata = encoder.extradata
        stream.time_base = Fraction(1, fps * ticks)
        written = n = 0
        while written < size:
            data = packets[n % len(packets)]
            packet = av.Packet(data)
            packet.stream = stream
            packet.pts = packet.dts = n * ticks
            packet.duration = ticks
            packet.time_base = stream.time_base
            packet.is_keyframe = True
            out.mux(packet)
            written += len(data)
            n += 1
    os.replace(tmp, path)
    return path


# -- the sandbox, in a process of its own -------------------------------------------------------
class SandboxProcess:
    """The app's sandbox service in a separate process, so that its threads never take the
    interpreter lock of the process being measured. Switches go over its control API."""

    def __init__(self, state_dir: Path, task_seconds: float) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir = state_dir
        self.proc = subprocess.Popen(
            module_argv("common", "sandbox", str(state_dir), str(task_seconds)),
            cwd=ROOT,
            env=child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.stop()
            raise ChildFailed(f"the sandbox did not start: {line!r}")
        self.url = line

    def control(self, **switches: Any) -> None:
        import httpx

        httpx.post(f"{self.url}/sandbox/control", json=switches, timeout=10).raise_for_status()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class VideoSwapper:
    """Puts a big video in place of every clip the sandbox makes (a hard link), so the tasks
    that finish serve it. Runs in a thread of the runner, never in the measured process."""

    def __init__(self, state_dir: Path, big: Path) -> None:
        self.state_dir = state_dir
        self.big = big
        self.swapped: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="video-swapper", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            for path in self.state_dir.glob("task_*.mp4"):
                if path.name in self.swapped:
                    continue
                tmp = path.with_name(path.name + ".big")
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                os.link(self.big, tmp)
                os.replace(tmp, path)
                self.swapped.add(path.name)

    def __enter__(self) -> VideoSwapper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _serve_sandbox(state_dir: str, task_seconds: str) -> None:
    from grok_video.sandbox.server import SandboxServer

    server = SandboxServer(
        state_dir=Path(state_dir), task_seconds=float(task_seconds), video_seconds=1.0
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    print(server.url, flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    try:
        stop.wait()
    finally:
        server.stop()


# -- profiling (--profile) ---------------------------------------------------------------------
@contextlib.contextmanager
def profiled(name: str) -> Iterator[None]:
    """Profile the block with pyinstrument when the runner was given --profile DIR.

    The figures of a profiled run are slower than usual: use them for where, not how much.
    """
    folder = os.environ.get("BENCH_PROFILE_DIR")
    if not folder:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        target = Path(folder) / f"{name}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8"
        )
        profiler.write_html(str(target.with_suffix(".html")))


def machine() -> dict[str, str]:
    import platform

    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=False)
    try:
        pyside = importlib.metadata.version("PySide6-Essentials")
    except importlib.metadata.PackageNotFoundError:
        pyside = "?"
    return {
        "uname": uname.stdout.strip(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "pyside": pyside,
        "platform": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
    }


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table, and their notes below it."""
    lines = [
        "| benchmark | figure | floor | ratio | goal | verdict |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        verdict = {True: "pass", False: "**miss**", None: "—"}[row.passed]
        lines.append(
            f"| {row.benchmark} | {row.figure} | {row.floor} | {times(row.ratio)} | "
            f"{row.goal} | {verdict} |"
        )
    notes = [note for row in rows for note in row.notes]
    if notes:
        lines.append("")
        lines += [f"- {note}" for note in notes]
    return "\n".join(lines)


def print_rows(rows: Sequence[Row]) -> None:
    print(table(rows), flush=True)


def standalone(name: str, run: Callable[[Path, bool], list[Row]], argv: Sequence[str]) -> None:
    """`python -m tests.benchmarks.NAME [--quick]`: one module's rows, in a scratch folder."""
    import tempfile

    if list(argv) not in ([], ["--quick"]):
        sys.exit(f"usage: python -m tests.benchmarks.{name} [--quick]")
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as scratch:
        print_rows(run(Path(scratch), bool(argv)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["sandbox"]:
        _serve_sandbox(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: python -m tests.benchmarks.common sandbox STATE_DIR TASK_SECONDS")
