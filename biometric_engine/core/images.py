"""Load a still image into the RGB array every other part of the engine takes.

Only JPEG, PNG and WebP are accepted. The header is read first and the declared size checked
against the limits before any pixel is decoded, so a small file that declares a huge image
(a decompression bomb) is refused cheaply. EXIF orientation is applied, because phone photos
are often stored sideways and the detector does not find faces lying on their side.
"""

import io
import os
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .errors import (
    CorruptImage,
    EmptyFile,
    FileTooLarge,
    ImageTooLarge,
    NotAnImage,
    UnsupportedImageFormat,
)
from .limits import DEFAULT_LIMITS, EngineLimits

ACCEPTED_FORMATS: frozenset[str] = frozenset({"JPEG", "PNG", "WEBP"})

ImageSource = bytes | bytearray | memoryview | str | os.PathLike[str]


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
    """Decode a JPEG, PNG or WebP image into an RGB ``uint8`` array of shape (height, width, 3).

    Raises a subclass of ``EngineInputError``: ``EmptyFile``, ``FileTooLarge``, ``NotAnImage``,
    ``UnsupportedImageFormat``, ``ImageTooLarge`` or ``CorruptImage``.
    """
    data = read_image_bytes(source, limits=limits)
    with _open_header(data) as image:
        if image.format not in ACCEPTED_FORMATS:
            raise UnsupportedImageFormat(
                f"Images in {image.format or 'this'} format are not accepted. "
                "Convert it to JPEG, PNG or WebP."
            )
        width, height = image.size
        if width <= 0 or height <= 0:
            raise CorruptImage()
        if width * height > limits.max_image_pixels:
            raise ImageTooLarge(
                f"The image declares {width}x{height} pixels, more than the "
                f"{limits.max_image_pixels:,} the engine accepts. Reduce its size."
            )
        try:
            with _truncation_is_an_error():
                image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGB")
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            # Pillow reports truncated or malformed pixel data with these.
            raise CorruptImage() from exc
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


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
