"""A video finished while the person was elsewhere: they are told, and progress shows."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

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
    assert channel == ("tray" if QSystemTrayIcon.isSystemTrayAvailable() else "desktop")
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


class NotificationService:
    """A freedesktop notification server on the test session's D-Bus (what GNOME Shell or
    KDE Plasma runs), recording each Notify call."""

    def __init__(self) -> None:
        import threading

        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.received: list[tuple] = []
        self.connection = open_dbus_connection(bus="SESSION")
        reply = self.connection.send_and_get_reply(
            message_bus.RequestName("org.freedesktop.Notifications")
        )
        assert reply.body == (1,), "another notification service owns the name"
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        from jeepney import MessageType, new_method_return

        while not self.stopping:
            try:
                message = self.connection.receive(timeout=0.2)
            except TimeoutError:
                continue
            if (
                message.header.message_type == MessageType.method_call
                and message.header.fields.get(3) == "Notify"  # 3: the member name
            ):
                self.received.append(message.body)
                self.connection.send(new_method_return(message, "u", (1,)))

    def close(self) -> None:
        self.stopping = True
        self.thread.join(timeout=5)
        self.connection.close()


def test_without_a_tray_a_desktop_notification_goes_over_d_bus(
    harness: Harness, qtbot, sandbox
) -> None:
    service = NotificationService()
    try:
        window = harness.open(sandbox.url)
        if window.notifier.tray is not None:
            pytest.fail("this test is about desktops without a tray")
        window.prompt_edit.setPlainText("A lantern over the lake")
        window.submit()
        elsewhere(qtbot)
        until(qtbot, lambda: bool(service.received))
    finally:
        service.close()
    app, replaces, icon, summary, body, actions, hints, timeout = service.received[0]
    assert replaces == 0 and actions == []
    assert (summary, body) == ("Your video is ready", "A lantern over the lake")
    assert app == QApplication.applicationDisplayName() and icon == "grok-video"
    assert timeout == 10_000
    assert hints["desktop-entry"] == ("s", "grok-video")
