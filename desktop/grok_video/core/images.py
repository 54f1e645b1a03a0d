"""Pictures for image-to-video: check by content, orient, scale down, inline as a data: URL."""

from __future__ import annotations

import base64
import io
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InvalidInput

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
MAX_EDGE = 2048
MAX_INLINE_BYTES = 10 * 1024 * 1024
ACCEPTED_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP", "GIF": "GIF", "MPO": "JPEG"}


def is_web_url(text: str) -> bool:
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _open_checked(path: Path) -> Image.Image:
    if not path.exists():
        raise InvalidInput(f"{path} does not exist.")
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; choose one picture.")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InvalidInput(f"{path.name} is {size / 1e6:.1f} MB; pictures may be at most 20 MB.")
    if size == 0:
        raise InvalidInput(f"{path.name} is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(
            f"{path.name} is far too large: pictures may have at most 50 megapixels."
        ) from None
    except UnidentifiedImageError:
        raise InvalidInput(
            f"{path.name} is not a picture we can use (PNG, JPEG, WebP or GIF)."
        ) from None
    except OSError as exc:
        raise InvalidInput(f"{path.name} cannot be read: {exc}.") from None
    if image.format not in ACCEPTED_FORMATS:
        image.close()
        raise InvalidInput(
            f"{path.name} is a {image.format or 'unknown'} file; use PNG, JPEG, WebP or GIF."
        )
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise InvalidInput(
            f"{path.name} is {width} × {height} pixels ({width * height / 1e6:.0f} megapixels); "
            "pictures may have at most 50 megapixels."
        )
    return image


def check_picture_header(path: Path) -> None:
    """The cheap check (size, format, pixel count from the header alone); raises InvalidInput."""
    _open_checked(path).close()


def prepare_local_image(path: Path) -> tuple[bytes, str]:
    """Decode, orient and scale a local picture; return (encoded bytes, MIME type)."""
    image = _open_checked(path)
    try:
        try:
            image.seek(0)
            image.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise InvalidInput(f"{path.name} is damaged or truncated ({exc}).") from None
        oriented = ImageOps.exif_transpose(image)
        frame = oriented if oriented is not None else image
        has_alpha = frame.mode in ("RGBA", "LA") or (
            frame.mode == "P" and "transparency" in frame.info
        )
        frame = frame.convert("RGBA" if has_alpha else "RGB")
        if max(frame.size) > MAX_EDGE:
            frame.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
        for quality in (92, 85, 75, 60):
            out = io.BytesIO()
            if has_alpha:
                frame.save(out, format="PNG", optimize=True)
                mime = "image/png"
            else:
                frame.save(out, format="JPEG", quality=quality, optimize=True)
                mime = "image/jpeg"
            data = out.getvalue()
            if len(data) * 4 / 3 < MAX_INLINE_BYTES:
                return data, mime
            if has_alpha:  # a PNG too large: fall back to JPEG on white
                background = Image.new("RGB", frame.size, "white")
                background.paste(frame, mask=frame.getchannel("A"))
                frame, has_alpha = background, False
        raise InvalidInput(f"{path.name} cannot be made small enough to send.")
    finally:
        image.close()


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def picture_source(item: str) -> str | Path:
    """What the user gave: a web (or data:) address to send as it is, or a local file to check
    and inline. Raises InvalidInput for anything else."""
    text = item.strip()
    if is_web_url(text) or text.startswith("data:image/"):
        return text
    if "://" in text or text.startswith("data:"):
        raise InvalidInput(f"{text[:60]!r}: only http(s) addresses and local pictures can be used.")
    return Path(text).expanduser()


def resolve_images(images: tuple[str, ...]) -> list[str]:
    """Turn what the user gave (paths, URLs) into what the service takes."""
    out = []
    for item in images:
        source = picture_source(item)
        out.append(source if isinstance(source, str) else data_url(*prepare_local_image(source)))
    return out
