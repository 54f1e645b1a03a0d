"""Telling the person a video is ready (or failed) while they are in another window.

A tray icon's balloon where the desktop has a tray; otherwise a freedesktop desktop notification
over D-Bus (GNOME, KDE, and others without a tray), sent from a worker thread so the window never
waits on it; and always the window asks for attention (its task bar entry). Every notice is also
kept in `sent` (for the log and for tests).
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

log = logging.getLogger(__name__)


class Notifier(QObject):
    notified = Signal(str, str, str)  # title, text, channel ("tray" or "attention")
    showRequested = Signal()

    def __init__(self, window: QWidget, icon: QIcon, *, use_tray: bool | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.sent: list[tuple[str, str, str]] = []
        self.tray: QSystemTrayIcon | None = None
        if use_tray is None:
            use_tray = QSystemTrayIcon.isSystemTrayAvailable()
        if use_tray:
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setObjectName("trayIcon")
            self.tray.setToolTip(QApplication.applicationDisplayName())
            menu = QMenu(window)
            show = QAction("Show the window", menu)
            show.triggered.connect(self.showRequested)
            menu.addAction(show)
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(lambda _reason: self.showRequested.emit())
            self.tray.messageClicked.connect(self.showRequested)
            self.tray.show()

    @property
    def channel(self) -> str:
        return "tray" if self.tray is not None else "desktop"

    def notify(self, title: str, text: str, *, failed: bool = False) -> None:
        channel = self.channel
        if self.tray is not None:
            icon = (
                QSystemTrayIcon.MessageIcon.Warning
                if failed
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.tray.showMessage(title, text, icon, 10_000)
        else:
            app = QApplication.applicationDisplayName() or "Grok Video"
            threading.Thread(
                target=desktop_notification, args=(app, title, text), name="notify", daemon=True
            ).start()
        QApplication.alert(self.window, 0)
        log.info("Notified (%s): %s: %s", channel, title, text)
        self.sent.append((title, text, channel))
        self.notified.emit(title, text, channel)

    def set_busy(self, text: str) -> None:
        if self.tray is not None:
            self.tray.setToolTip(text or QApplication.applicationDisplayName())

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()


def desktop_notification(app: str, title: str, text: str, timeout_ms: int = 10_000) -> bool:
    """org.freedesktop.Notifications.Notify on the session bus (jeepney: keyring's own D-Bus
    library, with explicit types). False, and a log line, when there is no notification service."""
    try:
        from jeepney import DBusAddress, MessageType, new_method_call
        from jeepney.io.blocking import open_dbus_connection
    except ImportError:
        return False
    address = DBusAddress(
        "/org/freedesktop/Notifications",
        bus_name="org.freedesktop.Notifications",
        interface="org.freedesktop.Notifications",
    )
    message = new_method_call(
        address,
        "Notify",
        "susssasa{sv}i",
        (
            app,
            0,
            "grok-video",
            title,
            text,
            [],
            {"desktop-entry": ("s", "grok-video")},
            timeout_ms,
        ),
    )
    try:
        with open_dbus_connection(bus="SESSION") as connection:
            reply = connection.send_and_get_reply(message, timeout=5)
        if reply.header.message_type == MessageType.error:
            raise RuntimeError(str(reply.body))
    except Exception as exc:  # no bus, no notification service, a refusal: not worth a crash
        log.info("No desktop notification (%s: %s)", type(exc).__name__, exc)
        return False
    return True
