"""The player: a QMediaPlayer whose frames reach a QVideoSink and are painted by our widget."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMetaObject, QRectF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QImage, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


def format_time(ms: int) -> str:
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


class VideoView(QWidget):
    """Paints the current frame, letterboxed. Works the same on screen, offscreen and in grabs."""

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

    def videoSink(self) -> QVideoSink:
        return self._sink

    def clear(self, placeholder: str | None = None) -> None:
        self._image = QImage()
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
        self.update()

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


class PlayerPanel(QWidget):
    """The video with play/pause, a seek slider, time, loop and volume/mute."""

    errorOccurred = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.video = VideoView(self)
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.player.setVideoSink(self.video.videoSink())
        self._seeking = False
        self.source_path: Path | None = None

        style = self.style()
        self.play_button = QToolButton(self)
        self.play_button.setObjectName("playButton")
        self.play_button.setAccessibleName("Play")
        self.play_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)

        self.position = QSlider(Qt.Orientation.Horizontal, self)
        self.position.setObjectName("positionSlider")
        self.position.setAccessibleName("Position")
        self.position.setRange(0, 0)
        self.position.sliderPressed.connect(self._seek_start)
        self.position.sliderReleased.connect(self._seek_end)
        self.position.sliderMoved.connect(self._seek_move)
        self.position.actionTriggered.connect(self._slider_action)

        self.time_label = QLabel("0:00 / 0:00", self)
        self.time_label.setObjectName("timeLabel")
        self.time_label.setMinimumWidth(
            self.time_label.fontMetrics().horizontalAdvance("00:00 / 00:00")
        )

        self.loop_button = QToolButton(self)
        self.loop_button.setObjectName("loopButton")
        self.loop_button.setText("Loop")
        self.loop_button.setAccessibleName("Loop")
        self.loop_button.setCheckable(True)
        self.loop_button.setChecked(True)
        self.loop_button.setToolTip("Play the video over and over")
        self.loop_button.toggled.connect(self._apply_loop)

        self.mute_button = QToolButton(self)
        self.mute_button.setObjectName("muteButton")
        self.mute_button.setAccessibleName("Mute")
        self.mute_button.setCheckable(True)
        self.mute_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaVolume))
        self.mute_button.setToolTip("Mute (M)")
        self.mute_button.toggled.connect(self._apply_mute)

        self.volume = QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setObjectName("volumeSlider")
        self.volume.setAccessibleName("Volume")
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setMaximumWidth(100)
        self.volume.valueChanged.connect(lambda v: self.audio.setVolume(v / 100))
        self.audio.setVolume(0.8)

        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.play_button)
        controls.addWidget(self.position, 1)
        controls.addWidget(self.time_label)
        controls.addWidget(self.loop_button)
        controls.addWidget(self.mute_button)
        controls.addWidget(self.volume)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.video, 1)
        layout.addLayout(controls)

        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(self._on_duration)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.errorOccurred.connect(self._on_error)
        self._apply_loop(True)
        self._set_enabled(False)

        space = QShortcut(QKeySequence(Qt.Key.Key_Space), self.video)
        space.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        space.activated.connect(self.toggle_play)
        self.video.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.play_button, self.position, self.loop_button):
            widget.setEnabled(enabled)

    def load(self, path: Path | None, *, autoplay: bool = True, placeholder: str = "") -> None:
        if path is not None and path == self.source_path and path.exists():
            if autoplay and self.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState:
                self.player.play()
            return
        self.source_path = path
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
        """Stop playback without blocking the caller.

        Stopping joins the media threads. Queued, it runs from the event loop in C++, so it
        can never wait on a thread that needs the interpreter lock this caller holds.
        """
        QMetaObject.invokeMethod(self.player, "stop", Qt.ConnectionType.QueuedConnection)

    def toggle_play(self) -> None:
        if self.source_path is None:
            return
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def set_volume(self, volume: float) -> None:
        self.volume.setValue(round(volume * 100))

    def _apply_loop(self, on: bool) -> None:
        self.player.setLoops(QMediaPlayer.Loops.Infinite if on else QMediaPlayer.Loops.Once)

    def _apply_mute(self, muted: bool) -> None:
        self.audio.setMuted(muted)
        icon = (
            QStyle.StandardPixmap.SP_MediaVolumeMuted
            if muted
            else QStyle.StandardPixmap.SP_MediaVolume
        )
        self.mute_button.setIcon(self.style().standardIcon(icon))

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        icon = (
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setAccessibleName("Pause" if playing else "Play")

    def _on_position(self, position: int) -> None:
        if not self._seeking:
            self.position.setValue(position)
        self.time_label.setText(f"{format_time(position)} / {format_time(self.player.duration())}")

    def _on_duration(self, duration: int) -> None:
        self.position.setRange(0, max(0, duration))
        self.position.setPageStep(max(1000, duration // 10))
        self.time_label.setText(f"{format_time(self.player.position())} / {format_time(duration)}")

    def _seek_start(self) -> None:
        self._seeking = True

    def _seek_move(self, value: int) -> None:
        self.time_label.setText(f"{format_time(value)} / {format_time(self.player.duration())}")

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
