"""Load a still image into the RGB array every other part of the engine takes.

Only JPEG, PNG and WebP stills are accepted. The header is read first and the declared size
checked against the limits before any pixel is decoded, so a small file that declares a huge
image (a decompression bomb) is refused cheaply: both its pixel count and the bytes its pixels
take once decoded, since a 16-bit or four-channel image needs more memory per pixel. EXIF
orientation is applied, because phone photos are often stored sideways and the detector does
not find faces lying on their side.
"""

import io
import os
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageMode, ImageOps, UnidentifiedImageError

from .errors import (
    AnimatedImage,
    CorruptImage,
    DecodedImageTooLarge,
    EmptyFile,
    FileTooLarge,
    ImageTooLarge,
    NotAnImage,
    UnsupportedImageFormat,
)
from .limits import DEFAULT_LIMITS, EngineLimits

ACCEPTED_FORMATS: frozenset[str] = frozenset({"JPEG", "PNG", "WEBP"})

ImageSource = bytes | bytearray | memoryview | str | os.PathLike[str]

RGB_BYTES_PER_PIXEL = 3  # the array every other part of the engine takes
# libwebp decodes into an RGBA canvas whatever the file's mode.
DECODER_CHANNELS = {"WEBP": 4}
# Rows are copied into the RGB array a band of about this many decoded bytes at a time.
STRIP_BYTES = 4 * 1024 * 1024


def read_image_bytes(source: ImageSource, *, limits: EngineLimits = DEFAULT_LIMITS) -> bytes:
    """Return the raw bytes of ``source``, refusing empty or over-size files before reading."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        path = Path(source)
        size = path.stat().st_size
        if size == 0:
            raise EmptyFile()
        if size > limits.max_image_bytes:
            raise FileTooLarge(_too_many_bytes(size, limits.max_image_bytes))
        data = path.read_bytes()
    if not data:
        raise EmptyFile()
    if len(data) > limits.max_image_bytes:
        raise FileTooLarge(_too_many_bytes(len(data), limits.max_image_bytes))
    return data


def load_image(source: ImageSource, *, limits: EngineLimits = DEFAULT_LIMITS) -> np.ndarray:
    """Decode a JPEG, PNG or WebP still into an RGB ``uint8`` array of shape (height, width, 3).

    Raises a subclass of ``EngineInputError``: ``EmptyFile``, ``FileTooLarge``, ``NotAnImage``,
    ``UnsupportedImageFormat`` (``AnimatedImage`` for more than one frame), ``ImageTooLarge``
    (``DecodedImageTooLarge`` when its pixels would take too many bytes) or ``CorruptImage``.
    """
    data = read_image_bytes(source, limits=limits)
    with _open_header(data) as image:
        if image.format not in ACCEPTED_FORMATS:
            raise UnsupportedImageFormat(
                f"Images in {image.format or 'this'} format are not accepted. "
                "Convert it to JPEG, PNG or WebP."
            )
        frames = getattr(image, "n_frames", 1)
        if frames > 1:
            # Only the first frame would be decoded: the others would go unsearched, unsaid.
            raise AnimatedImage(
                f"The image holds {frames} frames; the engine searches one still image. "
                "Save the frame to search as a JPEG, PNG or WebP."
            )
        width, height = image.size
        if width <= 0 or height <= 0:
            raise CorruptImage()
        if width * height > limits.max_image_pixels:
            raise ImageTooLarge(
                f"The image declares {width}x{height} pixels, more than the "
                f"{limits.max_image_pixels:,} the engine accepts. Reduce its size."
            )
        _check_decoded_bytes(image, data, limits)
        try:
            with _truncation_is_an_error():
                image.load()
            ImageOps.exif_transpose(image, in_place=True)
            return _rgb_array(image)
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            # Pillow reports truncated or malformed pixel data with these.
            raise CorruptImage() from exc


def decoded_bytes(image: Image.Image, data: bytes) -> tuple[int, int, int]:
    """The bytes the image's pixels take once decoded, from its header alone, with the channels
    and bytes per sample behind it: the decoder's image or the RGB array made from it,
    whichever is larger."""
    mode = ImageMode.getmode(image.mode)
    channels = max(len(mode.bands), DECODER_CHANNELS.get(image.format or "", 0))
    sample = max(np.dtype(mode.typestr).itemsize, _declared_png_sample_bytes(image, data))
    width, height = image.size
    return width * height * max(channels * sample, RGB_BYTES_PER_PIXEL), channels, sample


def _declared_png_sample_bytes(image: Image.Image, data: bytes) -> int:
    # Pillow keeps 8 of a 16-bit colour PNG's bits; the limit counts what the file declares,
    # so it holds for a decoder that keeps all 16. IHDR is the first chunk (bit depth at 24).
    if image.format == "PNG" and data[12:16] == b"IHDR" and len(data) > 24:
        return 2 if data[24] == 16 else 1
    return 1


def _check_decoded_bytes(image: Image.Image, data: bytes, limits: EngineLimits) -> None:
    size, channels, sample = decoded_bytes(image, data)
    if size > limits.max_image_decoded_bytes:
        width, height = image.size
        raise DecodedImageTooLarge(
            f"The image declares {width}x{height} pixels of {channels} channel"
            f"{'s' if channels != 1 else ''} at {sample} byte{'s' if sample != 1 else ''} "
            f"each: {size:,} bytes once decoded, more than the "
            f"{limits.max_image_decoded_bytes:,} the engine accepts. Reduce its size"
            + (" or save it with 8 bits per sample." if sample > 1 else ".")
        )


def _rgb_array(image: Image.Image) -> np.ndarray:
    """Copy the decoded image into an RGB array a band of rows at a time. Converting it whole
    would hold Pillow's converted copy and its bytes beside it: four images' worth at peak."""
    width, height = image.size
    rgb = np.empty((height, width, RGB_BYTES_PER_PIXEL), dtype=np.uint8)
    rows = max(1, STRIP_BYTES // (width * 4))
    for top in range(0, height, rows):
        bottom = min(top + rows, height)
        rgb[top:bottom] = _strip_as_rgb(image.crop((0, top, width, bottom)))
    return rgb


def _strip_as_rgb(strip: Image.Image) -> np.ndarray:
    if strip.mode.startswith("I;16"):
        # Pillow clips 16-bit grey to 0..255 when converting, so most of a 16-bit photo would
        # come out white; keep the high byte instead, as it does for 16-bit colour.
        grey = (np.asarray(strip).astype(np.uint16) >> 8).astype(np.uint8)
        return np.repeat(grey[:, :, None], RGB_BYTES_PER_PIXEL, axis=2)
    if strip.mode != "RGB":
        strip = strip.convert("RGB")
    return np.asarray(strip)


_decode_lock = threading.Lock()


@contextmanager
def _truncation_is_an_error():
    """Pillow pads truncated images silently when the process-wide LOAD_TRUNCATED_IMAGES is on,
    and a library in the same process (WeasyPrint) turns it on at import. A half-received
    probe must be refused, never searched, so decode with it off."""
    with _decode_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _open_header(data: bytes) -> Image.Image:
    """Open the image lazily: Pillow parses only the header here, not the pixel data."""
    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        # Pillow's own, coarser guard (twice its global MAX_IMAGE_PIXELS): refuse the same way.
        raise ImageTooLarge() from exc
    except UnidentifiedImageError as exc:
        raise NotAnImage() from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptImage() from exc


def _too_many_bytes(size: int, limit: int) -> str:
    return f"The file is {size:,} bytes, more than the {limit:,} the engine accepts."


def check_rgb(image: np.ndarray) -> np.ndarray:
    """Raise ``ValueError`` unless ``image`` is an RGB ``uint8`` array of shape (h, w, 3)."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError("expected a numpy uint8 array; load images with load_image()")
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"expected an RGB image of shape (height, width, 3), got {image.shape}")
    return image
