"""Entry point of the frozen app: exactly the `grok-video` console script.

`grok-video --sandbox`, `grok-video jobs`, `grok-video key status`, … all go through
`grok_video.cli.main:main`, the same function pip's console script calls. Before that, the
environment the bundle set up for itself is taken back, so that the programs the app starts
(xdg-open, a file manager, a video player) get the user's environment, not the bundle's.
"""

import os
import sys


def _hand_back_environment() -> None:
    """The bootloader puts the bundle first on LD_LIBRARY_PATH (kept as LD_LIBRARY_PATH_ORIG)
    and PyInstaller's PySide6 hook points QT_PLUGIN_PATH and QML2_IMPORT_PATH into it.
    This process no longer needs them: the dynamic loader read LD_LIBRARY_PATH at start, and
    Qt finds its plugins beside its own libraries (the wheel's relocatable layout, kept in the
    bundle). A child would inherit them and load our Qt, FFmpeg or ICU over its own."""
    if not getattr(sys, "frozen", False):
        return
    if not sys.platform.startswith("linux"):
        return  # checked on Linux only; a macOS .app may need QT_PLUGIN_PATH (split folders)
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is not None:
        os.environ["LD_LIBRARY_PATH"] = original
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)
    os.environ.pop("QT_PLUGIN_PATH", None)
    os.environ.pop("QML2_IMPORT_PATH", None)


_hand_back_environment()

from grok_video.cli.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
