"""Start-up probes, kept tiny so that they add next to nothing to what they measure.

    python -m tests.benchmarks.probe app    the real app (`grok-video` with no verb), which
                                            reports the end of its window's first paint, then
                                            quits cleanly
    python -m tests.benchmarks.probe bare   the floor: a bare QMainWindow with the same Qt
                                            modules imported (QtWidgets, QtMultimedia, QtNetwork)

Each prints one line, `BENCH-RESULT {json}`, with `painted` (time.monotonic(), the clock the
runner reads before starting the process: CLOCK_MONOTONIC is shared by all processes) and
the process's resident memory then (bytes).
"""

from __future__ import annotations

import json
import sys
import time


def _memory() -> dict[str, int]:
    out = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = int(value.split()[0]) * 1024
    return out


def _first_paint_filter(on_painted):  # type: ignore[no-untyped-def]
    """An event filter for a window: after its first paint pass, on_painted(monotonic time)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        seen = False

        def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]
            if not self.seen and event.type() == QEvent.Type.Paint:
                self.seen = True
                # A zero timer fires once the whole paint pass (children, flush) is over.
                QTimer.singleShot(0, lambda: on_painted(time.monotonic()))
            return False

    return FirstPaint()


def _say(painted: float, **extra: object) -> None:
    data = {"painted": painted, **_memory(), **extra}
    print("BENCH-RESULT " + json.dumps(data), flush=True)


def app() -> int:
    import grok_video.gui.app as gui_app
    from grok_video.cli.main import main

    window_class = gui_app.MainWindow
    original = window_class.present
    keep = []

    def present(window):  # type: ignore[no-untyped-def]
        if not keep:

            def painted(when: float) -> None:
                _say(when, rows=window.model.rowCount())
                window.close()  # the app then quits as on Ctrl+Q

            keep.append(_first_paint_filter(painted))
            window.installEventFilter(keep[0])
        original(window)

    window_class.present = present
    return int(main([]))


def bare() -> int:
    from PySide6 import QtMultimedia, QtNetwork  # noqa: F401  (the app's Qt modules)
    from PySide6.QtWidgets import QApplication, QMainWindow

    qapp = QApplication([sys.argv[0]])
    window = QMainWindow()
    window.setWindowTitle("Bare")
    window.resize(1200, 720)  # the app's window size

    def painted(when: float) -> None:
        _say(when)
        qapp.quit()

    watcher = _first_paint_filter(painted)
    window.installEventFilter(watcher)
    window.show()
    return int(qapp.exec())


if __name__ == "__main__":
    sys.exit({"app": app, "bare": bare}[sys.argv[1]]())
