"""Telling the person a video is ready (or failed) while they are in another window.

A tray icon's balloon where the desktop has a tray; otherwise the window asks for attention
(the task bar entry flashes or is marked). Every notice is also kept in `sent` (for the log and
for tests) and said in the status bar.
"""

from __future__ import annotations

import logging

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
        return "tray" if self.tray is not None else "attention"

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
