"""Rules for still images: only JPEG, PNG and WebP; EXIF orientation applied; empty,
corrupt, foreign and oversized files refused with a specific error before any heavy work."""

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from biometric_engine.core import errors
from biometric_engine.core.images import check_rgb, load_image
from biometric_engine.core.limits import EngineLimits


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def two_colour_image(width: int = 40, height: int = 20) -> Image.Image:
    """Left half red, right half blue."""
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[:, : width // 2] = (255, 0, 0)
    pixels[:, width // 2 :] = (0, 0, 255)
    return Image.fromarray(pixels)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height, followed by a few bytes of pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_load_as_rgb_uint8(fmt):
    image = two_colour_image().convert("RGBA" if fmt == "PNG" else "RGB")
    rgb = load_image(encode(image, fmt))
    assert rgb.dtype == np.uint8
    assert rgb.shape == (20, 40, 3)
    # Colours survive in RGB order (not OpenCV's BGR).
    assert rgb[10, 5, 0] > 200 and rgb[10, 5, 2] < 60
    assert rgb[10, 35, 2] > 200 and rgb[10, 35, 0] < 60


def test_image_loads_from_a_path(tmp_path):
    path = tmp_path / "face.png"
    path.write_bytes(encode(two_colour_image(), "PNG"))
    assert load_image(path).shape == (20, 40, 3)
    assert load_image(str(path)).shape == (20, 40, 3)


def test_exif_orientation_is_applied():
    # Orientation 6: stored sideways, to be shown turned 90 degrees clockwise.
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(two_colour_image(40, 20), "JPEG", exif=exif, quality=95)
    rgb = load_image(data)
    assert rgb.shape == (40, 20, 3)
    # The red left half is on top once turned clockwise.
    assert rgb[5, 10, 0] > 200 and rgb[5, 10, 2] < 60
    assert rgb[35, 10, 2] > 200 and rgb[35, 10, 0] < 60


def test_zero_byte_input_is_refused_as_empty(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    for source in (b"", empty):
        with pytest.raises(errors.EmptyFile) as caught:
            load_image(source)
        assert caught.value.code == "empty_file"


def test_truncated_jpeg_is_refused_as_corrupt():
    data = encode(
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)), "JPEG"
    )
    with pytest.raises(errors.CorruptImage) as caught:
        load_image(data[: len(data) // 2])
    assert caught.value.code == "corrupt_image"


def test_text_file_is_refused_as_not_an_image(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("This is a witness statement, not a photograph.\n")
    with pytest.raises(errors.NotAnImage) as caught:
        load_image(path)
    assert caught.value.code == "not_an_image"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused_as_unsupported(fmt):
    with pytest.raises(errors.UnsupportedImageFormat) as caught:
        load_image(encode(two_colour_image(), fmt))
    assert fmt in caught.value.detail


def test_declared_size_over_the_limit_is_refused_before_decoding():
    # 8000 x 8000 = 64 million pixels: within Pillow's own guard, over the engine's limit.
    # The pixel data is 64 bytes of a 192-million-byte image: decoding it would fail as
    # corrupt, so ImageTooLarge shows the header was checked first.
    with pytest.raises(errors.ImageTooLarge) as caught:
        load_image(png_declaring(8000, 8000), limits=EngineLimits(max_image_pixels=40_000_000))
    assert "8000x8000" in caught.value.detail


def test_decompression_bomb_header_is_refused():
    with pytest.raises(errors.ImageTooLarge):
        load_image(png_declaring(100_000, 100_000))


def test_pixel_limit_is_a_parameter():
    data = encode(two_colour_image(40, 20), "PNG")
    assert load_image(data, limits=EngineLimits(max_image_pixels=800)).shape == (20, 40, 3)
    with pytest.raises(errors.ImageTooLarge):
        load_image(data, limits=EngineLimits(max_image_pixels=799))


def test_file_over_the_byte_limit_is_refused(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(encode(two_colour_image(), "PNG"))
    limits = EngineLimits(max_image_bytes=path.stat().st_size - 1)
    for source in (path, path.read_bytes()):
        with pytest.raises(errors.FileTooLarge):
            load_image(source, limits=limits)


def test_limits_must_be_positive():
    with pytest.raises(ValueError):
        EngineLimits(max_image_pixels=0)


def test_every_input_error_has_a_stable_distinct_code_and_a_sentence():
    classes = [
        c
        for c in vars(errors).values()
        if isinstance(c, type)
        and issubclass(c, errors.EngineInputError)
        and c is not errors.EngineInputError
    ]
    assert len(classes) >= 10
    codes = [c.code for c in classes]
    assert len(set(codes)) == len(codes)
    for cls in classes:
        error = cls()
        assert error.detail.endswith(".")
        assert error.as_dict() == {"code": cls.code, "detail": error.detail}


def test_check_rgb_refuses_anything_but_rgb_uint8():
    with pytest.raises(ValueError):
        check_rgb(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError):
        check_rgb(np.zeros((10, 10, 3), np.float32))
    with pytest.raises(ValueError):
        check_rgb(np.zeros((0, 10, 3), np.uint8))


# --- decoded memory: channels x bytes per sample, and one frame -------------------------------


def png_of(width: int, height: int, *, bit_depth: int = 8, colour_type: int = 2) -> bytes:
    """A complete PNG of a diagonal gradient, compressed a row at a time (little memory)."""
    channels = {0: 1, 2: 3, 6: 4}[colour_type]
    dtype = ">u2" if bit_depth == 16 else np.uint8
    top = 65535 if bit_depth == 16 else 255
    compressor = zlib.compressobj(9)
    body = []
    for y in range(height):
        values = (np.arange(width) + y) * top // (width + height)
        row = np.repeat(values[:, None], channels, axis=1).astype(dtype)
        body.append(compressor.compress(b"\x00" + row.tobytes()))
    body.append(compressor.flush())

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(body))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("bit_depth", "colour_type", "bytes_per_pixel"),
    [(8, 2, 3), (8, 6, 4), (16, 2, 6), (16, 0, 3), (8, 0, 3)],
    ids=["rgb", "rgba", "rgb-16-bit", "grey-16-bit", "grey"],
)
def test_decoded_bytes_are_channels_times_bytes_per_sample_at_least_rgb(
    bit_depth, colour_type, bytes_per_pixel
):
    # Grey is counted as the RGB array made from it; 16-bit colour as declared, though
    # Pillow keeps 8 bits of it.
    data = png_of(50, 40, bit_depth=bit_depth, colour_type=colour_type)
    needed = 50 * 40 * bytes_per_pixel
    assert load_image(data, limits=EngineLimits(max_image_decoded_bytes=needed)).shape == (
        40,
        50,
        3,
    )
    with pytest.raises(errors.DecodedImageTooLarge) as caught:
        load_image(data, limits=EngineLimits(max_image_decoded_bytes=needed - 1))
    assert caught.value.code == "image_decoded_too_large"
    assert f"{needed:,} bytes once decoded" in caught.value.detail
    assert isinstance(caught.value, errors.ImageTooLarge)


def test_a_6000_by_6000_png_under_the_pixel_limit_is_refused_by_its_decoded_bytes():
    data = png_of(6000, 6000)
    assert EngineLimits().max_image_pixels >= 6000 * 6000  # under the pixel limit
    with pytest.raises(errors.DecodedImageTooLarge) as caught:
        load_image(data)
    assert "6000x6000" in caught.value.detail and "108,000,000 bytes" in caught.value.detail


MEASURE = """
import resource, sys
from biometric_engine.core.images import load_image
from biometric_engine.core.limits import EngineLimits
data = sys.stdin.buffer.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    load_image(data, limits=EngineLimits(max_image_decoded_bytes=int(sys.argv[1])))
    outcome = "loaded"
except Exception as error:
    outcome = error.code
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(outcome, grown * 1024)
"""


def peak_memory_of_loading(data: bytes, limit: int) -> tuple[str, int]:
    """Load in a fresh interpreter; return the outcome and how much its peak RSS grew."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(limit)],
        input=data,
        capture_output=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    outcome, grown = done.stdout.decode().split()
    return outcome, int(grown)


def test_decoding_memory_is_refused_cheaply_and_bounded_when_allowed():
    data = png_of(6000, 6000)
    decoded = 6000 * 6000 * 3
    outcome, grown = peak_memory_of_loading(data, EngineLimits().max_image_decoded_bytes)
    assert outcome == "image_decoded_too_large" and grown < 20 * 2**20, grown
    # Allowed, its peak stays near the Pillow image plus the RGB array (it was 5.7 times the
    # decoded bytes when the image was converted and copied whole).
    outcome, grown = peak_memory_of_loading(data, decoded)
    assert outcome == "loaded" and grown < 3 * decoded, grown


def test_16_bit_grey_is_scaled_to_8_bits_not_clipped_to_white():
    data = png_of(64, 16, bit_depth=16, colour_type=0)
    rgb = load_image(data)
    expected = ((np.arange(64)[None, :] + np.arange(16)[:, None]) * 65535 // 80) >> 8
    assert np.array_equal(rgb[:, :, 0], expected.astype(np.uint8))
    assert np.array_equal(rgb[:, :, 0], rgb[:, :, 2])
    assert len(np.unique(rgb)) > 50  # clipping left only 0 and 255


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_an_animated_image_is_refused_not_searched_by_its_first_frame(fmt):
    frames = [two_colour_image().rotate(90 * i, expand=False) for i in range(3)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(errors.AnimatedImage) as caught:
        load_image(data)
    assert caught.value.code == "animated_image" and "3 frames" in caught.value.detail
    assert isinstance(caught.value, errors.UnsupportedImageFormat)


def test_rgb_comes_out_the_same_band_by_band():
    # 2048 wide: a band is 512 rows of the decoded image, so 1100 rows take three, the last short.
    y, x = np.mgrid[0:1100, 0:2048]
    pixels = np.stack([x * 7 + y, x + y * 13, x * y, x ^ y], axis=-1) % 256
    image = Image.fromarray(pixels.astype(np.uint8), mode="RGBA")
    assert np.array_equal(load_image(encode(image, "PNG")), np.asarray(image.convert("RGB")))
