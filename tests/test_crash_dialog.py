"""An unexpected error: logged in full, and a short, redacted report the person can copy."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from grok_video import __version__
from grok_video.core.context import REDACTOR
from grok_video.gui.app import ErrorReporter
from grok_video.gui.crash import CrashDialog

from .test_gui import Harness, until

pytestmark = pytest.mark.gui

KEY = "sk-very-secret-7781"


def test_an_unexpected_error_shows_a_redacted_report_to_copy(
    harness: Harness, qtbot, sandbox, caplog
) -> None:
    window = harness.open(sandbox.url)
    reporter = ErrorReporter()
    reporter.window = window
    loop = asyncio.get_event_loop()
    loop.set_exception_handler(reporter.loop_handler)
    REDACTOR.secrets.add(KEY)

    async def broken() -> None:
        raise RuntimeError(
            f"could not fetch https://cdn.example/v.mp4?X-Signature=abc123&exp=9 with {KEY}"
        )

    try:
        with caplog.at_level(logging.ERROR):
            # Nobody awaits it: when it is collected, the loop's handler gets the error.
            tasks = [asyncio.ensure_future(broken())]
            until(qtbot, lambda: tasks[0].done())
            tasks.clear()
            gc.collect()
            until(qtbot, lambda: isinstance(QApplication.activeModalWidget(), CrashDialog))
    finally:
        loop.set_exception_handler(None)
        REDACTOR.secrets.discard(KEY)
    dialog = QApplication.activeModalWidget()
    report = dialog.report.toPlainText()
    assert "RuntimeError" in report and __version__ in report and "broken" in report
    assert KEY not in report and "abc123" not in report
    assert "https://cdn.example/v.mp4?[redacted]" in report
    assert KEY not in window.statusBar().currentMessage()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == report
    assert any("Unhandled error" in r.getMessage() for r in caplog.records)
    dialog.reject()
    until(qtbot, lambda: reporter.dialog is None)


def test_errors_said_in_words_do_not_open_the_crash_dialog(harness: Harness, qtbot, sandbox):
    from grok_video.core.errors import InvalidInput

    window = harness.open(sandbox.url)
    reporter = ErrorReporter()
    reporter.window = window
    reporter.report(InvalidInput("That picture is too large."), "dropping a picture")
    assert window.statusBar().currentMessage() == "That picture is too large."
    assert reporter.dialog is None


def test_about_shows_the_version_and_the_folders_open_from_the_menu(
    harness: Harness, qtbot, sandbox, data_dir
) -> None:
    from PySide6.QtCore import QObject, QUrl, Slot
    from PySide6.QtGui import QAction, QDesktopServices
    from PySide6.QtWidgets import QMessageBox

    window = harness.open(sandbox.url)
    window.findChild(QAction, "aboutAction").trigger()
    until(qtbot, lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert box.objectName() == "aboutDialog"
    assert __version__ in box.text() and str(data_dir) in box.informativeText()
    box.accept()

    opened: list[str] = []

    class Handler(QObject):
        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            opened.append(url.toLocalFile())

    handler = Handler()
    QDesktopServices.setUrlHandler("file", handler, "open")
    try:
        window.open_library_folder()
        window.open_log_folder()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert opened == [str(data_dir), str(data_dir / "logs")]
