"""The player: a QMediaPlayer whose frames reach a QVideoSink and are painted by our widget.

Besides play/pause, seeking, time, loop and volume/mute, the panel steps frame by frame, changes
the playback speed, goes full screen (the video and its controls move into a top-level window
and come back to the panel's layout as they were), and answers the keys listed in `SHORTCUTS`.
`ShortcutsOverlay` shows such a list over a window.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QMetaObject, QObject, QRectF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QIcon,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QShortcut,
)
from PySide6.QtMultimedia import (
    QAudioOutput,
    QMediaMetaData,
    QMediaPlayer,
    QVideoFrame,
    QVideoSink,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

#: The playback speeds offered, slowest first; `[` and `]` move one step along this list.
SPEEDS: tuple[float, ...] = (0.25, 0.5, 1.0, 1.5, 2.0)
#: Left / Right seek by this much.
SEEK_STEP_MS = 5000
#: Up / Down change the volume by this many percent.
VOLUME_STEP = 5
#: Used when the clip does not tell its frame rate.
DEFAULT_FRAME_RATE = 24.0

#: The player's keys as (key text, what it does), in the order the help overlay lists them.
#: Key text joins alternatives with " / " or " or "; each alternative is drawn as a key cap.
#: The main window may extend this list (or set `PlayerPanel.help_shortcuts`) with its own keys.
SHORTCUTS: list[tuple[str, str]] = [
    ("Space", "Play / pause"),
    ("Left / Right", "Back / forward 5 seconds"),
    (", / .", "Previous / next frame"),
    ("Shift+Left / Shift+Right", "Previous / next frame"),
    ("Home / End", "Go to the start / last frame"),
    ("Up / Down", "Volume up / down"),
    ("[ / ]", "Slower / faster"),
    ("F or F11", "Full screen on / off"),
    ("Esc", "Leave full screen"),
    ("L", "Loop on / off"),
    ("M", "Mute on / off"),
    ("F1 or ?", "Show these shortcuts"),
]


def format_time(ms: int) -> str:
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def format_rate(rate: float) -> str:
    return f"{rate:g}×"


KeySpec = str | Qt.Key | QKeySequence.StandardKey


def key_sequences(*specs: KeySpec) -> list[QKeySequence]:
    """The key sequences for key names, keys and standard keys, without repeats or blanks."""
    out: list[QKeySequence] = []
    for spec in specs:
        if isinstance(spec, QKeySequence.StandardKey):
            found = QKeySequence.keyBindings(spec)
        else:
            found = [QKeySequence(spec)]
        for seq in found:
            if not seq.isEmpty() and seq not in out:
                out.append(seq)
    return out


class VideoView(QWidget):
    """Paints the current frame, letterboxed. Works the same on screen, offscreen and in grabs."""

    doubleClicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoView")
        self.setAccessibleName("Video")
        self.setMinimumSize(QSize(320, 180))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._sink = QVideoSink(self)
        self._sink.videoFrameChanged.connect(self._on_frame)
        self._image = QImage()
        self.placeholder = "No video selected"
        self.frames_shown = 0
        #: The start time (µs into the clip) of the frame shown last; -1 before any.
        self.frame_time_us = -1

    def videoSink(self) -> QVideoSink:
        return self._sink

    def clear(self, placeholder: str | None = None) -> None:
        self._image = QImage()
        self.frame_time_us = -1
        if placeholder is not None:
            self.placeholder = placeholder
        self.update()

    def current_image(self) -> QImage:
        return self._image

    def _on_frame(self, frame: QVideoFrame) -> None:
        if not frame.isValid():
            return
        image = frame.toImage()
        if image.isNull():
            return
        self._image = image
        self.frames_shown += 1
        self.frame_time_us = frame.startTime()
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.doubleClicked.emit()
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self._image.isNull():
            painter.setPen(Qt.GlobalColor.gray)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - size.width()) / 2
        y = (self.height() - size.height()) / 2
        painter.drawImage(QRectF(x, y, size.width(), size.height()), self._image)


def _tinted(icon: QIcon, colour: QColor) -> QIcon:
    """icon's shapes filled with one colour (the style's media icons are dark)."""
    tinted = QIcon()
    for size in icon.availableSizes() or [QSize(16, 16)]:
        image = icon.pixmap(size).toImage()
        ratio = image.devicePixelRatio()
        image.setDevicePixelRatio(1.0)
        image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        painter = QPainter(image)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(image.rect(), colour)
        painter.end()
        image.setDevicePixelRatio(ratio)
        tinted.addPixmap(QPixmap.fromImage(image))
    return tinted


def _dark_palette(base: QPalette) -> QPalette:
    palette = QPalette(base)
    colours = {
        QPalette.ColorRole.Window: QColor(16, 16, 16),
        QPalette.ColorRole.WindowText: QColor(225, 225, 225),
        QPalette.ColorRole.Base: QColor(32, 32, 32),
        QPalette.ColorRole.AlternateBase: QColor(40, 40, 40),
        QPalette.ColorRole.Text: QColor(225, 225, 225),
        QPalette.ColorRole.Button: QColor(45, 45, 45),
        QPalette.ColorRole.ButtonText: QColor(225, 225, 225),
        QPalette.ColorRole.ToolTipBase: QColor(45, 45, 45),
        QPalette.ColorRole.ToolTipText: QColor(225, 225, 225),
        QPalette.ColorRole.PlaceholderText: QColor(150, 150, 150),
    }
    for role, colour in colours.items():
        palette.setColor(role, colour)
    grey = QColor(120, 120, 120)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, grey)
    return palette


class FullscreenWindow(QWidget):
    """The top-level window the video and its controls move into while full screen."""

    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("playerFullscreenWindow")
        self.setWindowTitle("Video")
        self.setAccessibleName("Full screen video")
        self.setPalette(_dark_palette(self.palette()))
        self.setAutoFillBackground(True)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(0)

    def closeEvent(self, event: QCloseEvent) -> None:
        # The window manager's close button (or Alt+F4): the panel takes its widgets back.
        event.accept()
        self.closed.emit()


class PlayerPanel(QWidget):
    """The video with frame step, play/pause, a seek slider, time, speed, loop, volume/mute and
    full screen, all also on keys (`SHORTCUTS`) while the focus is inside the panel or in its
    full-screen window."""

    errorOccurred = Signal(str)
    fullscreenChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.video = VideoView(self)
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.player.setVideoSink(self.video.videoSink())
        self._seeking = False
        self.source_path: Path | None = None
        #: What F1 / ? list; the main window may replace it with a longer list.
        self.help_shortcuts: list[tuple[str, str]] = SHORTCUTS
        self._fullscreen_window: FullscreenWindow | None = None
        self._fullscreen_shortcuts: dict[str, QShortcut] = {}
        self._saved_places: list[tuple[QWidget, int, int]] = []
        self._saved_margins: tuple[int, int, int, int] = (0, 0, 0, 0)
        self._step_target: tuple[int, int] | None = None  # (frame, position) of the last step

        # Shown in the panel in place of the video while it plays full screen.
        self.fullscreen_placeholder = QLabel("Playing full screen — press Esc to come back", self)
        self.fullscreen_placeholder.setObjectName("fullscreenPlaceholder")
        self.fullscreen_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.fullscreen_placeholder.setMinimumSize(self.video.minimumSize())
        self.fullscreen_placeholder.setSizePolicy(
            QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding
        )
        self.fullscreen_placeholder.setWordWrap(True)
        dark = _dark_palette(self.fullscreen_placeholder.palette())
        dark.setColor(QPalette.ColorRole.Window, QColor(0, 0, 0))
        dark.setColor(QPalette.ColorRole.WindowText, QColor(150, 150, 150))
        self.fullscreen_placeholder.setPalette(dark)
        self.fullscreen_placeholder.setAutoFillBackground(True)
        self.fullscreen_placeholder.hide()

        self.controls = QWidget(self)
        self.controls.setObjectName("playerControls")

        self.frame_back_button = self._tool_button(
            "frameBackButton",
            "Previous frame",
            QStyle.StandardPixmap.SP_MediaSeekBackward,
            "Previous frame (, or Shift+Left)",
        )
        self.frame_back_button.clicked.connect(lambda: self.step_frame(-1))

        self.play_button = self._tool_button(
            "playButton", "Play", QStyle.StandardPixmap.SP_MediaPlay, "Play / pause (Space)"
        )
        self.play_button.clicked.connect(self.toggle_play)

        self.frame_forward_button = self._tool_button(
            "frameForwardButton",
            "Next frame",
            QStyle.StandardPixmap.SP_MediaSeekForward,
            "Next frame (. or Shift+Right)",
        )
        self.frame_forward_button.clicked.connect(lambda: self.step_frame(1))

        self.position = QSlider(Qt.Orientation.Horizontal, self.controls)
        self.position.setObjectName("positionSlider")
        self.position.setAccessibleName("Position")
        self.position.setToolTip("Position (Left / Right: 5 seconds, Home / End)")
        self.position.setRange(0, 0)
        self.position.setMinimumWidth(60)
        self.position.sliderPressed.connect(self._seek_start)
        self.position.sliderReleased.connect(self._seek_end)
        self.position.sliderMoved.connect(self._seek_move)
        self.position.actionTriggered.connect(self._slider_action)

        self.time_label = QLabel("0:00 / 0:00", self.controls)
        self.time_label.setObjectName("timeLabel")
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.time_label.setMinimumWidth(
            self.time_label.fontMetrics().horizontalAdvance("00:00 / 00:00")
        )

        self.speed_combo = QComboBox(self.controls)
        self.speed_combo.setObjectName("speedCombo")
        self.speed_combo.setAccessibleName("Playback speed")
        self.speed_combo.setToolTip("Playback speed ([ slower, ] faster)")
        for speed in SPEEDS:
            self.speed_combo.addItem(format_rate(speed), speed)
        self.speed_combo.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # A click picks a speed without taking the focus, so Space still plays and pauses.
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.speed_combo.currentIndexChanged.connect(self._apply_rate_index)

        self.loop_button = QToolButton(self.controls)
        self.loop_button.setObjectName("loopButton")
        self.loop_button.setText("Loop")
        self.loop_button.setAccessibleName("Loop")
        self.loop_button.setCheckable(True)
        self.loop_button.setChecked(True)
        self.loop_button.setToolTip("Play the video over and over (L)")
        self.loop_button.toggled.connect(self._apply_loop)

        self.mute_button = self._tool_button(
            "muteButton", "Mute", QStyle.StandardPixmap.SP_MediaVolume, "Mute (M)"
        )
        self.mute_button.setCheckable(True)
        self.mute_button.toggled.connect(self._apply_mute)

        self.volume = QSlider(Qt.Orientation.Horizontal, self.controls)
        self.volume.setObjectName("volumeSlider")
        self.volume.setAccessibleName("Volume")
        self.volume.setToolTip("Volume (Up / Down)")
        self.volume.setRange(0, 100)
        self.volume.setSingleStep(VOLUME_STEP)
        self.volume.setPageStep(20)
        self.volume.setValue(80)
        self.volume.setMinimumWidth(50)
        self.volume.setMaximumWidth(90)
        self.volume.valueChanged.connect(lambda v: self.audio.setVolume(v / 100))
        self.audio.setVolume(0.8)

        self.fullscreen_button = self._tool_button(
            "fullscreenButton",
            "Full screen",
            QStyle.StandardPixmap.SP_TitleBarMaxButton,
            "Full screen (F)",
        )
        self.fullscreen_button.clicked.connect(self.toggle_fullscreen)

        controls = self._controls_layout = QHBoxLayout(self.controls)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.setSpacing(4)
        controls.addWidget(self.frame_back_button)
        controls.addWidget(self.play_button)
        controls.addWidget(self.frame_forward_button)
        controls.addWidget(self.position, 1)
        controls.addWidget(self.time_label)
        controls.addWidget(self.speed_combo)
        controls.addWidget(self.loop_button)
        controls.addWidget(self.mute_button)
        controls.addWidget(self.volume)
        controls.addWidget(self.fullscreen_button)

        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.fullscreen_placeholder, 1)
        self._layout.addWidget(self.video, 1)
        self._layout.addWidget(self.controls)

        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(self._on_duration)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.errorOccurred.connect(self._on_error)
        self._apply_loop(True)
        self._set_enabled(False)

        self.video.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.video.doubleClicked.connect(self.toggle_fullscreen)
        #: The panel's QShortcuts by action name (see `_bindings`), active while the focus is
        #: in the panel; the main window may re-bind or disable one that clashes with its own.
        self.shortcuts = self._install_shortcuts(self)
        # A focused button or the speed list keeps the keys it acts on itself.
        self._own_keys: dict[QWidget, set[int]] = {}
        for button in self.controls.findChildren(QAbstractButton):
            self._own_keys[button] = {Qt.Key.Key_Space.value}
        self._own_keys[self.speed_combo] = {
            Qt.Key.Key_Space.value,
            Qt.Key.Key_Up.value,
            Qt.Key.Key_Down.value,
            Qt.Key.Key_Home.value,
            Qt.Key.Key_End.value,
        }
        for widget in self._own_keys:
            widget.installEventFilter(self)

    def _tool_button(
        self, name: str, accessible: str, icon: QStyle.StandardPixmap, tip: str
    ) -> QToolButton:
        button = QToolButton(self.controls)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        button.setIcon(self.style().standardIcon(icon))
        button.setToolTip(tip)
        return button

    def _icon(self, which: QStyle.StandardPixmap) -> QIcon:
        """The style's icon; light, for the dark controls, while full screen."""
        icon = self.style().standardIcon(which)
        return _tinted(icon, QColor(235, 235, 235)) if self.is_fullscreen() else icon

    def _refresh_icons(self) -> None:
        sp = QStyle.StandardPixmap
        playing = self.is_playing()
        self.play_button.setIcon(self._icon(sp.SP_MediaPause if playing else sp.SP_MediaPlay))
        self.frame_back_button.setIcon(self._icon(sp.SP_MediaSeekBackward))
        self.frame_forward_button.setIcon(self._icon(sp.SP_MediaSeekForward))
        muted = self.mute_button.isChecked()
        self.mute_button.setIcon(self._icon(sp.SP_MediaVolumeMuted if muted else sp.SP_MediaVolume))
        full = self.is_fullscreen()
        self.fullscreen_button.setIcon(
            self._icon(sp.SP_TitleBarNormalButton if full else sp.SP_TitleBarMaxButton)
        )

    # -- keys -------------------------------------------------------------------------------------
    def _bindings(self) -> list[tuple[str, list[QKeySequence], Callable[[], None], bool]]:
        """(action name, keys, slot, repeats while held) for every key of `SHORTCUTS`."""
        k = Qt.Key
        return [
            (
                "play",
                key_sequences(k.Key_Space, k.Key_MediaTogglePlayPause),
                self.toggle_play,
                False,
            ),
            ("back", key_sequences(k.Key_Left), lambda: self.seek_by(-SEEK_STEP_MS), True),
            ("forward", key_sequences(k.Key_Right), lambda: self.seek_by(SEEK_STEP_MS), True),
            ("frame_back", key_sequences(",", "Shift+Left"), lambda: self.step_frame(-1), True),
            ("frame_forward", key_sequences(".", "Shift+Right"), lambda: self.step_frame(1), True),
            ("start", key_sequences(k.Key_Home), self.go_to_start, False),
            ("end", key_sequences(k.Key_End), self.go_to_end, False),
            ("volume_up", key_sequences(k.Key_Up), lambda: self.change_volume(VOLUME_STEP), True),
            (
                "volume_down",
                key_sequences(k.Key_Down),
                lambda: self.change_volume(-VOLUME_STEP),
                True,
            ),
            ("slower", key_sequences(k.Key_BracketLeft), lambda: self.step_rate(-1), True),
            ("faster", key_sequences(k.Key_BracketRight), lambda: self.step_rate(1), True),
            (
                "fullscreen",
                key_sequences(k.Key_F, QKeySequence.StandardKey.FullScreen),
                self.toggle_fullscreen,
                False,
            ),
            ("loop", key_sequences(k.Key_L), self.toggle_loop, False),
            ("mute", key_sequences(k.Key_M), self.mute_button.toggle, False),
            (
                "help",
                key_sequences(QKeySequence.StandardKey.HelpContents, k.Key_F1, "?"),
                self._show_help,
                False,
            ),
        ]

    def _install_shortcuts(self, host: QWidget) -> dict[str, QShortcut]:
        installed: dict[str, QShortcut] = {}
        for name, keys, slot, repeats in self._bindings():
            shortcut = QShortcut(host)
            shortcut.setKeys(keys)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.setAutoRepeat(repeats)
            shortcut.activated.connect(slot)
            installed[name] = shortcut
        return installed

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            keys = self._own_keys.get(watched)  # type: ignore[call-overload]
            plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
            if keys and plain and event.key() in keys:
                event.accept()  # the key goes to the focused control, not to a shortcut
                return True
        return super().eventFilter(watched, event)

    def _show_help(self) -> None:
        self.show_shortcuts()

    def show_shortcuts(self) -> ShortcutsOverlay:
        """Show `help_shortcuts` over the window the video is in (the full-screen one if so)."""
        host = self._fullscreen_window if self.is_fullscreen() else self.window()
        assert host is not None
        return ShortcutsOverlay.show_over(host, self.help_shortcuts)

    # -- loading and playing ----------------------------------------------------------------------
    def _set_enabled(self, enabled: bool) -> None:
        for widget in (
            self.play_button,
            self.position,
            self.loop_button,
            self.frame_back_button,
            self.frame_forward_button,
        ):
            widget.setEnabled(enabled)

    def load(self, path: Path | None, *, autoplay: bool = True, placeholder: str = "") -> None:
        if path is not None and path == self.source_path and path.exists():
            if autoplay and self.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState:
                self.player.play()
            return
        self.source_path = path
        self._step_target = None
        if path is None or not path.exists():
            self.player.setSource(QUrl())
            self.video.clear(placeholder or "No video selected")
            self._set_enabled(False)
            self.time_label.setText("0:00 / 0:00")
            return
        self.video.clear("Loading…")
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self._set_enabled(True)
        if autoplay:
            self.player.play()

    def shut_down(self) -> None:
        """Leave full screen and stop playback without blocking the caller.

        Stopping joins the media threads. Queued, it runs from the event loop in C++, so it
        can never wait on a thread that needs the interpreter lock this caller holds.
        """
        self.set_fullscreen(False)
        QMetaObject.invokeMethod(self.player, "stop", Qt.ConnectionType.QueuedConnection)

    def is_playing(self) -> bool:
        return self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def toggle_play(self) -> None:
        if self.source_path is None:
            return
        if self.is_playing():
            self.player.pause()
        else:
            self.player.play()

    def set_volume(self, volume: float) -> None:
        self.volume.setValue(round(volume * 100))

    def change_volume(self, percent: int) -> None:
        """Raise (or, negative, lower) the volume by percent, within 0–100."""
        self.volume.setValue(self.volume.value() + percent)

    def toggle_loop(self) -> None:
        if self.loop_button.isEnabled():
            self.loop_button.toggle()

    # -- position ---------------------------------------------------------------------------------
    def frame_rate(self) -> float:
        """The clip's frames per second (its metadata's), or `DEFAULT_FRAME_RATE`."""
        value = self.player.metaData().value(QMediaMetaData.Key.VideoFrameRate)
        try:
            rate = float(value)
        except (TypeError, ValueError):
            return DEFAULT_FRAME_RATE
        return rate if math.isfinite(rate) and rate > 0 else DEFAULT_FRAME_RATE

    def _last_frame(self, fps: float) -> int | None:
        duration = self.player.duration()
        if duration <= 0:
            return None
        return max(0, math.ceil(duration * fps / 1000 - 1e-6) - 1)

    @staticmethod
    def _frame_position(frame: int, fps: float) -> int:
        """The middle of a frame (ms): whichever way a backend rounds, it shows that frame."""
        return max(0, round((frame + 0.5) * 1000 / fps))

    def current_frame(self) -> int:
        """The number (from 0) of the frame on show, or else of the one at the position."""
        fps = self.frame_rate()
        position = self.player.position()
        if self._step_target is not None and self._step_target[1] == position:
            return self._step_target[0]  # asked for, maybe not painted yet
        if self.video.frame_time_us >= 0 and not self.video.current_image().isNull():
            return round(self.video.frame_time_us * fps / 1_000_000)
        return math.floor(position * fps / 1000 + 1e-6)

    def seek(self, position: int) -> None:
        """Go to position (ms), kept within [0, duration]; the slider and time follow at once."""
        duration = self.player.duration()
        position = max(0, position if duration <= 0 else min(position, duration))
        self.player.setPosition(position)
        if not self._seeking:
            self.position.setValue(position)
        self._show_time(position)

    def seek_by(self, delta: int) -> None:
        """Move delta ms (negative: back), from the start to the last frame at most."""
        if self.source_path is None:
            return
        fps = self.frame_rate()
        target = self.player.position() + delta
        last = self._last_frame(fps)
        if last is not None:
            target = min(target, self._frame_position(last, fps))
        self.seek(target)

    def step_frame(self, n: int) -> None:
        """Pause and move n frames (negative: back) from the frame on show, within the clip."""
        if self.source_path is None:
            return
        if self.is_playing():
            self.player.pause()
        fps = self.frame_rate()
        current = self.current_frame()
        frame = max(0, current + n)
        last = self._last_frame(fps)
        if last is not None:
            frame = min(frame, last)
        if frame == current and n:
            return  # already at the first or last frame
        position = self._frame_position(frame, fps)
        self.seek(position)
        self._step_target = (frame, self.player.position())

    def go_to_start(self) -> None:
        if self.source_path is not None:
            self.seek(0)

    def go_to_end(self) -> None:
        """Pause on the last frame."""
        if self.source_path is None:
            return
        if self.is_playing():
            self.player.pause()
        fps = self.frame_rate()
        last = self._last_frame(fps)
        if last is not None:
            self.seek(self._frame_position(last, fps))

    # -- speed ------------------------------------------------------------------------------------
    def rate(self) -> float:
        return float(self.player.playbackRate())

    def set_rate(self, rate: float) -> None:
        """Play at the speed in `SPEEDS` nearest to rate."""
        index = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - rate))
        self.speed_combo.setCurrentIndex(index)
        self._apply_rate_index(index)

    def step_rate(self, steps: int) -> None:
        """Move steps along `SPEEDS` (negative: slower), stopping at either end."""
        index = self.speed_combo.currentIndex() + steps
        self.set_rate(SPEEDS[max(0, min(len(SPEEDS) - 1, index))])

    def _apply_rate_index(self, index: int) -> None:
        if 0 <= index < len(SPEEDS) and self.player.playbackRate() != SPEEDS[index]:
            self.player.setPlaybackRate(SPEEDS[index])

    # -- full screen ------------------------------------------------------------------------------
    def is_fullscreen(self) -> bool:
        return bool(self._saved_places)

    def toggle_fullscreen(self) -> None:
        self.set_fullscreen(not self.is_fullscreen())

    def set_fullscreen(self, on: bool) -> None:
        """Move the video and its controls into a full-screen window, or back where they were."""
        if on == self.is_fullscreen():
            return
        if on:
            self._enter_fullscreen()
        else:
            self._leave_fullscreen()
        self._refresh_icons()
        self.fullscreen_button.setAccessibleName("Leave full screen" if on else "Full screen")
        self.fullscreen_button.setToolTip(
            "Leave full screen (Esc or F)" if on else "Full screen (F)"
        )
        self.fullscreenChanged.emit(on)

    def fullscreen_window(self) -> QWidget | None:
        """The window the video is in while full screen (None before the first time)."""
        return self._fullscreen_window

    def _make_fullscreen_window(self) -> FullscreenWindow:
        window = FullscreenWindow(self)
        window.closed.connect(lambda: self.set_fullscreen(False))
        self._fullscreen_shortcuts = self._install_shortcuts(window)
        leave = QShortcut(window)
        leave.setKeys(key_sequences(QKeySequence.StandardKey.Cancel, Qt.Key.Key_Escape))
        leave.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        leave.setAutoRepeat(False)
        leave.activated.connect(lambda: self.set_fullscreen(False))
        self._fullscreen_shortcuts["leave_fullscreen"] = leave
        return window

    def _enter_fullscreen(self) -> None:
        if self._fullscreen_window is None:
            self._fullscreen_window = self._make_fullscreen_window()
        window = self._fullscreen_window
        screen = self.screen()
        if screen is not None:
            window.setGeometry(screen.geometry())
        for widget in (self.video, self.controls):
            index = self._layout.indexOf(widget)
            self._saved_places.append((widget, index, self._layout.stretch(index)))
        for widget, _, _ in self._saved_places:
            self._layout.removeWidget(widget)
        margins = self._controls_layout.contentsMargins()
        self._saved_margins = (margins.left(), margins.top(), margins.right(), margins.bottom())
        self._controls_layout.setContentsMargins(10, 6, 10, 8)
        window.box.addWidget(self.video, 1)
        window.box.addWidget(self.controls)
        self.fullscreen_placeholder.show()
        window.showFullScreen()
        if QGuiApplication.platformName() not in ("offscreen", "minimal"):
            window.raise_()  # the offscreen platform cannot raise and warns about it
        self.video.show()
        self.controls.show()
        window.activateWindow()
        self.video.setFocus(Qt.FocusReason.OtherFocusReason)

    def _leave_fullscreen(self) -> None:
        places, self._saved_places = self._saved_places, []
        window = self._fullscreen_window
        had_focus = window is not None and window.isActiveWindow()
        for widget, _, _ in places:
            if window is not None:
                window.box.removeWidget(widget)
        self._controls_layout.setContentsMargins(*self._saved_margins)
        self.fullscreen_placeholder.hide()
        for widget, index, stretch in sorted(places, key=lambda place: place[1]):
            self._layout.insertWidget(index, widget, stretch)
            widget.show()
        self._layout.activate()
        if window is not None:
            overlay = window.findChild(ShortcutsOverlay, "shortcutsOverlay")
            if overlay is not None:
                overlay.hide()  # not to greet the next full screen
            window.hide()
        if had_focus and self.isVisible():
            self.window().activateWindow()
            self.video.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- player signals ---------------------------------------------------------------------------
    def _apply_loop(self, on: bool) -> None:
        self.player.setLoops(QMediaPlayer.Loops.Infinite if on else QMediaPlayer.Loops.Once)

    def _apply_mute(self, muted: bool) -> None:
        self.audio.setMuted(muted)
        self._refresh_icons()

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self._refresh_icons()
        self.play_button.setAccessibleName("Pause" if playing else "Play")

    def _show_time(self, position: int) -> None:
        self.time_label.setText(f"{format_time(position)} / {format_time(self.player.duration())}")

    def _on_position(self, position: int) -> None:
        if not self._seeking:
            self.position.setValue(position)
        self._show_time(position)

    def _on_duration(self, duration: int) -> None:
        self.position.setRange(0, max(0, duration))
        self.position.setPageStep(max(1000, duration // 10))
        self._show_time(self.player.position())

    def _seek_start(self) -> None:
        self._seeking = True

    def _seek_move(self, value: int) -> None:
        self._show_time(value)

    def _seek_end(self) -> None:
        self._seeking = False
        self.player.setPosition(self.position.value())

    def _slider_action(self, action: int) -> None:
        if not self._seeking and action != QSlider.SliderAction.SliderMove.value:
            self.player.setPosition(self.position.sliderPosition())

    def _on_error(self, error: QMediaPlayer.Error, text: str) -> None:
        if error != QMediaPlayer.Error.NoError:
            self.video.clear(f"Cannot play this video: {text}")
            self.errorOccurred.emit(text or "The video cannot be played.")


# -- the keyboard shortcuts overlay ---------------------------------------------------------------
_KEY_SPLIT = re.compile(r"\s+(/|or)\s+")
# Drawn on the key caps in place of the arrow keys' names (the accessible text keeps the names).
_ARROWS = re.compile(r"\b(Left|Right|Up|Down)\b")
_ARROW_GLYPHS = {"Left": "←", "Right": "→", "Up": "↑", "Down": "↓"}


class ShortcutsOverlay(QWidget):
    """A translucent dark panel over its parent widget that lists keyboard shortcuts.

    Use `ShortcutsOverlay.show_over(window, shortcuts)`: it covers window (following its
    resizes), takes the keyboard focus and lists shortcuts, (key text, what it does) pairs as in
    `SHORTCUTS`, in two columns when they fit. Any key or click hides it and gives the focus
    back. One overlay per parent is made and then reused.
    """

    def __init__(self, parent: QWidget, shortcuts: Sequence[tuple[str, str]] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsOverlay")
        self.setAccessibleName("Keyboard shortcuts")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.title = "Keyboard shortcuts"
        self.hint = "Press Esc or click to close"
        self._shortcuts: list[tuple[str, str]] = []
        self._return_focus: QWidget | None = None
        self.set_shortcuts(SHORTCUTS if shortcuts is None else shortcuts)
        self.setGeometry(parent.rect())
        parent.installEventFilter(self)
        self.hide()

    @classmethod
    def show_over(
        cls, parent: QWidget, shortcuts: Sequence[tuple[str, str]] | None = None
    ) -> ShortcutsOverlay:
        """Show the overlay (parent's own, made on first use) over parent, listing shortcuts
        (default `SHORTCUTS`), and return it."""
        overlay = parent.findChild(
            cls, "shortcutsOverlay", Qt.FindChildOption.FindDirectChildrenOnly
        )
        if not isinstance(overlay, cls):
            overlay = cls(parent)
        if shortcuts is not None:
            overlay.set_shortcuts(shortcuts)
        overlay.open()
        return overlay

    def shortcuts(self) -> list[tuple[str, str]]:
        return list(self._shortcuts)

    def set_shortcuts(self, shortcuts: Sequence[tuple[str, str]]) -> None:
        self._shortcuts = [(str(key), str(text)) for key, text in shortcuts]
        self.setAccessibleDescription("\n".join(f"{key}: {text}" for key, text in self._shortcuts))
        self.update()

    def open(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        focus = QApplication.focusWidget()
        if focus is not None and focus is not self:
            self._return_focus = focus
        self.raise_()
        self.show()
        self.setFocus(Qt.FocusReason.PopupFocusReason)

    def dismiss(self) -> None:
        """Hide, giving the focus back to where it was."""
        if not self.isVisible():
            return
        self.hide()
        back, self._return_focus = self._return_focus, None
        if back is not None and shiboken6.isValid(back) and back.isVisible():
            back.setFocus(Qt.FocusReason.PopupFocusReason)

    # -- events -----------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        parent = self.parentWidget()
        if parent is not None and watched is parent and event.type() == QEvent.Type.Resize:
            self.setGeometry(parent.rect())
        return super().eventFilter(watched, event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # every key is the overlay's while it shows: none reaches a shortcut
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        event.accept()
        modifiers_only = event.key() in (
            Qt.Key.Key_Shift,
            Qt.Key.Key_Control,
            Qt.Key.Key_Alt,
            Qt.Key.Key_Meta,
            Qt.Key.Key_AltGr,
            Qt.Key.Key_CapsLock,
        )
        if not event.isAutoRepeat() and not modifiers_only:
            self.dismiss()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()
        self.dismiss()

    # -- painting ---------------------------------------------------------------------------------
    def _plan(self) -> _Plan:
        """The largest font scale, and then the column count, whose panel fits the rect."""
        available = self.rect().adjusted(16, 16, -16, -16).size()
        smallest: _Plan | None = None
        for step in range(9):
            scale = 1.0 - step * 0.05
            for columns in (2, 1) if len(self._shortcuts) > 6 else (1,):
                plan = _Plan(self, scale, columns)
                if plan.width <= available.width() and plan.height <= available.height():
                    return plan
                if smallest is None or plan.width * plan.height < smallest.width * smallest.height:
                    smallest = plan
        assert smallest is not None
        return smallest

    @staticmethod
    def _key_parts(keys: str) -> list[tuple[str, bool]]:
        """(text, is a key cap) parts of a key text: alternatives are caps, '/' and 'or' not."""
        parts = _KEY_SPLIT.split(keys.strip())
        return [
            (_ARROWS.sub(lambda m: _ARROW_GLYPHS[m.group(1)], part) if cap else part, cap)
            for part, cap in ((part, i % 2 == 0) for i, part in enumerate(parts))
            if part
        ]

    def _keys_width(self, keys: str, plan: _Plan) -> float:
        width = 0.0
        for part, cap in self._key_parts(keys):
            if cap:
                width += plan.key_metrics.horizontalAdvance(part) + 2 * plan.pad
            else:
                width += plan.text_metrics.horizontalAdvance(part)
            width += plan.pad * 0.75
        return max(0.0, width - plan.pad * 0.75)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 150))
        plan = self._plan()
        panel = QRectF(
            round((self.width() - plan.width) / 2),
            round((self.height() - plan.height) / 2),
            plan.width,
            plan.height,
        )
        path = QPainterPath()
        path.addRoundedRect(panel.adjusted(0.5, 0.5, -0.5, -0.5), 14 * plan.scale, 14 * plan.scale)
        painter.fillPath(path, QColor(28, 28, 32, 240))
        painter.setPen(QPen(QColor(255, 255, 255, 50), 1))
        painter.drawPath(path)

        inner = panel.adjusted(plan.margin, plan.margin, -plan.margin, -plan.margin)
        y = inner.top()
        painter.setFont(plan.title_font)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(
            QRectF(inner.left(), y, inner.width(), plan.title_h),
            Qt.AlignmentFlag.AlignCenter,
            self.title,
        )
        y += plan.title_h + plan.title_gap

        x = inner.left() + (inner.width() - plan.body_width) / 2
        for column, entries in enumerate(plan.columns):
            key_w, text_w = plan.widths[column]
            for row, (keys, text) in enumerate(entries):
                top = y + row * plan.row_h
                self._draw_keys(painter, keys, x + key_w, top, plan)
                painter.setFont(plan.text_font)
                painter.setPen(QColor(232, 232, 232))
                painter.drawText(
                    QRectF(x + key_w + plan.gap, top, text_w + 2, plan.row_h),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    text,
                )
            x += key_w + plan.gap + text_w + plan.column_gap
        y += plan.rows * plan.row_h + plan.hint_gap
        painter.setFont(plan.hint_font)
        painter.setPen(QColor(165, 165, 175))
        painter.drawText(
            QRectF(inner.left(), y, inner.width(), plan.hint_h),
            Qt.AlignmentFlag.AlignCenter,
            self.hint,
        )

    def _draw_keys(
        self, painter: QPainter, keys: str, right: float, top: float, plan: _Plan
    ) -> None:
        """Draw the key caps of keys right-aligned at right, centred in the row at top."""
        x = right - self._keys_width(keys, plan)
        cap_top = top + (plan.row_h - plan.cap_h) / 2
        radius = 5 * plan.scale
        for part, cap in self._key_parts(keys):
            if cap:
                width = plan.key_metrics.horizontalAdvance(part) + 2 * plan.pad
                rect = QRectF(x, cap_top, width, plan.cap_h)
                cap_path = QPainterPath()
                cap_path.addRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
                painter.fillPath(cap_path, QColor(255, 255, 255, 32))
                painter.setPen(QPen(QColor(255, 255, 255, 100), 1))
                painter.drawPath(cap_path)
                painter.setFont(plan.key_font)
                painter.setPen(QColor(255, 255, 255))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, part)
            else:
                width = plan.text_metrics.horizontalAdvance(part)
                painter.setFont(plan.text_font)
                painter.setPen(QColor(150, 150, 160))
                painter.drawText(
                    QRectF(x, top, width + 1, plan.row_h), Qt.AlignmentFlag.AlignCenter, part
                )
            x += width + plan.pad * 0.75


class _Plan:
    """Fonts, sizes and columns of a ShortcutsOverlay's panel at one font scale."""

    def __init__(self, overlay: ShortcutsOverlay, scale: float, columns: int) -> None:
        self.scale = scale
        base = QFont(overlay.font())
        size = base.pointSizeF() if base.pointSizeF() > 0 else 10.0
        self.title_font = QFont(base)
        self.title_font.setPointSizeF(size * 1.5 * scale)
        self.title_font.setBold(True)
        self.key_font = QFont(base)
        self.key_font.setPointSizeF(size * 1.0 * scale)
        self.key_font.setBold(True)
        self.text_font = QFont(base)
        self.text_font.setPointSizeF(size * 1.1 * scale)
        self.hint_font = QFont(base)
        self.hint_font.setPointSizeF(size * 0.95 * scale)
        self.key_metrics = QFontMetricsF(self.key_font)
        self.text_metrics = QFontMetricsF(self.text_font)
        title_metrics = QFontMetricsF(self.title_font)
        hint_metrics = QFontMetricsF(self.hint_font)

        self.pad = 7 * scale
        self.margin = 24 * scale
        self.gap = 14 * scale
        self.column_gap = 36 * scale
        self.title_gap = 14 * scale
        self.hint_gap = 12 * scale
        self.cap_h = self.key_metrics.height() + self.pad * 0.6
        self.row_h = max(self.cap_h, self.text_metrics.height()) + 7 * scale
        self.title_h = title_metrics.height()
        self.hint_h = hint_metrics.height()

        entries = overlay.shortcuts()
        self.rows = max(1, math.ceil(len(entries) / columns))
        self.columns = [entries[i : i + self.rows] for i in range(0, len(entries), self.rows)]
        self.widths = [
            (
                max(overlay._keys_width(keys, self) for keys, _ in column),
                max(self.text_metrics.horizontalAdvance(text) for _, text in column),
            )
            for column in self.columns
        ]
        self.body_width = sum(k + self.gap + t for k, t in self.widths) + self.column_gap * max(
            0, len(self.columns) - 1
        )
        inner_width = max(
            self.body_width,
            title_metrics.horizontalAdvance(overlay.title),
            hint_metrics.horizontalAdvance(overlay.hint),
        )
        self.width = math.ceil(inner_width + 2 * self.margin)
        self.height = math.ceil(
            2 * self.margin
            + self.title_h
            + self.title_gap
            + (self.rows if entries else 0) * self.row_h
            + self.hint_gap
            + self.hint_h
        )


__all__ = [
    "DEFAULT_FRAME_RATE",
    "SHORTCUTS",
    "SPEEDS",
    "FullscreenWindow",
    "PlayerPanel",
    "ShortcutsOverlay",
    "VideoView",
    "format_time",
]
