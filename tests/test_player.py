"""The player panel on its own, offscreen, with real H.264 clips and real key and mouse events."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from grok_video.gui.player import (
    SHORTCUTS,
    SPEEDS,
    PlayerPanel,
    ShortcutsOverlay,
    format_time,
)
from grok_video.sandbox.video import make_video

pytestmark = pytest.mark.gui

FPS = 24
FRAME_MS = 1000 / FPS
Key = Qt.Key
Playing = QMediaPlayer.PlaybackState.PlayingState
Paused = QMediaPlayer.PlaybackState.PausedState
Stopped = QMediaPlayer.PlaybackState.StoppedState


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real six-second 24 fps H.264 clip with a moving shape and an AAC tone."""
    path = tmp_path_factory.mktemp("clips") / "clip.mp4"
    make_video(path, "Frame by frame", "16:9", seconds=6.0, fps=FPS)
    return path


@dataclass
class Rig:
    window: QWidget
    line: QLineEdit
    notes: QPlainTextEdit
    panel: PlayerPanel


@pytest.fixture
def rig(qtbot) -> Iterator[Rig]:
    """A window with two text fields above a player panel, shown and active."""
    window = QWidget()
    window.setObjectName("testWindow")
    layout = QVBoxLayout(window)
    line = QLineEdit(window)
    notes = QPlainTextEdit(window)
    notes.setMaximumHeight(60)
    panel = PlayerPanel(window)
    layout.addWidget(line)
    layout.addWidget(notes)
    layout.addWidget(panel, 1)
    window.resize(640, 480)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    try:
        yield Rig(window, line, notes, panel)
    finally:
        # Stop from the event loop (never a blocking stop() from here), then delete every Qt
        # object now, on this thread, rather than whenever the collector gets to it.
        panel.shut_down()
        qtbot.waitUntil(lambda: panel.player.playbackState() == Stopped, timeout=10_000)
        window.close()
        window.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()


def focus(qtbot, widget: QWidget) -> None:
    widget.activateWindow()
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def play(qtbot, panel: PlayerPanel, clip: Path) -> None:
    panel.load(clip)
    qtbot.waitUntil(lambda: panel.video.frames_shown >= 3, timeout=10_000)
    assert panel.player.playbackState() == Playing


def pause(qtbot, panel: PlayerPanel) -> None:
    qtbot.keyClick(panel.video, Key.Key_Space)
    qtbot.waitUntil(lambda: panel.player.playbackState() == Paused)


def frame_index(us: int) -> int:
    return round(us * FPS / 1_000_000)


def shown_frame(panel: PlayerPanel) -> int:
    return frame_index(panel.video.frame_time_us)


def wait_for_frame(qtbot, panel: PlayerPanel, frame: int) -> None:
    qtbot.waitUntil(lambda: shown_frame(panel) == frame, timeout=5_000)


def test_playing_paints_frames_and_space_pauses(qtbot, rig: Rig, clip: Path) -> None:
    panel = rig.panel
    focus(qtbot, panel.video)
    play(qtbot, panel, clip)
    assert not panel.video.current_image().isNull()
    pause(qtbot, panel)
    assert panel.play_button.accessibleName() == "Play"
    shown = panel.video.frames_shown
    qtbot.keyClick(panel.video, Key.Key_Space)
    qtbot.waitUntil(lambda: panel.video.frames_shown > shown + 2)
    assert panel.play_button.accessibleName() == "Pause"


def test_frame_steps_by_keys_and_buttons(qtbot, rig: Rig, clip: Path) -> None:
    panel = rig.panel
    focus(qtbot, panel.video)
    play(qtbot, panel, clip)
    assert panel.frame_rate() == pytest.approx(FPS)

    # "." pauses and shows the next frame.
    qtbot.keyClick(panel.video, Key.Key_Period)
    qtbot.waitUntil(lambda: panel.player.playbackState() == Paused)
    start = panel.player.position()
    frame = int(start * FPS / 1000)
    wait_for_frame(qtbot, panel, frame)

    steps = [
        (Key.Key_Period, Qt.KeyboardModifier.NoModifier, 1),
        (Key.Key_Right, Qt.KeyboardModifier.ShiftModifier, 1),
        (Key.Key_Comma, Qt.KeyboardModifier.NoModifier, -1),
        (Key.Key_Left, Qt.KeyboardModifier.ShiftModifier, -1),
    ]
    for key, modifier, delta in steps:
        before = panel.player.position()
        shown = panel.video.frames_shown
        qtbot.keyClick(panel.video, key, modifier)
        after = panel.player.position()
        assert after - before == pytest.approx(delta * FRAME_MS, abs=1.5)
        frame += delta
        wait_for_frame(qtbot, panel, frame)  # the very frame is painted ...
        assert panel.video.frames_shown > shown  # ... as a new one
        assert panel.time_label.text() == f"{format_time(after)} / 0:06"
        assert panel.position.value() == after
        assert panel.player.playbackState() == Paused

    qtbot.mouseClick(panel.frame_forward_button, Qt.MouseButton.LeftButton)
    wait_for_frame(qtbot, panel, frame + 1)
    qtbot.mouseClick(panel.frame_back_button, Qt.MouseButton.LeftButton)
    wait_for_frame(qtbot, panel, frame)
    assert "Shift+Right" in panel.frame_forward_button.toolTip()

    # Clamped to the clip: frame 0 at the start, the last frame at the end.
    qtbot.keyClick(panel.video, Key.Key_Home)
    assert panel.player.position() == 0
    wait_for_frame(qtbot, panel, 0)
    qtbot.keyClick(panel.video, Key.Key_Comma)
    assert panel.player.position() == 0
    qtbot.keyClick(panel.video, Key.Key_End)
    last = 6 * FPS - 1
    assert panel.player.position() == pytest.approx((last + 0.5) * FRAME_MS, abs=1)
    wait_for_frame(qtbot, panel, last)
    qtbot.keyClick(panel.video, Key.Key_Period)
    assert panel.player.position() == pytest.approx((last + 0.5) * FRAME_MS, abs=1)
    assert panel.player.playbackState() == Paused


def test_arrows_seek_five_seconds(qtbot, rig: Rig, clip: Path) -> None:
    panel = rig.panel
    focus(qtbot, panel.video)
    play(qtbot, panel, clip)
    pause(qtbot, panel)
    qtbot.keyClick(panel.video, Key.Key_Home)
    assert panel.player.position() == 0
    qtbot.keyClick(panel.video, Key.Key_Right)
    assert panel.player.position() == 5000
    qtbot.waitUntil(lambda: shown_frame(panel) in (5 * FPS - 1, 5 * FPS))  # either side of 5 s
    assert panel.time_label.text() == "0:05 / 0:06"
    qtbot.keyClick(panel.video, Key.Key_Right)  # not past the last frame
    assert panel.player.position() == pytest.approx((6 * FPS - 0.5) * FRAME_MS, abs=1)
    qtbot.keyClick(panel.video, Key.Key_Left)
    qtbot.keyClick(panel.video, Key.Key_Left)
    assert panel.player.position() == 0
    assert panel.time_label.text() == "0:00 / 0:06"


def test_speed_keys_and_list(qtbot, rig: Rig, clip: Path) -> None:
    panel = rig.panel
    focus(qtbot, panel.video)
    combo = panel.speed_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "0.25×",
        "0.5×",
        "1×",
        "1.5×",
        "2×",
    ]
    assert combo.currentText() == "1×"
    assert panel.rate() == 1.0
    play(qtbot, panel, clip)
    qtbot.keyClick(panel.video, Key.Key_BracketRight)
    assert panel.player.playbackRate() == 1.5
    qtbot.keyClick(panel.video, Key.Key_BracketRight)
    assert panel.player.playbackRate() == 2.0
    assert combo.currentText() == "2×"
    qtbot.keyClick(panel.video, Key.Key_BracketRight)  # already the fastest
    assert panel.rate() == 2.0
    shown = panel.video.frames_shown
    qtbot.waitUntil(lambda: panel.video.frames_shown > shown + 2)  # still playing, faster
    for _ in SPEEDS:
        qtbot.keyClick(panel.video, Key.Key_BracketLeft)
    assert panel.rate() == 0.25
    assert combo.currentText() == "0.25×"
    combo.setCurrentIndex(combo.findText("1.5×"))  # as a pick in the list does
    assert panel.player.playbackRate() == 1.5
    panel.set_rate(0.5)
    assert panel.rate() == 0.5
    assert combo.currentText() == "0.5×"


def test_fullscreen_by_keys_and_back_into_the_panel(qtbot, rig: Rig, clip: Path) -> None:
    panel, window = rig.panel, rig.window
    focus(qtbot, panel.video)
    play(qtbot, panel, clip)
    layout = panel.layout()
    places = [layout.indexOf(panel.video), layout.indexOf(panel.controls)]
    size = panel.video.size()

    with qtbot.waitSignal(panel.fullscreenChanged) as entered:
        qtbot.keyClick(panel.video, Key.Key_F)
    assert entered.args == [True]
    assert panel.is_fullscreen()
    full = panel.video.window()
    assert full is not window and full is panel.fullscreen_window()
    assert full.isWindow() and full.isFullScreen() and full.isVisible()
    assert panel.controls.window() is full
    assert panel.video.width() > size.width()
    assert full.screen().geometry().contains(full.geometry())
    qtbot.waitUntil(lambda: full.isActiveWindow() and QApplication.focusWidget() is panel.video)
    shown = panel.video.frames_shown
    qtbot.waitUntil(lambda: panel.video.frames_shown > shown + 2)  # it plays there

    # The keys work in the full-screen window.
    qtbot.keyClick(panel.video, Key.Key_BracketRight)
    assert panel.rate() == 1.5
    qtbot.keyClick(panel.video, Key.Key_Space)
    qtbot.waitUntil(lambda: panel.player.playbackState() == Paused)
    qtbot.keyClick(panel.video, Key.Key_M)
    assert panel.audio.isMuted()

    with qtbot.waitSignal(panel.fullscreenChanged) as left:
        qtbot.keyClick(panel.video, Key.Key_Escape)
    assert left.args == [False]
    assert not panel.is_fullscreen()
    assert not full.isVisible()
    assert panel.video.parent() is panel and panel.controls.parent() is panel
    assert [layout.indexOf(panel.video), layout.indexOf(panel.controls)] == places
    assert panel.video.isVisible() and panel.controls.isVisible()
    assert not panel.fullscreen_placeholder.isVisible()
    qtbot.waitUntil(lambda: window.isActiveWindow() and QApplication.focusWidget() is panel.video)
    assert panel.video.size() == size

    # F leaves as well; so does the full-screen button, and the window manager's close.
    qtbot.keyClick(panel.video, Key.Key_F)
    assert panel.is_fullscreen()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.video)
    qtbot.keyClick(panel.video, Key.Key_F)
    assert not panel.is_fullscreen()
    qtbot.mouseClick(panel.fullscreen_button, Qt.MouseButton.LeftButton)
    assert panel.is_fullscreen() and panel.fullscreen_button.accessibleName() == "Leave full screen"
    qtbot.mouseClick(panel.fullscreen_button, Qt.MouseButton.LeftButton)
    assert not panel.is_fullscreen()
    qtbot.mouseDClick(panel.video, Qt.MouseButton.LeftButton)  # double-click: in and out
    assert panel.is_fullscreen() and full.isVisible()
    qtbot.mouseDClick(panel.video, Qt.MouseButton.LeftButton)
    assert not panel.is_fullscreen()
    panel.toggle_fullscreen()
    assert full.isVisible()
    full.close()  # as the window manager's close button does
    assert not panel.is_fullscreen()
    assert panel.video.parent() is panel
    assert [layout.indexOf(panel.video), layout.indexOf(panel.controls)] == places
    qtbot.waitUntil(lambda: panel.video.isVisible() and not full.isVisible())


def test_shutting_down_in_fullscreen_restores_the_panel(qtbot, rig: Rig, clip: Path) -> None:
    panel = rig.panel
    play(qtbot, panel, clip)
    panel.toggle_fullscreen()
    full = panel.fullscreen_window()
    assert full is not None and full.isVisible()
    panel.shut_down()
    assert not panel.is_fullscreen() and not full.isVisible()
    assert panel.video.parent() is panel
    qtbot.waitUntil(lambda: panel.player.playbackState() == Stopped)


def test_help_overlay_opens_on_f1_and_question_mark(qtbot, rig: Rig, clip: Path) -> None:
    panel, window = rig.panel, rig.window
    focus(qtbot, panel.video)
    play(qtbot, panel, clip)
    qtbot.keyClick(panel.video, Key.Key_F1)
    overlay = window.findChild(ShortcutsOverlay, "shortcutsOverlay")
    assert overlay is not None and overlay.isVisible()
    assert overlay.geometry() == window.rect()
    assert overlay.accessibleName() == "Keyboard shortcuts"
    assert overlay.shortcuts() == SHORTCUTS
    assert "Space: Play / pause" in overlay.accessibleDescription()
    assert QApplication.focusWidget() is overlay
    image = overlay.grab().toImage()
    corner, centre = image.pixelColor(2, 2), image.pixelColor(image.rect().center())
    assert corner.lightness() < 150 and centre.lightness() < 80  # dimmed, dark panel

    # Its keys are its own while it shows: Space does not pause the video under it.
    qtbot.keyClick(overlay, Key.Key_Space)
    assert not overlay.isVisible()
    assert panel.player.playbackState() == Playing
    assert QApplication.focusWidget() is panel.video  # the focus is back

    qtbot.keyClick(panel.video, Key.Key_Question)
    assert overlay.isVisible()
    window.resize(700, 560)
    qtbot.waitUntil(lambda: overlay.geometry() == window.rect())
    qtbot.keyClick(overlay, Key.Key_Escape)
    assert not overlay.isVisible()

    extra = [*SHORTCUTS, ("Delete", "Move to trash"), ("Ctrl+F", "Search")]
    same = ShortcutsOverlay.show_over(window, extra)
    assert same is overlay and overlay.isVisible() and overlay.shortcuts() == extra
    qtbot.mouseClick(overlay, Qt.MouseButton.LeftButton)
    assert not overlay.isVisible()
    assert len(window.findChildren(ShortcutsOverlay)) == 1


def test_help_overlay_in_fullscreen(qtbot, rig: Rig, clip: Path) -> None:
    panel = rig.panel
    focus(qtbot, panel.video)
    play(qtbot, panel, clip)
    qtbot.keyClick(panel.video, Key.Key_F)
    full = panel.fullscreen_window()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.video)
    qtbot.keyClick(panel.video, Key.Key_F1)
    overlay = full.findChild(ShortcutsOverlay)
    assert overlay is not None and overlay.isVisible() and overlay.geometry() == full.rect()
    qtbot.keyClick(overlay, Key.Key_Escape)  # closes the overlay only
    assert not overlay.isVisible() and panel.is_fullscreen()
    assert QApplication.focusWidget() is panel.video
    qtbot.keyClick(panel.video, Key.Key_Question)
    assert overlay.isVisible()
    panel.set_fullscreen(False)  # leaving hides it too
    assert not panel.is_fullscreen() and not overlay.isVisible()


def test_mute_loop_and_volume_keys(qtbot, rig: Rig, clip: Path) -> None:
    panel = rig.panel
    focus(qtbot, panel.video)
    play(qtbot, panel, clip)
    qtbot.keyClick(panel.video, Key.Key_M)
    assert panel.audio.isMuted() and panel.mute_button.isChecked()
    qtbot.keyClick(panel.video, Key.Key_M)
    assert not panel.audio.isMuted() and not panel.mute_button.isChecked()

    assert panel.loop_button.isChecked()
    qtbot.keyClick(panel.video, Key.Key_L)
    assert not panel.loop_button.isChecked()
    assert panel.player.loops() == QMediaPlayer.Loops.Once
    qtbot.keyClick(panel.video, Key.Key_L)
    assert panel.loop_button.isChecked()
    assert panel.player.loops() == QMediaPlayer.Loops.Infinite

    panel.set_volume(0.8)
    qtbot.keyClick(panel.video, Key.Key_Up)
    assert panel.volume.value() == 85
    assert panel.audio.volume() == pytest.approx(0.85, abs=0.01)
    qtbot.keyClick(panel.video, Key.Key_Down)
    qtbot.keyClick(panel.video, Key.Key_Down)
    assert panel.volume.value() == 75
    for _ in range(30):
        qtbot.keyClick(panel.video, Key.Key_Up)
    assert panel.volume.value() == 100


def test_a_focused_button_keeps_space(qtbot, rig: Rig, clip: Path) -> None:
    panel = rig.panel
    play(qtbot, panel, clip)
    focus(qtbot, panel.mute_button)  # as Tab would
    qtbot.keyClick(panel.mute_button, Key.Key_Space)
    assert panel.audio.isMuted()
    assert panel.player.playbackState() == Playing
    qtbot.keyClick(panel.mute_button, Key.Key_L)  # other keys still reach the player
    assert not panel.loop_button.isChecked()


def test_text_fields_keep_their_keys(qtbot, rig: Rig, clip: Path) -> None:
    panel = rig.panel
    play(qtbot, panel, clip)
    focus(qtbot, panel.video)
    pause(qtbot, panel)
    qtbot.keyClick(panel.video, Key.Key_Home)
    state = (panel.player.position(), panel.rate(), panel.volume.value())

    focus(qtbot, rig.line)
    qtbot.keyClicks(rig.line, "ab")
    qtbot.keyClick(rig.line, Key.Key_Left)
    qtbot.keyClicks(rig.line, "X")
    qtbot.keyClick(rig.line, Key.Key_Space)
    qtbot.keyClicks(rig.line, "[]fml.,?")
    qtbot.keyClick(rig.line, Key.Key_Home)
    qtbot.keyClicks(rig.line, "<")
    qtbot.keyClick(rig.line, Key.Key_End)
    qtbot.keyClick(rig.line, Key.Key_Right)
    qtbot.keyClicks(rig.line, ">")
    assert rig.line.text() == "<aX []fml.,?b>"

    focus(qtbot, rig.notes)
    qtbot.keyClicks(rig.notes, "one")
    qtbot.keyClick(rig.notes, Key.Key_Return)
    qtbot.keyClicks(rig.notes, "two")
    qtbot.keyClick(rig.notes, Key.Key_Up)
    qtbot.keyClick(rig.notes, Key.Key_Space)
    qtbot.keyClick(rig.notes, Key.Key_Down)
    qtbot.keyClick(rig.notes, Key.Key_F1)
    assert rig.notes.toPlainText() == "one \ntwo"

    assert (panel.player.position(), panel.rate(), panel.volume.value()) == state
    assert panel.player.playbackState() == Paused
    assert not panel.audio.isMuted() and panel.loop_button.isChecked()
    assert not panel.is_fullscreen()
    overlay = rig.window.findChild(ShortcutsOverlay)
    assert overlay is None or not overlay.isVisible()


def test_controls_fit_a_narrow_panel(qtbot, rig: Rig, clip: Path) -> None:
    panel = rig.panel
    play(qtbot, panel, clip)
    rig.window.resize(600, 420)
    qtbot.waitUntil(lambda: rig.window.width() == 600)
    for child in panel.controls.findChildren(QWidget):
        if child.parentWidget() is panel.controls:
            rect = child.geometry()
            assert panel.controls.rect().contains(rect), child.objectName()
            assert rect.width() >= child.minimumSizeHint().width(), child.objectName()
    names = {
        "frameBackButton",
        "playButton",
        "frameForwardButton",
        "speedCombo",
        "loopButton",
        "muteButton",
        "fullscreenButton",
        "positionSlider",
        "volumeSlider",
    }
    assert names <= {w.objectName() for w in panel.controls.findChildren(QWidget)}
    assert panel.controls.minimumSizeHint().width() <= 500
    assert panel.position.width() >= 100  # the seek slider stays usable


def test_shortcut_list_format() -> None:
    assert all(isinstance(k, str) and isinstance(t, str) and k and t for k, t in SHORTCUTS)
    keys = " ".join(k for k, _ in SHORTCUTS)
    for needed in ("Space", "Left", "Right", ",", ".", "Home", "End", "Up", "Down", "[", "]"):
        assert needed in keys
    for needed in ("F", "Esc", "L", "M", "F1", "?"):
        assert needed in keys


def test_nothing_loaded_ignores_the_keys(qtbot, rig: Rig) -> None:
    panel = rig.panel
    focus(qtbot, panel.video)
    for key in (Key.Key_Space, Key.Key_Period, Key.Key_Right, Key.Key_End):
        qtbot.keyClick(panel.video, key)
    assert panel.player.playbackState() == Stopped
    assert panel.player.position() == 0
    assert shiboken6.isValid(panel.player)
