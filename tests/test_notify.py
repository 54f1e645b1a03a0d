"""A video finished while the person was elsewhere: they are told, and progress shows."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from grok_video.core.models import JobStatus
from grok_video.gui.notify import Notifier

from .test_gui import Harness, job_rows, until

pytestmark = pytest.mark.gui


def elsewhere(qtbot) -> QWidget:  # type: ignore[no-untyped-def]
    """Another window takes the focus, as when the person switches to another app."""
    other = QWidget()
    qtbot.addWidget(other)
    other.setWindowTitle("Another app")
    other.show()
    other.activateWindow()
    qtbot.waitActive(other)
    return other


def test_a_video_ready_while_away_is_notified_and_progress_shows_in_the_title(
    harness: Harness, qtbot, sandbox
) -> None:
    sandbox.configure(latency=0.0)
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("A heron in the reeds")
    window.submit()
    until(qtbot, lambda: window.windowTitle().startswith("(1 making"))
    elsewhere(qtbot)
    until(qtbot, lambda: job_rows(window)[0].status is JobStatus.COMPLETED)
    until(qtbot, lambda: bool(window.notifier.sent))
    title, text, channel = window.notifier.sent[0]
    assert title == "Your video is ready" and text == "A heron in the reeds"
    assert channel == ("tray" if QSystemTrayIcon.isSystemTrayAvailable() else "attention")
    assert window.windowTitle() == "Grok Video"


def test_a_failure_while_away_is_notified_with_the_reason(harness: Harness, qtbot, sandbox):
    sandbox.configure(fail_tasks=True)
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("A city built on clouds")
    window.submit()
    elsewhere(qtbot)
    until(qtbot, lambda: bool(window.notifier.sent))
    title, text, _ = window.notifier.sent[0]
    assert title == "A video failed" and text.startswith("A city built on clouds: ")


def test_nothing_is_notified_while_the_window_is_in_front(harness: Harness, qtbot, sandbox):
    window = harness.open(sandbox.url)
    window.prompt_edit.setPlainText("Watched")
    window.submit()
    until(qtbot, lambda: job_rows(window)[0].status is JobStatus.COMPLETED)
    assert window.notifier.sent == []


def test_the_tray_path_shows_the_message(qtbot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    pixmap = QPixmap(32, 32)
    pixmap.fill(QColor("#2d6cdf"))
    notifier = Notifier(host, QIcon(pixmap), use_tray=True)
    assert notifier.tray is not None and notifier.channel == "tray"
    with qtbot.waitSignal(notifier.notified) as seen:
        notifier.notify("Your video is ready", "A tray test")
    assert seen.args == ["Your video is ready", "A tray test", "tray"]
    notifier.set_busy("Grok Video: 1 making")
    assert notifier.tray.toolTip() == "Grok Video: 1 making"
    notifier.close()
