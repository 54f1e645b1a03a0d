"""For GUI children: the app's real window on a qasync loop, paint timing, a heartbeat timer."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from .common import QT_LOGGING_RULES, percentile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", QT_LOGGING_RULES)
os.environ["QT_API"] = "PySide6"

import qasync
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget


def run(main: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """The app's QApplication and a qasync loop, as `grok-video` starts them."""
    from grok_video.gui.app import make_app

    make_app()
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        return runner.run(main())


class Window:
    """The app's window on a library, built as gui/app.py's run_window builds it."""

    def __init__(self, data_dir: Path, base_url: str) -> None:
        from grok_video.core.context import AppContext
        from grok_video.gui.adapter import JobsController
        from grok_video.gui.main_window import MainWindow

        self.ctx = AppContext.open(data_dir=str(data_dir), base_url=base_url, log=False)
        self.opened = time.perf_counter()
        self.controller = JobsController(self.ctx)
        self.window = MainWindow(self.controller)
        self.built = time.perf_counter()
        self.controller.setParent(self.window)

    def present(self) -> None:
        self.window.present()
        self.controller.resume_all()

    async def close(self) -> None:
        self.window.close()
        await self.controller.shutdown()
        self.window.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        self.ctx.close()


class PaintWatch(QObject):
    """Tells when a widget's paint has reached the screen: the time of the first zero timer
    after its paint event, i.e. once the whole paint pass (and its flush) is over."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.widget = widget
        self.count = 0
        self._waiters: list[asyncio.Future[float]] = []
        self._pending = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
            if self._waiters and not self._pending:
                self._pending = True
                QTimer.singleShot(0, self._painted)
        return False

    def _painted(self) -> None:
        now = time.perf_counter()
        self._pending = False
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(now)

    def next_paint(self) -> asyncio.Future[float]:
        """A future that gets the time the widget's next paint is on screen."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        return future


class Heartbeat(QObject):
    """A 5 ms precise timer on the GUI thread; lateness is each tick's delay past its due time."""

    def __init__(self, interval_ms: int = 5) -> None:
        super().__init__()
        self.interval = interval_ms / 1000
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.ticks: list[float] = []

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.lateness()

    def lateness(self) -> list[float]:
        return [
            max(0.0, b - a - self.interval)
            for a, b in zip(self.ticks, self.ticks[1:], strict=False)
        ]

    def worst(self, count: int = 5) -> list[tuple[float, float]]:
        """The latest ticks: (seconds since the start, lateness)."""
        late = self.lateness()
        start = self.ticks[0] if self.ticks else 0.0
        order = sorted(range(len(late)), key=late.__getitem__, reverse=True)[:count]
        return [(self.ticks[i + 1] - start, late[i]) for i in sorted(order)]


def lateness_stats(late: list[float]) -> dict[str, float]:
    return {
        "ticks": len(late),
        "p50": percentile(late, 50),
        "p99": percentile(late, 99),
        "max": max(late) if late else float("nan"),
    }
