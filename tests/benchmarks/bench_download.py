"""A 500 MB video over loopback: the app's real download path against plain httpx.

The sandbox runs in a process of its own and serves a big, decodable H.264 MP4 (make_big_video)
in place of every clip it makes (VideoSwapper). Each measurement is a fresh child process:

- app: a real job through the app's JobRunner (AppContext.open on a new library, the sandbox as
  its service): submit, poll, download, verify, label, hash, move. `ApiInOneClient.download` is
  wrapped (in the child only) to time the download itself — from the request to the call's
  return with the file complete (any fsync inside the call is counted, and timed apart) — and to
  read the memory around it; the whole job is timed from the start of the download to its end.
- floor: `httpx.Client().stream("GET", url)` + `iter_bytes()` written to a file, on the same URL.

Throughput is bytes / seconds of the download; memory growth is VmHWM after the download minus
VmRSS just before it (the peak reset first). Runs alternate app and floor; the first of each is
a warm-up, not counted. Dirty pages are flushed (os.sync) before every run, so that no run pays
for the writeback of the one before.

    python -m tests.benchmarks.bench_download [--quick]          (the rows, printed)
    python -m tests.benchmarks.bench_download app URL DATA_DIR SIZE   (a child: one result line)
    python -m tests.benchmarks.bench_download floor URL TARGET SIZE
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from .common import (
    API_KEY,
    MB,
    Row,
    SandboxProcess,
    VideoSwapper,
    cpu_seconds,
    make_big_video,
    mb,
    median,
    proc_status,
    profiled,
    report,
    reset_peak,
    run_child,
    standalone,
    write_settings,
)

RUNS = 5
BIG = 500 * MB
QUICK = 20 * MB
THROUGHPUT_GOAL = 0.8  # × the floor's
MEMORY_GOAL = 30 * MB  # peak growth during the download
TASK_SECONDS = 1.0  # the sandbox's task length: the swapper has long replaced the clip by then
FAST_SETTINGS = {
    "poll_seconds": 0.1,
    "poll_max_seconds": 0.3,
    "create_retry_seconds": 20.0,
    "deadline_minutes": 5.0,
}


# -- the children ------------------------------------------------------------------------------
def _app(url: str, data_dir: Path, size: int) -> dict[str, Any]:
    """One real job through the runner; the download inside it timed and measured."""
    import asyncio

    from grok_video.core.client import ApiInOneClient
    from grok_video.core.context import AppContext
    from grok_video.core.models import GenerationRequest, JobStatus

    calls: list[dict[str, Any]] = []
    original = ApiInOneClient.download
    real_fsync = os.fsync

    async def timed(self: ApiInOneClient, link: str, partial: Path, on_progress: Any = None) -> int:
        reset_peak()
        before = proc_status()["VmRSS"]
        cpu = cpu_seconds()
        started = time.perf_counter()
        call: dict[str, Any] = {"started": started, "rss_before": before, "fsync": 0.0}

        def fsync(fd: int) -> None:  # the download's own fsync, timed
            t0 = time.perf_counter()
            real_fsync(fd)
            call["fsync"] += time.perf_counter() - t0

        calls.append(call)
        os.fsync = fsync
        try:
            with profiled("download-app"):
                length = await original(self, link, partial, on_progress)
        finally:
            os.fsync = real_fsync
            call["seconds"] = time.perf_counter() - started
            call["cpu"] = cpu_seconds() - cpu
            call["peak"] = proc_status()["VmHWM"]
        call["bytes"] = length
        return length

    ApiInOneClient.download = timed  # type: ignore[method-assign]
    ctx = AppContext.open(data_dir=str(data_dir), base_url=url, log=False)
    runner = ctx.runner(api_key=API_KEY)

    async def main() -> Any:
        try:
            return await runner.generate(GenerationRequest(prompt="Benchmark: a big download"))
        finally:
            await runner.aclose()

    job = asyncio.run(main())
    ended = time.perf_counter()
    whole_peak = proc_status()["VmHWM"]
    ctx.close()
    if job.status is not JobStatus.COMPLETED:
        raise SystemExit(f"the job ended {job.status.value}: {job.error_message}")
    if len(calls) != 1 or calls[0]["bytes"] != size:
        got = [c.get("bytes") for c in calls]
        raise SystemExit(f"expected one download of {size:,} bytes, got {got}")
    call = calls[0]
    return {
        "seconds": call["seconds"],
        "fsync": call["fsync"],
        "cpu": call["cpu"],
        "bytes": call["bytes"],
        "growth": call["peak"] - call["rss_before"],
        "job_seconds": ended - call["started"],
        "job_growth": whole_peak - call["rss_before"],
        "url": job.video_url,
    }


def _floor(url: str, target: Path, size: int) -> dict[str, Any]:
    """Plain httpx streaming the same URL to a file."""
    import httpx

    with httpx.Client(trust_env=False, timeout=60) as http:
        reset_peak()
        before = proc_status()["VmRSS"]
        cpu = cpu_seconds()
        started = time.perf_counter()
        with http.stream("GET", url) as response, open(target, "wb") as fh:
            response.raise_for_status()
            for chunk in response.iter_bytes():
                fh.write(chunk)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu
        peak = proc_status()["VmHWM"]
    written = target.stat().st_size
    target.unlink()
    if written != size:
        raise SystemExit(f"the floor got {written:,} bytes, not {size:,}")
    return {"seconds": seconds, "cpu": cpu, "bytes": written, "growth": peak - before}


# -- the runner --------------------------------------------------------------------------------
def _measure(work: Path, size: int, runs: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    big = make_big_video(work / "big.mp4", size)
    size = big.stat().st_size
    app: list[dict[str, Any]] = []
    floor: list[dict[str, Any]] = []
    with (
        SandboxProcess(work / "sandbox", TASK_SECONDS) as sandbox,
        VideoSwapper(sandbox.state_dir, big),
    ):
        for run in range(runs + 1):
            library = work / f"library-{run}"
            shutil.rmtree(library, ignore_errors=True)
            library.mkdir()
            write_settings(library, **FAST_SETTINGS)
            os.sync()
            a = run_child("bench_download", "app", sandbox.url, str(library), str(size))
            shutil.rmtree(library)
            os.sync()
            f = run_child("bench_download", "floor", a["url"], str(work / "floor.mp4"), str(size))
            if run:
                app.append(a)
                floor.append(f)
    big.unlink()
    return app, floor


def _rate(result: dict[str, Any]) -> float:
    return float(result["bytes"]) / result["seconds"]


def _mb1(nbytes: float) -> str:
    return f"{nbytes / MB:.1f} MB"


def run(work: Path, quick: bool = False) -> list[Row]:
    size, runs = (QUICK, 1) if quick else (BIG, RUNS)
    folder = work / "download"
    folder.mkdir(parents=True, exist_ok=True)
    app, floor = _measure(folder, size, runs)
    nbytes = app[0]["bytes"]
    app_rate = median([_rate(r) for r in app])
    floor_rate = median([_rate(r) for r in floor])
    ratio = app_rate / floor_rate
    growth = median([r["growth"] for r in app])
    floor_growth = median([r["growth"] for r in floor])
    worst = max(r["growth"] for r in app)
    job_seconds = median([r["job_seconds"] for r in app])
    job_growth = max(r["job_growth"] for r in app)

    def listed(results: list[dict[str, Any]]) -> str:
        return ", ".join(f"{_rate(r) / MB:.0f}" for r in results)

    label = f"{mb(nbytes)} video over loopback"
    return [
        Row(
            f"download: a {label} (throughput)",
            f"{app_rate / MB:.0f} MB/s",
            f"{floor_rate / MB:.0f} MB/s",
            ratio,
            f"≥ {THROUGHPUT_GOAL:g}× floor",
            ratio >= THROUGHPUT_GOAL,
            [
                f"Download: median of {len(app)} runs each after a warm-up, {nbytes:,} bytes "
                f"from the sandbox (its own process): the app's ApiInOneClient.download inside a "
                f"real JobRunner job, to the call's return (MB/s: {listed(app)}) vs plain httpx "
                f"stream + iter_bytes to a file ({listed(floor)}). Median time and CPU time of "
                f"the download: app {median([r['seconds'] for r in app]):.2f} s, "
                f"{median([r['cpu'] for r in app]):.2f} s CPU (fsync inside the call "
                f"{median([r['fsync'] for r in app]):.2f} s); floor "
                f"{median([r['seconds'] for r in floor]):.2f} s, "
                f"{median([r['cpu'] for r in floor]):.2f} s CPU. The whole job "
                f"from the start of the download (download, verify every packet, write the "
                f"prompt into the file and verify again, SHA-256, move into the library) took "
                f"a median {job_seconds:.2f} s ({nbytes / job_seconds / MB:.0f} MB/s)."
            ],
        ),
        Row(
            f"download: a {label} (peak memory growth)",
            _mb1(growth),
            _mb1(floor_growth),
            None,
            f"≤ {MEMORY_GOAL / MB:.0f} MB",
            worst <= MEMORY_GOAL,
            [
                f"Memory: VmHWM after the download minus VmRSS just before it (peak reset), "
                f"median of {len(app)} runs; app {', '.join(_mb1(r['growth']) for r in app)} "
                f"(verdict on the worst), floor {', '.join(_mb1(r['growth']) for r in floor)}. "
                f"Through the whole job (verify, label, hash, move) the peak grew by at most "
                f"{_mb1(job_growth)}."
            ],
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "app":
        report(_app(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])))
    elif len(sys.argv) == 5 and sys.argv[1] == "floor":
        report(_floor(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])))
    else:
        standalone("bench_download", run, sys.argv[1:])
