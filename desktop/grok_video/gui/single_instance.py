"""One app per library: a second launch hands its files to the first and brings it forward.

The first instance listens on a local socket named after the library folder; a second launch
connects, sends one JSON line ({"files": [...], "sandbox": bool}), waits for "ok", and exits.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_MS = 500
REPLY_MS = 3000


def instance_name(data_dir: Path) -> str:
    """The socket's name: one per user and library folder (short: socket paths are limited)."""
    digest = hashlib.sha256(f"{getpass.getuser()}\0{data_dir.resolve()}".encode()).hexdigest()
    return f"grok-video-{digest[:16]}"


def hand_over(name: str, message: dict[str, Any]) -> bool:
    """Give the message to a running instance. False when none is listening (start normally)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_MS):
        return False
    socket.write(json.dumps(message).encode() + b"\n")
    socket.flush()
    socket.waitForBytesWritten(REPLY_MS)
    answered = False
    while socket.waitForReadyRead(REPLY_MS):
        if socket.canReadLine():
            answered = bytes(socket.readLine().data()).strip() == b"ok"
            break
    socket.disconnectFromServer()
    return answered


class InstanceServer(QObject):
    """Listens for later launches; each message arrives as `messageReceived(dict)`."""

    messageReceived = Signal(dict)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._connected)

    def listen(self) -> bool:
        if self.server.listen(self.name):
            return True
        # A socket file left by a crashed instance (nobody answered hand_over): clear it.
        QLocalServer.removeServer(self.name)
        ok = self.server.listen(self.name)
        if not ok:
            log.warning("Single-instance socket unavailable: %s", self.server.errorString())
        return ok

    def _connected(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            if socket is None:
                return
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data())
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if isinstance(message, dict):
            socket.write(b"ok\n")
            socket.flush()
            self.messageReceived.emit(message)
        else:
            socket.write(b"bad\n")
        socket.disconnectFromServer()

    def close(self) -> None:
        self.server.close()
