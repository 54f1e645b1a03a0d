#!/usr/bin/env python3
"""Render the app icon (resources/icons/grok-video.svg) to the PNGs the desktop wants.

    QT_QPA_PLATFORM=offscreen python3 packaging/render_icons.py [--ico] [--icns]

Writes resources/icons/hicolor/<N>x<N>/apps/grok-video.png for N in 16 … 512, drawn by Qt's
QSvgRenderer (the renderer the app itself uses for SVG icons). With --ico / --icns it also
writes resources/icons/grok-video.ico (Windows) and grok-video.icns (macOS) from those
renderings, with Pillow; the spec picks them up when they are there.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "grok-video.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)
NAME = "grok-video"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ico", action="store_true", help="also write grok-video.ico")
    parser.add_argument("--icns", action="store_true", help="also write grok-video.icns")
    args = parser.parse_args()

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"render_icons: {SVG} is not a valid SVG", file=sys.stderr)
        return 1
    rendered: dict[int, bytes] = {}
    for size in SIZES:
        target = ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        rendered[size] = png_bytes(render(renderer, size))
        target.write_bytes(rendered[size])
        print(f"{target.relative_to(ROOT)}  ({len(rendered[size]):,} bytes)")

    if args.ico or args.icns:
        from PIL import Image  # Pillow is one of the app's own dependencies

        images = {size: Image.open(io.BytesIO(data)) for size, data in rendered.items()}
        if args.ico:
            images_ico = {**images, 24: Image.open(io.BytesIO(png_bytes(render(renderer, 24))))}
            ico_sizes = [(s, s) for s in (16, 24, 32, 48, 64, 128, 256)]
            target = ICONS / f"{NAME}.ico"
            images_ico[256].save(
                target,
                format="ICO",
                sizes=ico_sizes,
                append_images=[images_ico[s] for s in (16, 24, 32, 48, 64, 128)],
            )
            print(f"{target.relative_to(ROOT)}")
        if args.icns:
            big = Image.open(io.BytesIO(png_bytes(render(renderer, 1024))))
            target = ICONS / f"{NAME}.icns"
            big.save(target, format="ICNS", append_images=[images[s] for s in SIZES])
            print(f"{target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
