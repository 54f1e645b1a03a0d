"""Local pictures for image-to-video: checked by decoding, oriented, scaled down, inlined.

Every picture is made here with Pillow in tmp_path; no binary file lives in the repository.
"""

from __future__ import annotations

import base64
import io
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from PIL import Image

from grok_video.core.errors import InvalidInput
from grok_video.core.images import (
    MAX_EDGE,
    MAX_FILE_BYTES,
    is_web_url,
    prepare_local_image,
    resolve_images,
)


def decode_data_url(url: str) -> tuple[str, Image.Image]:
    """The MIME type and the decoded picture of a data: URL (fully loaded, so it is valid)."""
    assert url.startswith("data:image/")
    header, _, payload = url.partition(",")
    assert header.endswith(";base64")
    mime = header[len("data:") : -len(";base64")]
    raw = base64.b64decode(payload, validate=True)
    with Image.open(io.BytesIO(raw)) as probe:
        probe.verify()
    image = Image.open(io.BytesIO(raw))
    image.load()
    return mime, image


def save(image: Image.Image, path: Path, fmt: str, **options: object) -> Path:
    image.save(path, format=fmt, **options)
    return path


def only_url(path: Path) -> str:
    urls = resolve_images((str(path),))
    assert len(urls) == 1
    return urls[0]


def png_with_declared_size(path: Path, width: int, height: int) -> Path:
    """A tiny valid PNG whose header claims width x height (CRC fixed): cheap, huge to decode."""
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    path.write_bytes(bytes(data))
    return path


# -- accepted formats -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "suffix", "mode"),
    [
        ("PNG", ".png", "RGB"),
        ("PNG", ".png", "RGBA"),
        ("JPEG", ".jpg", "RGB"),
        ("WEBP", ".webp", "RGB"),
        ("WEBP", ".webp", "RGBA"),
        ("GIF", ".gif", "P"),
    ],
)
def test_accepted_formats_become_decodable_data_urls(
    tmp_path: Path, fmt: str, suffix: str, mode: str
) -> None:
    colour: object = 5 if mode == "P" else (200, 30, 30, 128)[: len(mode)]
    path = save(Image.new(mode, (64, 48), colour), tmp_path / f"pic{suffix}", fmt)
    mime, image = decode_data_url(only_url(path))
    assert mime in ("image/jpeg", "image/png")
    assert image.format == {"image/jpeg": "JPEG", "image/png": "PNG"}[mime]
    assert image.size == (64, 48)


def test_transparency_is_kept_as_png(tmp_path: Path) -> None:
    path = save(Image.new("RGBA", (32, 32), (0, 0, 255, 0)), tmp_path / "clear.png", "PNG")
    mime, image = decode_data_url(only_url(path))
    assert mime == "image/png"
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0


def test_opaque_picture_is_sent_as_jpeg(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (32, 32), "green"), tmp_path / "opaque.png", "PNG")
    mime, _ = decode_data_url(only_url(path))
    assert mime == "image/jpeg"


def test_the_format_is_read_from_the_content_not_the_name(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (40, 30), "blue"), tmp_path / "really-a-jpeg.png", "JPEG")
    _, image = decode_data_url(only_url(path))
    assert image.size == (40, 30)


def test_animated_gif_sends_its_first_frame(tmp_path: Path) -> None:
    red = Image.new("RGB", (40, 40), (255, 0, 0))
    blue = Image.new("RGB", (40, 40), (0, 0, 255))
    path = tmp_path / "anim.gif"
    red.save(path, format="GIF", save_all=True, append_images=[blue], duration=100, loop=0)
    with Image.open(path) as check:
        assert getattr(check, "n_frames", 1) == 2
    _, image = decode_data_url(only_url(path))
    red_level, _, blue_level = image.convert("RGB").getpixel((20, 20))
    assert red_level > 200 and blue_level < 60


# -- refused files ----------------------------------------------------------------------------


def test_text_file_named_png_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("this is not a picture\n" * 20)
    with pytest.raises(InvalidInput) as info:
        resolve_images((str(path),))
    assert info.value.exit_code == 2
    assert "notes.png" in info.value.message


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(InvalidInput):
        resolve_images((str(path),))


def test_other_picture_formats_are_refused(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (16, 16), "red"), tmp_path / "pic.bmp", "BMP")
    with pytest.raises(InvalidInput, match="BMP"):
        resolve_images((str(path),))


def test_truncated_jpeg_is_refused_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    Image.effect_noise((400, 400), 60).convert("RGB").save(path, format="JPEG", quality=95)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InvalidInput) as info:
        resolve_images((str(path),))
    message = info.value.message.lower()
    assert "damaged" in message or "truncated" in message


def test_decompression_bomb_is_refused_quickly_without_decoding(tmp_path: Path) -> None:
    path = png_with_declared_size(tmp_path / "bomb.png", 40_000, 40_000)
    assert path.stat().st_size < 1000
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    baseline, _ = tracemalloc.get_traced_memory()
    started = time.perf_counter()
    try:
        with pytest.raises(InvalidInput):
            resolve_images((str(path),))
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    assert elapsed < 2.0
    assert peak - baseline < 50 * 1024 * 1024


def test_picture_over_50_megapixels_is_refused_before_decoding(tmp_path: Path) -> None:
    # 8000 x 8000 = 64 MP: under Pillow's own bomb limit, over the contract's 50 MP.
    path = png_with_declared_size(tmp_path / "big.png", 8000, 8000)
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match="megapixels"):
        prepare_local_image(path)
    assert time.perf_counter() - started < 2.0


def test_file_over_20_mb_is_refused(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (8, 8), "red"), tmp_path / "huge.png", "PNG")
    with open(path, "r+b") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: cheap to make
    assert MAX_FILE_BYTES == 20 * 1024 * 1024
    with pytest.raises(InvalidInput, match="20 MB"):
        resolve_images((str(path),))


def test_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "pictures.png"
    folder.mkdir()
    with pytest.raises(InvalidInput, match="folder"):
        resolve_images((str(folder),))


def test_missing_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        resolve_images((str(tmp_path / "nowhere.png"),))


# -- orientation and size ---------------------------------------------------------------------


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    path = tmp_path / "rotated.jpg"
    Image.new("RGB", (200, 100), "red").save(path, format="JPEG", exif=exif)
    with Image.open(path) as stored:
        assert stored.size == (200, 100)
    _, image = decode_data_url(only_url(path))
    assert image.size == (100, 200)
    assert image.getexif().get(0x0112) in (None, 1)


def test_large_picture_is_scaled_down_to_a_long_edge_of_2048(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (3000, 1500), "white"), tmp_path / "wide.png", "PNG")
    _, image = decode_data_url(only_url(path))
    assert MAX_EDGE == 2048
    assert image.size == (2048, 1024)


def test_tall_picture_is_scaled_on_its_long_edge(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (1000, 4000), "white"), tmp_path / "tall.jpg", "JPEG")
    _, image = decode_data_url(only_url(path))
    assert image.size == (512, 2048)


def test_small_picture_is_not_scaled_up(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (300, 200), "white"), tmp_path / "small.png", "PNG")
    _, image = decode_data_url(only_url(path))
    assert image.size == (300, 200)


# -- URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/cat.png",
        "http://example.com/cat.jpg?size=large&v=2",
        "HTTPS://EXAMPLE.COM/Cat.PNG",
        "https://cdn.example.com:8443/a/b/c.webp#frag",
    ],
)
def test_web_urls_pass_through_unchanged(url: str) -> None:
    assert resolve_images((url,)) == [url]


def test_web_url_is_sent_exactly_as_given() -> None:
    url = "https://example.com/pictures/cat%20one.png?token=abc"
    assert resolve_images((url,)) == [url]


def test_data_image_url_passes_through() -> None:
    url = "data:image/png;base64,iVBORw0KGgo="
    assert resolve_images((url,)) == [url]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/cat.png",
        "file:///etc/passwd",
        "sftp://host/cat.png",
        "gopher://example.com/cat.png",
    ],
)
def test_other_url_schemes_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput) as info:
        resolve_images((url,))
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://a.example/x.png", True),
        ("http://a.example", True),
        ("ftp://a.example/x", False),
        ("https://", False),
        ("/home/me/x.png", False),
        ("example.com/x.png", False),
    ],
)
def test_is_web_url(text: str, expected: bool) -> None:
    assert is_web_url(text) is expected


def test_mixed_list_keeps_order(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (20, 10), "red"), tmp_path / "a.png", "PNG")
    urls = resolve_images(("https://example.com/1.png", str(path), "https://example.com/2.png"))
    assert urls[0] == "https://example.com/1.png"
    assert urls[1].startswith("data:image/")
    assert urls[2] == "https://example.com/2.png"
