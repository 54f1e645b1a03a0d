"""Small shared pieces of the window's look."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

ERROR_COLOUR = "#c62828"
WARNING_COLOUR = "#b26a00"


def error_label(parent: QWidget, name: str) -> QLabel:
    """A hidden, wrapping, red label for a message in words."""
    label = QLabel("", parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_COLOUR}")
    label.hide()
    return label
