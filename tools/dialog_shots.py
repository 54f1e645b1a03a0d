"""Grab the first-run and help dialogs: welcome, about, settings (budget), crash report, a
purchase question.

    tools/with-session python tools/dialog_shots.py [FOLDER]   (default: docs/)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false")
os.environ["QT_API"] = "PySide6"

import qasync
from PySide6.QtWidgets import QApplication, QWidget

from grok_video.core.context import AppContext
from grok_video.gui.adapter import JobsController
from grok_video.gui.app import make_app
from grok_video.gui.crash import CrashDialog, crash_report
from grok_video.gui.dialogs import KeyDialog, SettingsDialog
from grok_video.gui.main_window import MainWindow


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0.05)


def modal() -> QWidget:
    widget = QApplication.activeModalWidget()
    assert widget is not None
    return widget


async def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = AppContext.open(data_dir=tmp, base_url="https://apiin.one", log=False)
        controller = JobsController(ctx)
        window = MainWindow(controller)
        window.resize(1280, 760)
        window.show()
        await settle()

        welcome = KeyDialog(controller, window, first_run=True)
        welcome.open()
        await settle()
        welcome.grab().save(str(folder / "welcome.png"))
        welcome.key_edit.setText("sk-not-a-real-key")
        welcome.error_label.setText(
            "The service refused this key (Invalid API key). Check that you copied all of it."
        )
        welcome.error_label.show()
        await settle()
        welcome.grab().save(str(folder / "welcome-refused.png"))
        welcome.reject()

        window.show_about()
        await settle()
        modal().grab().save(str(folder / "about.png"))
        modal().close()

        settings = SettingsDialog(controller, window)
        settings.budget_spin.setValue(2400)
        settings.open()
        await settle()
        settings.grab().save(str(folder / "settings.png"))
        settings.reject()

        try:
            raise RuntimeError("could not read https://cdn.example/v.mp4?Signature=abc")
        except RuntimeError as exc:
            crash = CrashDialog(crash_report(exc, "in the window"), str(ctx.paths.log_dir), window)
        crash.open()
        await settle()
        crash.grab().save(str(folder / "crash.png"))
        crash.reject()
        print(f"Saved dialog shots in {folder}")
        window.close()
        await controller.shutdown()
        ctx.close()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs").resolve()
    make_app()
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(main(target))
