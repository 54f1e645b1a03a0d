"""Starting the window: Qt application, qasync loop, one error handler, a clean quit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

os.environ.setdefault("QT_API", "PySide6")

import qasync
from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from .. import APP_DISPLAY_NAME, APP_NAME, __version__
from ..core.context import AppContext, redact
from ..core.errors import GrokVideoError
from ..core.paths import AppPaths
from .adapter import JobsController
from .crash import CrashDialog, crash_report
from .main_window import MainWindow
from .single_instance import InstanceServer, hand_over, instance_name

log = logging.getLogger(__name__)


class ErrorReporter:
    """Every unhandled error ends here: logged in full, told to the user in a sentence."""

    def __init__(self) -> None:
        self.window: MainWindow | None = None
        self.count = 0
        self.dialog: CrashDialog | None = None

    def report(self, exc: BaseException | None, context: str = "") -> None:
        self.count += 1
        if exc is not None:
            log.error(
                "Unhandled error %s\n%s",
                context,
                "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
            )
        else:
            log.error("Unhandled error: %s", context)
        if isinstance(exc, GrokVideoError):
            text = exc.message
        elif exc is not None:
            text = f"Something went wrong ({type(exc).__name__}: {exc}). Details are in the log."
        else:
            text = f"Something went wrong: {context}. Details are in the log."
        if self.window is None:
            return
        self.window.show_error(redact(text))
        if isinstance(exc, GrokVideoError) or (exc is None and not context):
            return  # said in words already; not a bug
        if self.dialog is not None and self.dialog.isVisible():
            return  # one dialog at a time; every error is in the log
        folder = str(self.window.controller.ctx.paths.log_dir)
        dialog = CrashDialog(crash_report(exc, context), folder, self.window)

        def closed(_code: int) -> None:
            self.dialog = None
            dialog.deleteLater()

        dialog.finished.connect(closed)
        self.dialog = dialog
        dialog.open()

    def excepthook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        self.report(exc, "in the window")

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, asyncio.CancelledError):
            return
        self.report(exc, str(context.get("message", "")))


def app_icon() -> QIcon:
    """The app's own icon at every size (sharp on high-DPI screens), shipped in the package."""
    folder = Path(__file__).resolve().parent.parent / "resources"
    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        png = folder / f"grok-video-{size}.png"
        if png.exists():
            icon.addFile(str(png), QSize(size, size))
    svg = folder / "grok-video.svg"
    if svg.exists():
        icon.addFile(str(svg))
    return icon if not icon.isNull() else QIcon.fromTheme("video-x-generic")


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("grok-video")
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(app_icon())
    return app


SMOKE_ENV = "GROK_VIDEO_SMOKE"  # packaging's smoke run: make a clip, play it, quit
SMOKE_FRAMES_ENV = "GROK_VIDEO_SMOKE_FRAMES"  # the same, playing the newest clip for N frames


def smoke_frames() -> int | None:
    raw = os.environ.get(SMOKE_FRAMES_ENV) or ("5" if os.environ.get(SMOKE_ENV) else "")
    try:
        return max(1, int(raw)) if raw else None
    except ValueError:
        return None


async def _smoke_run(window: MainWindow, frames: int, timeout: float = 120.0) -> bool:
    """Prove a build works end to end: a clip (the newest, or a new sandbox one) is decoded on
    screen, then the app quits cleanly. Says so in one line, on stdout and in the log."""
    from ..core.models import GenerationRequest

    def say(ok: bool, text: str) -> bool:
        line = f"Smoke test: {text}"
        (log.info if ok else log.error)(line)
        print(f"smoke: {'ok' if ok else 'failed'}: {text}", flush=True)
        return ok

    try:
        controller = window.controller
        done = [j for j in controller.jobs(limit=50) if j.status.value == "completed"]
        if done:
            job = done[0]
        elif controller.is_sandbox:
            made = controller.submit(GenerationRequest(prompt="Smoke test: a red balloon"))
            if made is None:
                return say(False, "the sandbox refused the job")
            job = made
        else:
            return say(False, "no clip to play (start with --sandbox to make one)")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline and not controller.job(job.id).status.ended:
            await asyncio.sleep(0.1)
        window.select_job(job.id)
        video = window.player.video
        while loop.time() < deadline and video.frames_shown < frames:
            await asyncio.sleep(0.05)
        image = video.current_image()
        if video.frames_shown < frames:
            return say(False, f"only {video.frames_shown} of {frames} frames decoded")
        return say(
            True,
            f"{video.frames_shown} frames decoded ({image.width()}x{image.height()}); quitting",
        )
    finally:
        window.close()


def _absolute(item: str) -> str:
    return item if "://" in item else str(Path(item).expanduser().resolve())


async def run_window(
    ctx: AppContext,
    reporter: ErrorReporter,
    *,
    ask_key: bool = True,
    instance: InstanceServer | None = None,
    launch: dict[str, Any] | None = None,
) -> int:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(reporter.loop_handler)
    controller = JobsController(ctx)
    window = MainWindow(controller)
    controller.setParent(window)  # deleted with the window, on this thread
    reporter.window = window
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    window.present()
    log.info("Window shown")
    for sig in (signal.SIGTERM, signal.SIGINT):  # a session ending or Ctrl+C: a clean quit
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, window.close)
    if instance is not None:
        instance.messageReceived.connect(window.receive_launch)
    if launch and launch.get("files"):
        window.receive_launch({"files": launch["files"]})
    try:
        if ask_key and controller.needs_key():
            try:
                controller.key_status()
            except GrokVideoError as exc:
                window.show_error(exc.message)
            else:
                window.spawn(window.ask_for_key(first_run=True))
        controller.resume_all()
        smoke = None
        frames = smoke_frames()
        if frames is not None:
            smoke = asyncio.ensure_future(_smoke_run(window, frames))
        await closed.wait()
        if smoke is not None:
            return 0 if smoke.done() and not smoke.cancelled() and smoke.result() else 1
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
        await controller.shutdown()
        reporter.window = None
        window.deleteLater()
    return 0


def run_app(
    *,
    data_dir: str | None = None,
    base_url: str | None = None,
    sandbox: bool = False,
    files: list[str] | None = None,
) -> int:
    app = make_app()
    name = instance_name(AppPaths.resolve(data_dir).data_dir)
    launch = {"files": [_absolute(f) for f in files or []], "sandbox": sandbox}
    if hand_over(name, launch):
        log.info("Handed over to the running instance")
        return 0
    instance = InstanceServer(name)
    instance.listen()
    reporter = ErrorReporter()
    previous_hook = sys.excepthook
    sys.excepthook = reporter.excepthook
    try:
        try:
            ctx = AppContext.open(data_dir=data_dir, base_url=base_url, sandbox=sandbox)
        except GrokVideoError as exc:
            box = QMessageBox(QMessageBox.Icon.Critical, APP_DISPLAY_NAME, exc.message)
            box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.exec()  # not inside a coroutine: the loop has not started yet
            return int(exc.exit_code)
        try:
            with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
                return runner.run(run_window(ctx, reporter, instance=instance, launch=launch))
        finally:
            instance.close()
            ctx.close()
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    finally:
        sys.excepthook = previous_hook
