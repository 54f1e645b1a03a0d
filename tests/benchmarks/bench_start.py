"""Cold start of the window and of the command line, each against its floor, on 10,000 jobs.

Every figure is the wall time from just before the process is started (time.monotonic() in the
runner) to the end of the window's first paint (reported by tests/benchmarks/probe.py) or to
the command's exit. Runs alternate app and floor; the first of each is a warm-up, not counted.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from .common import (
    API_KEY,
    ROOT,
    ChildFailed,
    Row,
    child_env,
    median,
    module_argv,
    ms,
    parse_result,
)

START_RUNS = 5
CLI_RUNS = 9
DEAD_URL = "http://127.0.0.1:9"  # never called: nothing is running


def _first_paint(mode: str, env: dict[str, str]) -> tuple[float, dict[str, int]]:
    started = time.monotonic()
    proc = subprocess.run(
        module_argv("probe", mode),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        data = parse_result(proc.stdout)
    except ChildFailed:
        raise ChildFailed(
            f"probe {mode} (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        ) from None
    if proc.returncode != 0:
        raise ChildFailed(f"probe {mode} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    if mode == "app" and data.get("rows") != 10_000:
        raise ChildFailed(f"the app showed {data.get('rows')} jobs, not 10,000")
    return data["painted"] - started, data


def cold_start(library: Path) -> tuple[Row, dict[str, float]]:
    env = child_env(
        GROK_VIDEO_DATA_DIR=str(library),
        GROK_VIDEO_API_KEY=API_KEY,
        GROK_VIDEO_BASE_URL=DEAD_URL,
    )
    app: list[float] = []
    bare: list[float] = []
    memory: dict[str, list[int]] = {"app": [], "bare": []}
    for run in range(START_RUNS + 1):
        for mode, into in (("app", app), ("bare", bare)):
            seconds, data = _first_paint(mode, env)
            if run:  # the first round warms the file cache
                into.append(seconds)
                memory[mode].append(data["VmRSS"])
    figure, floor = median(app), median(bare)
    ratio = figure / floor
    row = Row(
        "cold start (10,000 jobs): process start → first paint",
        ms(figure),
        ms(floor),
        ratio,
        "≤ 1.3× floor",
        ratio <= 1.3,
        [
            f"Cold start: median of {START_RUNS} runs each (app {', '.join(ms(s) for s in app)}; "
            f"bare window {', '.join(ms(s) for s in bare)}), after one warm-up run each. "
            f"Resident memory at first paint: app {median(memory['app']) / 1e6:.0f} MB, "
            f"bare window {median(memory['bare']) / 1e6:.0f} MB."
        ],
    )
    return row, {"bare_rss": median(memory["bare"])}


def _wall(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise ChildFailed(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return took


def cli_start(library: Path) -> Row:
    env = child_env(GROK_VIDEO_DATA_DIR=str(library))
    command = [sys.executable, "-m", "grok_video", "jobs", "--limit", "1", "--json"]
    floor_command = [sys.executable, "-c", "import httpx, sqlite3"]
    app: list[float] = []
    bare: list[float] = []
    for run in range(CLI_RUNS + 1):
        a = _wall(command, env)
        b = _wall(floor_command, env)
        if run:
            app.append(a)
            bare.append(b)
    figure, floor = median(app), median(bare)
    ratio = figure / floor
    return Row(
        "CLI start: `jobs --limit 1 --json` (10,000 jobs)",
        ms(figure),
        ms(floor),
        ratio,
        "≤ 2× floor",
        ratio <= 2.0,
        [
            f"CLI start: median of {CLI_RUNS} runs each after a warm-up; floor "
            '`python -c "import httpx, sqlite3"`.'
        ],
    )


def bare_window_rss(runs: int = 3) -> float:
    """Resident memory of a bare window with the app's Qt modules, at its first paint."""
    return median([_first_paint("bare", child_env())[1]["VmRSS"] for _ in range(runs)])
