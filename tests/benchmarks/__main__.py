"""Every benchmark against its floor, in one run, and the table: `python -m tests.benchmarks`.

    python -m tests.benchmarks                   all of them (about 10 minutes on 2 cores)
    python -m tests.benchmarks --only library,idle
    python -m tests.benchmarks --quick           small sizes and single runs: checks that the
                                                 benchmarks work; the figures mean nothing
    python -m tests.benchmarks --write-readme    also put the table into README.md
    python -m tests.benchmarks --profile DIR     pyinstrument profiles of the measured parts
                                                 (slower figures: for where, not how much)

Libraries and videos are generated into a scratch folder (--work, or a temporary one) and never
kept in the repository.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from .common import ROOT, Row, library_in, machine, table

NAMES = ("start", "cli", "library", "responsive", "idle", "download", "media")
README_START = "<!-- benchmarks:start -->"
README_END = "<!-- benchmarks:end -->"
ERROR = "error"  # the figure of a benchmark that failed to run


def _quick() -> None:
    from . import bench_library, bench_start

    bench_start.START_RUNS = 1
    bench_start.CLI_RUNS = 1
    bench_library.OPENS = 1
    bench_library.SCROLL_STEPS = 10


def _run(work: Path, names: list[str], quick: bool) -> list[Row]:
    from . import bench_download, bench_library, bench_media, bench_responsive, bench_start

    def library(count: int) -> Path:
        return library_in(work, count)  # (kept from an earlier run with the same --work)

    rows: list[Row] = []
    bare_rss: list[float] = []

    def bare() -> float:
        if not bare_rss:
            bare_rss.append(bench_start.bare_window_rss())
        return bare_rss[0]

    steps: dict[str, Callable[[], list[Row]]] = {
        "start": lambda: [bench_start.cold_start(library(10_000))[0]],
        "cli": lambda: [bench_start.cli_start(library(10_000))],
        "library": lambda: bench_library.run_with(library(bench_library.JOBS), bare()),
        "responsive": lambda: [bench_responsive.responsiveness(work, quick)],
        "idle": lambda: [bench_responsive.idle(library(10_000), quick)],
        "download": lambda: bench_download.run(work, quick),
        "media": lambda: bench_media.run(work, quick),
    }
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            got = steps[name]()
        except Exception:
            traceback.print_exc()
            got = [Row(name, ERROR, "—", None, "—", False, [f"{name}: the benchmark failed."])]
        for row in got:
            print(f"  {row.benchmark}: {row.figure} (floor {row.floor}) → {row.verdict}")
        print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)
        rows += got
    return rows


def report_text(rows: list[Row], quick: bool) -> str:
    info = machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    head = (
        f"Last run {when} on {info['cpu']} ({info['cores']} cores), Python {info['python']}, "
        f"PySide6 {info['pyside']}, Qt platform `{info['platform']}`"
        + (" — quick mode, figures not meaningful" if quick else "")
        + "."
    )
    return head + "\n\n" + table(rows)


def write_readme(text: str) -> None:
    readme = ROOT / "README.md"
    content = readme.read_text(encoding="utf-8")
    start, end = content.find(README_START), content.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(f"README.md has no {README_START} … {README_END} section")
    content = content[: start + len(README_START)] + "\n" + text + "\n" + content[end:]
    readme.write_text(content, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks")
    parser.add_argument("--only", help=f"comma-separated, of: {', '.join(NAMES)}")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--profile", type=Path, metavar="DIR")
    parser.add_argument("--work", type=Path, metavar="DIR", help="scratch folder (kept)")
    args = parser.parse_args(argv)
    names = list(NAMES) if not args.only else [n.strip() for n in args.only.split(",")]
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    if args.profile:
        os.environ["BENCH_PROFILE_DIR"] = str(args.profile.resolve())
    if args.quick:
        _quick()
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        rows = _run(args.work.resolve(), names, args.quick)
    else:
        with tempfile.TemporaryDirectory(prefix="grok-video-bench-") as tmp:
            rows = _run(Path(tmp), names, args.quick)
    text = report_text(rows, args.quick)
    print()
    print(text, flush=True)
    if args.write_readme:
        write_readme(text)
    if args.quick:  # only whether the benchmarks work counts, not their verdicts
        return 1 if any(row.figure == ERROR for row in rows) else 0
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
