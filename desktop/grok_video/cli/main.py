"""The `grok-video` command. It never imports Qt unless it starts the window."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import APP_NAME, __version__
from ..core.errors import ExitCode, GrokVideoError, InvalidInput
from ..core.models import (
    ASPECT_RATIOS,
    MODES,
    RESOLUTIONS,
    GenerationRequest,
    Job,
    JobStatus,
    Params,
)

if TYPE_CHECKING:
    from ..core.context import AppContext

log = logging.getLogger(__name__)


class UsageError(InvalidInput):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would exit 2 itself; keep our wording
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--base-url", metavar="URL", default=default, help="the API base URL")
    parser.add_argument("--data-dir", metavar="DIR", default=default, help="the library folder")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=APP_NAME, description="Make short AI videos with Grok Imagine.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--sandbox", action="store_true", help="use the built-in sandbox service (no key, no cost)"
    )
    _global_options(parser, suppress=False)
    verbs = parser.add_subparsers(dest="verb", parser_class=_Parser)

    gen = verbs.add_parser("generate", help="submit one job and print its local id")
    gen.add_argument("prompt", nargs="?", default="", help="what the video shows")
    gen.add_argument("--image", action="append", default=[], metavar="PATH_OR_URL")
    gen.add_argument("--duration", metavar="N", help="6, 10 or 15 seconds")
    gen.add_argument("--aspect-ratio", metavar="R", help=", ".join(ASPECT_RATIOS))
    gen.add_argument("--resolution", metavar="R", help=", ".join(RESOLUTIONS))
    gen.add_argument("--mode", metavar="M", help=", ".join(MODES))
    gen.add_argument("--wait", action="store_true", help="return only when the job has ended")
    gen.add_argument("--json", action="store_true", help="print the job record as JSON")

    jobs = verbs.add_parser("jobs", help="list jobs, newest first")
    jobs.add_argument("--json", action="store_true")
    jobs.add_argument("--search", metavar="TEXT")
    jobs.add_argument("--status", metavar="STATUS", help="|".join(s.value for s in JobStatus))
    jobs.add_argument("--limit", metavar="N")

    show = verbs.add_parser("show", help="show one job")
    show.add_argument("job")
    show.add_argument("--json", action="store_true")

    resume = verbs.add_parser("resume", help="carry unfinished jobs on; never re-submits")
    resume.add_argument("--wait", action="store_true")
    resume.add_argument("--json", action="store_true")

    export = verbs.add_parser("export", help="save a job's video as MP4, GIF or PNG")
    export.add_argument("job")
    export.add_argument("--format", required=True, metavar="mp4|gif|png")
    export.add_argument("--output", required=True, metavar="PATH")
    export.add_argument("--at", metavar="SECONDS|last", help="png: the frame's time (default 0)")
    export.add_argument("--width", metavar="N", help="gif: width in pixels (0: the video's)")
    export.add_argument("--fps", metavar="N", help="gif: frames a second (default 12)")

    spend_verb = verbs.add_parser("spend", help="credits spent today, this month and in all")
    spend_verb.add_argument("--json", action="store_true")

    rebuild = verbs.add_parser(
        "rebuild", help="put back every job whose files are in the library but not in its list"
    )
    rebuild.add_argument("--json", action="store_true")

    key = verbs.add_parser("key", help="the API key in the system keyring")
    key_verbs = key.add_subparsers(dest="key_verb", parser_class=_Parser, required=True)
    key_verbs.add_parser("set", help="read the key from standard input")
    key_verbs.add_parser("status", help="say whether a key is stored")
    key_verbs.add_parser("delete", help="remove the stored key")

    sandbox = verbs.add_parser("sandbox", help="run the sandbox service alone, on loopback")
    sandbox.add_argument("--port", type=int, default=0)
    sandbox.add_argument("--task-seconds", type=float, default=3.0, help=argparse.SUPPRESS)

    for sub in (gen, jobs, show, resume, export, spend_verb, rebuild, key, sandbox):
        _global_options(sub, suppress=True)
    for sub in key_verbs.choices.values():
        _global_options(sub, suppress=True)
    return parser


# -- output ---------------------------------------------------------------------------------
def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=None))


def _describe(job: Job) -> str:
    lines = [
        f"Job      {job.id}",
        f"Status   {job.status.value}"
        + (f" ({job.progress}%)" if job.progress is not None else ""),
        f"Kind     {job.kind.value}",
        f"Prompt   {job.prompt}",
    ]
    if job.params.as_dict():
        lines.append("Params   " + ", ".join(f"{k}={v}" for k, v in job.params.as_dict().items()))
    if job.images:
        lines.append(
            "Images   " + ", ".join(i if len(i) < 80 else i[:77] + "…" for i in job.images)
        )
    if job.task_id:
        lines.append(f"Task     {job.task_id}")
    if job.video_path:
        lines.append(f"Video    {job.video_path}")
    if job.sha256:
        lines.append(f"SHA-256  {job.sha256}")
    if job.cost_credits is not None:
        lines.append(f"Credits  {job.cost_credits}")
    if job.error_message:
        lines.append(f"Error    {job.error_message}")
    if job.note:
        lines.append(f"Note     {job.note}")
    return "\n".join(lines)


def _table(jobs: Sequence[Job]) -> str:
    if not jobs:
        return "No jobs."
    rows = []
    for job in jobs:
        created = job.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        prompt = job.prompt.replace("\n", " ")
        prompt = prompt if len(prompt) <= 50 else prompt[:49] + "…"
        rows.append(f"{job.id[:12]}  {job.status.value:<11}  {created}  {prompt}")
    return "\n".join(rows)


# -- verbs ----------------------------------------------------------------------------------
def _context(args: argparse.Namespace, *, sandbox: bool = False) -> AppContext:
    from ..core.context import AppContext

    return AppContext.open(data_dir=args.data_dir, base_url=args.base_url, sandbox=sandbox)


def cmd_generate(args: argparse.Namespace) -> int:
    from ..core.runner import exit_code_for

    params = Params.parse(
        duration=args.duration,
        aspect_ratio=args.aspect_ratio,
        resolution=args.resolution,
        mode=args.mode,
    )
    request = GenerationRequest(prompt=args.prompt or "", params=params, images=tuple(args.image))
    request.validate()
    ctx = _context(args, sandbox=args.sandbox)
    try:
        runner = ctx.runner(ctx.api_key())

        async def run() -> Job:
            try:
                job = await runner.submit(request)
                if args.wait and job.status is JobStatus.RUNNING:
                    job = await runner.follow(job.id)
                return job
            finally:
                await runner.aclose()

        job = asyncio.run(run())
    finally:
        ctx.close()
    if args.json:
        _print_json(job.record())
    elif job.status in (JobStatus.FAILED, JobStatus.UNKNOWN):
        print(job.id)
        print(f"{APP_NAME}: {job.status.value}: {job.error_message}", file=sys.stderr)
    else:
        print(job.id)
        if job.status is JobStatus.COMPLETED and job.video_path:
            print(f"Saved {job.video_path}", file=sys.stderr)
    return int(exit_code_for(job))


def cmd_jobs(args: argparse.Namespace) -> int:
    statuses = None
    if args.status:
        try:
            statuses = [JobStatus(s.strip().lower()) for s in args.status.split(",")]
        except ValueError:
            raise InvalidInput(
                f"Unknown status {args.status!r}: use "
                + ", ".join(s.value for s in JobStatus)
                + "."
            ) from None
    limit = None
    if args.limit is not None:
        if not str(args.limit).isdigit():
            raise InvalidInput(f"--limit takes a whole number, not {args.limit!r}.")
        limit = int(args.limit)
    ctx = _context(args)
    try:
        jobs = ctx.store.list_jobs(search=args.search, statuses=statuses, limit=limit)
    finally:
        ctx.close()
    if args.json:
        _print_json([j.record() for j in jobs])
    else:
        print(_table(jobs))
    return ExitCode.OK


def cmd_show(args: argparse.Namespace) -> int:
    ctx = _context(args)
    try:
        job = ctx.store.resolve_id(args.job)
    finally:
        ctx.close()
    if args.json:
        _print_json(job.record())
    else:
        print(_describe(job))
    return ExitCode.OK


def cmd_resume(args: argparse.Namespace) -> int:
    ctx = _context(args, sandbox=args.sandbox)
    try:
        pending = ctx.store.unfinished_jobs()
        jobs: list[Job] = []
        if pending:
            runner = ctx.runner(ctx.api_key())

            async def run() -> list[Job]:
                try:
                    return await runner.resume(once=not args.wait)
                finally:
                    await runner.aclose()

            jobs = asyncio.run(run())
        unknown = ctx.store.list_jobs(statuses=[JobStatus.UNKNOWN])
    finally:
        ctx.close()
    if args.json:
        _print_json([j.record() for j in jobs])
    else:
        for job in jobs:
            print(f"{job.id[:12]}  {job.status.value}")
        if not jobs:
            print("Nothing to resume.")
        if unknown:
            print(
                f"{len(unknown)} job(s) need attention: their outcome is unknown "
                f"(`{APP_NAME} jobs --status unknown`).",
                file=sys.stderr,
            )
    return ExitCode.UNKNOWN if unknown else ExitCode.OK


def _export_options(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The format and the keyword arguments of its export function, checked."""
    from ..core.export import FORMATS, parse_at

    fmt = str(args.format).strip().lower().lstrip(".")
    if fmt not in FORMATS:
        raise InvalidInput(
            f"Format {args.format!r} is not offered: choose one of {', '.join(FORMATS)}."
        )
    if args.at is not None and fmt != "png":
        raise InvalidInput("--at chooses the frame of a PNG: use it with --format png.")
    for name in ("width", "fps"):
        if getattr(args, name) is not None and fmt != "gif":
            raise InvalidInput(f"--{name} is for GIFs: use it with --format gif.")
    if fmt == "png":
        return fmt, {"at": parse_at(args.at) if args.at is not None else 0.0}
    if fmt == "gif":
        width = 480
        if args.width is not None:
            if not str(args.width).strip().isdigit():
                raise InvalidInput(f"--width takes a whole number of pixels, not {args.width!r}.")
            width = int(args.width)
        fps = 12.0
        if args.fps is not None:
            try:
                fps = float(args.fps)
            except ValueError:
                raise InvalidInput(f"--fps takes a number, not {args.fps!r}.") from None
        return fmt, {"width": width or None, "fps": fps}
    return fmt, {}


def cmd_export(args: argparse.Namespace) -> int:
    from ..core.export import (
        check_output_path,
        export_gif,
        export_mp4,
        export_png,
        job_metadata,
    )
    from ..core.media import NotAVideo

    fmt, options = _export_options(args)
    output = check_output_path(Path(args.output), fmt)
    ctx = _context(args)
    try:
        job = ctx.store.resolve_id(args.job)
        short = job.id[:12]
        if not job.video_path:
            why = {
                JobStatus.FAILED: "it failed",
                JobStatus.CANCELLED: "it was cancelled",
                JobStatus.UNKNOWN: "its outcome is unknown",
                JobStatus.COMPLETED: "none was saved",
            }.get(job.status, f"it is still {job.status.value}")
            raise InvalidInput(f"Job {short} has no video: {why}.")
        video = Path(job.video_path)
        if not video.is_file():
            raise InvalidInput(f"Job {short} has no video: the video file is missing ({video}).")
        if output == video.resolve():
            raise InvalidInput(f"{output} is the library's own copy of the video.")
        show = _progress_line() if sys.stderr.isatty() else None
        try:
            if fmt == "mp4":
                export_mp4(video, output, metadata=job_metadata(job), progress=show)
            elif fmt == "gif":
                export_gif(video, output, progress=show, **options)
            else:
                export_png(video, output, progress=show, **options)
        except NotAVideo as exc:
            raise InvalidInput(f"The video of job {short} cannot be read: {exc}") from exc
        except OSError as exc:
            raise InvalidInput(f"Cannot write {output}: {exc.strerror or exc}") from exc
        finally:
            if show is not None:
                print(file=sys.stderr)
    finally:
        ctx.close()
    print(output)
    return ExitCode.OK


def _progress_line() -> Callable[[float], None]:
    def show(fraction: float) -> None:
        print(f"\rExporting… {round(fraction * 100):3d}%", end="", file=sys.stderr, flush=True)

    return show


def cmd_spend(args: argparse.Namespace) -> int:
    from ..core.spend import totals

    ctx = _context(args)
    try:
        spent = totals(ctx.store)
        budget = ctx.settings.monthly_budget_credits
    finally:
        ctx.close()
    if args.json:
        _print_json(
            {
                "today": spent.today,
                "month": spent.month,
                "all_time": spent.all_time,
                "monthly_budget": budget,
                "unit": "credits",
            }
        )
    else:
        print(spent.describe() + (f"; monthly budget {budget:,} credits" if budget else ""))
    return ExitCode.OK


def cmd_rebuild(args: argparse.Namespace) -> int:
    ctx = _context(args)
    try:
        report = ctx.library.rebuild()
    finally:
        ctx.close()
    if args.json:
        _print_json(
            {
                "from_sidecars": report.from_sidecars,
                "from_videos": report.from_videos,
                "already_there": report.already_there,
                "unreadable": list(report.unreadable),
            }
        )
    else:
        print(
            f"{report.recovered} job(s) put back ({report.from_sidecars} from sidecars, "
            f"{report.from_videos} from videos alone); {report.already_there} already listed."
        )
        for name in report.unreadable:
            print(f"Skipped unreadable file: {name}", file=sys.stderr)
    return ExitCode.OK


def cmd_key(args: argparse.Namespace) -> int:
    from ..core.secrets import KeyStore

    keys = KeyStore()
    if args.key_verb == "set":
        if sys.stdin.isatty():
            key = getpass.getpass("API in One key (input hidden): ")
        else:
            key = sys.stdin.readline()
        keys.set(key)
        print("The API key is stored in the system keyring.")
        return ExitCode.OK
    if args.key_verb == "delete":
        removed = keys.delete()
        print("The stored API key was deleted." if removed else "No API key was stored.")
        return ExitCode.OK
    status = keys.status()
    if status.source == "environment":
        print(f"Using the key from GROK_VIDEO_API_KEY (ending …{status.hint}); it is not stored.")
        return ExitCode.OK
    if status.source == "keyring":
        print(f"A key is stored in the system keyring ({status.backend}), ending …{status.hint}.")
        return ExitCode.OK
    print(f"No API key is stored (keyring: {status.backend}).", file=sys.stderr)
    return ExitCode.AUTH


def cmd_sandbox(args: argparse.Namespace) -> int:
    from ..sandbox.server import serve_forever

    serve_forever("127.0.0.1", args.port, None, args.task_seconds)
    return ExitCode.OK


def cmd_gui(args: argparse.Namespace) -> int:
    from ..gui.app import run_app

    return int(
        run_app(
            data_dir=args.data_dir,
            base_url=args.base_url,
            sandbox=args.sandbox,
            files=getattr(args, "files", []),
        )
    )


def _looks_like_picture(arg: str) -> bool:
    if arg.startswith(("http://", "https://", "file:")):
        return True
    try:
        return Path(arg).is_file()
    except (OSError, ValueError):
        return False


def _split_files(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """`grok-video PICTURE…` (a file manager's "Open with"): existing files and web addresses
    given before any verb are pictures for the window; anything else is left to argparse."""
    rest: list[str] = []
    files: list[str] = []
    verb_seen = False
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if verb_seen or arg.startswith("-") or arg in VERBS or not _looks_like_picture(arg):
            verb_seen = verb_seen or arg in VERBS
            rest.append(arg)
            if arg in ("--base-url", "--data-dir") and i + 1 < len(args):
                rest.append(args[i + 1])
                i += 1
        else:
            files.append(arg)
        i += 1
    return rest, files


VERBS = {
    "generate": cmd_generate,
    "jobs": cmd_jobs,
    "show": cmd_show,
    "resume": cmd_resume,
    "export": cmd_export,
    "rebuild": cmd_rebuild,
    "spend": cmd_spend,
    "key": cmd_key,
    "sandbox": cmd_sandbox,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        rest, files = _split_files(sys.argv[1:] if argv is None else argv)
        args = parser.parse_args(rest)
        args.files = files
        if files and args.verb:
            raise UsageError(f"unknown words: {' '.join(files)}")
        handler = VERBS.get(args.verb or "", cmd_gui)
        return int(handler(args))
    except GrokVideoError as exc:
        if getattr(exc, "code", None) and "--json" in (argv if argv is not None else sys.argv):
            _print_json({"error": {"code": exc.code, "message": exc.message}})
        print(f"{APP_NAME}: {exc.message}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print(
            f"\n{APP_NAME}: stopped. Jobs already sent carry on at the service; "
            f"`{APP_NAME} resume` picks them up.",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:
        log.exception("Unexpected error")
        print(f"{APP_NAME}: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return int(ExitCode.JOB_FAILED)


if __name__ == "__main__":
    sys.exit(main())
