"""Pictures for image-to-video in the window: what a drop or paste offers, and the drop zone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..core.errors import InvalidInput
from ..core.images import check_picture_header, is_web_url
from .style import ERROR_COLOUR

PREVIEW = QSize(112, 84)


@dataclass(frozen=True)
class Offer:
    """What a drop or a paste offers: a local file, a web address, or raw image data."""

    path: Path | None = None
    url: str | None = None
    image: QImage | None = None
    refusal: str | None = None

    @property
    def usable(self) -> bool:
        return self.refusal is None


def _refuse(message: str) -> Offer:
    return Offer(refusal=message)


def read_offer(mime: QMimeData) -> Offer:
    """Decide, by content, whether the data can become the picture to animate."""
    urls = [u for u in mime.urls() if not u.isEmpty()] if mime.hasUrls() else []
    if len(urls) > 1:
        return _refuse(f"Drop one picture at a time, not {len(urls)} items.")
    if urls:
        return _offer_from_url(urls[0])
    if mime.hasImage():
        image = QImage(mime.imageData())
        if image.isNull():
            return _refuse("The dropped data is not a picture.")
        return Offer(image=image)
    if mime.hasText():
        text = mime.text().strip()
        if is_web_url(text) and "\n" not in text and " " not in text:
            return Offer(url=text)
        return _refuse("Drop a picture file or a picture's web address (http or https).")
    return _refuse("Only pictures (PNG, JPEG, WebP or GIF) can be animated.")


def _offer_from_url(url: QUrl) -> Offer:
    if url.isLocalFile():
        path = Path(url.toLocalFile())
        if path.is_dir():
            return _refuse(f"{path.name} is a folder; drop one picture.")
        try:
            check_picture_header(path)
        except InvalidInput as exc:
            return _refuse(exc.message)
        return Offer(path=path)
    text = url.toString()
    if is_web_url(text):
        return Offer(url=text)
    return _refuse(f"{url.scheme() or 'That'} addresses cannot be used; use http(s) or a file.")


def preview_pixmap(source: str, size: QSize = PREVIEW) -> QPixmap:
    """A small preview of a local picture, decoded at the size shown (never the whole bomb)."""
    if is_web_url(source):
        return QPixmap()
    reader = QImageReader(source)
    reader.setAutoTransform(True)  # EXIF orientation, as the service will see it
    original = reader.size()
    if original.isValid():
        reader.setScaledSize(original.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return QPixmap.fromImage(image) if not image.isNull() else QPixmap()


class ImageDropZone(QFrame):
    """Shows where pictures go, the loaded picture with a way to remove it, and drag feedback."""

    chooseRequested = Signal()
    removeRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageDropZone")
        self.setAccessibleName("Picture to animate")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setProperty("state", "empty")
        self.setStyleSheet(
            "#imageDropZone { border: 1px dashed palette(mid); border-radius: 6px; }"
            '#imageDropZone[state="hover"] { border: 2px solid palette(highlight);'
            " background: palette(alternate-base); }"
            f'#imageDropZone[state="refuse"] {{ border: 2px solid {ERROR_COLOUR}; }}'
        )
        self.source: str | None = None

        self.preview = QLabel(self)
        self.preview.setObjectName("picturePreview")
        self.preview.setFixedSize(PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel(self)
        self.title.setObjectName("pictureTitle")
        self.title.setWordWrap(True)
        self.hint = QLabel(self)
        self.hint.setObjectName("pictureHint")
        self.hint.setWordWrap(True)
        self.choose_button = QPushButton("Choose picture…", self)
        self.choose_button.setObjectName("choosePictureButton")
        self.choose_button.clicked.connect(self.chooseRequested)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setObjectName("removePictureButton")
        self.remove_button.setAccessibleName("Remove the picture")
        self.remove_button.clicked.connect(self.removeRequested)

        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.hint)
        text.addStretch(1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.preview)
        layout.addLayout(text, 1)
        layout.addLayout(buttons)
        self.show_picture(None)

    def _set_state(self, state: str) -> None:
        self.setProperty("state", state)
        self.style().unpolish(self)
        self.style().polish(self)

    def show_picture(self, source: str | None, label: str | None = None) -> None:
        self.source = source
        self._set_state("empty")
        if source is None:
            self.preview.clear()
            self.preview.setText("🖼")
            self.preview.hide()
            self.title.setText("Text to video")
            self.hint.setText(
                "To animate a picture, drop it anywhere on the window, paste it (Ctrl+V) or "
                "choose one."
            )
            self.remove_button.hide()
            return
        pixmap = preview_pixmap(source)
        self.preview.show()
        if pixmap.isNull():
            self.preview.setText("Web picture")
        else:
            self.preview.setPixmap(pixmap)
        self.title.setText("Image to video: " + (label or Path(source).name))
        self.hint.setText("The prompt is optional: describe the motion, or leave it empty.")
        self.remove_button.show()

    def show_hover(self, offer: Offer) -> None:
        if offer.usable:
            self._set_state("hover")
            self.hint.setText("Drop to animate this picture.")
        else:
            self._set_state("refuse")
            self.hint.setText(f"<span style='color:{ERROR_COLOUR}'>{offer.refusal}</span>")

    def end_hover(self) -> None:
        self.show_picture(self.source, self.title.text().removeprefix("Image to video: ") or None)
