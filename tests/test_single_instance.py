"""One app per library: a second launch hands over to the first instead of opening again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from grok_video.gui.single_instance import InstanceServer, hand_over, instance_name

from .test_gui import Harness, until

pytestmark = pytest.mark.gui


def launch(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    """A second `grok-video` started the way a file manager or the menu would."""
    return subprocess.Popen(
        [sys.executable, "-m", "grok_video", "--data-dir", str(data_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_launch_hands_its_picture_to_the_running_window(
    harness: Harness, qtbot, sandbox, data_dir: Path, tmp_path: Path
) -> None:
    window = harness.open(sandbox.url)
    server = InstanceServer(instance_name(data_dir), window)
    assert server.listen()
    server.messageReceived.connect(window.receive_launch)
    picture = tmp_path / "beach.png"
    Image.new("RGB", (64, 48), (30, 120, 200)).save(picture)
    window.showMinimized()

    second = launch(data_dir, str(picture))
    until(qtbot, lambda: second.poll() is not None)
    _out, err = second.communicate()
    assert second.returncode == 0, err
    until(qtbot, lambda: window.picture == str(picture))
    assert window.isVisible() and not window.isMinimized()  # brought forward

    second = launch(data_dir, "--sandbox")
    until(qtbot, lambda: second.poll() is not None)
    second.communicate()
    assert second.returncode == 0
    until(qtbot, lambda: "Quit it first" in window.statusBar().currentMessage())
    server.close()


def test_with_nobody_listening_the_launch_goes_ahead(data_dir: Path, qapp) -> None:
    name = instance_name(data_dir)
    assert hand_over(name, {"files": []}) is False
    # A socket left by a crashed instance is cleared, not fatal.
    first = InstanceServer(name)
    assert first.listen()
    first.server.close()
    stale = InstanceServer(name)
    assert stale.listen()
    stale.close()


def test_each_library_has_its_own_instance(tmp_path: Path) -> None:
    assert instance_name(tmp_path / "a") != instance_name(tmp_path / "b")
    assert instance_name(tmp_path / "a") == instance_name(tmp_path / "a" / ".." / "a")
