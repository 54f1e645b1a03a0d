"""Show a file in the system's file manager, selected where the platform allows it."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

log = logging.getLogger(__name__)


def _freedesktop_show(path: Path) -> bool:
    """The FileManager1 D-Bus call that Nautilus, Dolphin, Nemo and others answer."""
    try:
        from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusMessage
    except ImportError:
        return False
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    names = bus.interface()
    if names is None or not names.isServiceRegistered("org.freedesktop.FileManager1").value():
        return False
    manager = QDBusInterface(
        "org.freedesktop.FileManager1",
        "/org/freedesktop/FileManager1",
        "org.freedesktop.FileManager1",
        bus,
    )
    if not manager.isValid():
        return False
    reply = manager.call("ShowItems", [QUrl.fromLocalFile(str(path)).toString()], "")
    return reply.type() != QDBusMessage.MessageType.ErrorMessage


def reveal_file(path: Path) -> None:
    try:
        if sys.platform == "darwin":
            subprocess.Popen(["open", "-R", str(path)])
            return
        if sys.platform == "win32":
            subprocess.Popen(["explorer", f"/select,{path}"])
            return
        if _freedesktop_show(path):
            return
    except OSError:
        log.exception("Could not reveal %s", path)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
