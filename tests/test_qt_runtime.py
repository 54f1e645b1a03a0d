"""Guards against Qt binding bugs that would crash the app long after their cause."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QToolButton


class _Emitter(QObject):
    flag = Signal(bool)


def test_signals_to_python_slots_keep_reference_counts(qapp) -> None:
    """PySide6 6.12.0 lost a reference to None (or True) per delivery; on Python 3.11 the
    interpreter then dies ("deallocating None") minutes later, far from the cause."""
    button = QToolButton()
    button.setCheckable(True)
    seen: list[bool] = []
    button.toggled.connect(seen.append)
    emitter = _Emitter()
    emitter.flag.connect(seen.append)
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(200):
        button.toggle()
        emitter.flag.emit(True)
    seen.clear()
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    assert all(abs(a - b) < 50 for a, b in zip(after, before, strict=True)), (before, after)
    button.deleteLater()
