"""Starting the window: Qt application, qasync loop, one error handler, a clean quit."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

os.environ.setdefault("QT_API", "PySide6")

import qasync
from PySide6.QtCore import QEvent, Qt
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


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("grok-video")
    app.setQuitOnLastWindowClosed(False)
    icon = QIcon.fromTheme("video-x-generic")
    if not icon.isNull():
        app.setWindowIcon(icon)
    return app


SMOKE_ENV = "GROK_VIDEO_SMOKE"  # packaging's smoke run: make, play and quit (sandbox only)


async def _smoke_run(window: MainWindow, frames: int = 5, timeout: float = 120.0) -> bool:
    """Prove a build works end to end: a sandbox video is made, decoded on screen, and the
    app quits cleanly. Prints one line for the packaging script."""
    from ..core.models import GenerationRequest

    ok = False
    try:
        if not window.controller.is_sandbox:
            print("smoke: refused: only with --sandbox", flush=True)
            return False
        job = window.controller.submit(GenerationRequest(prompt="Smoke test: a red balloon"))
        assert job is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            current = window.controller.job(job.id)
            if current.status.ended or window.player.video.frames_shown >= frames:
                break
            await asyncio.sleep(0.1)
        window.select_job(job.id)
        while loop.time() < deadline and window.player.video.frames_shown < frames:
            await asyncio.sleep(0.1)
        shown = window.player.video.frames_shown
        ok = shown >= frames
        print(f"smoke: {'ok' if ok else 'failed'}: {shown} frames shown", flush=True)
        return ok
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
        if os.environ.get(SMOKE_ENV):
            smoke = asyncio.ensure_future(_smoke_run(window))
        await closed.wait()
        if smoke is not None:
            return 0 if smoke.done() and not smoke.cancelled() and smoke.result() else 1
    finally:
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
