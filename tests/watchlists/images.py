"""Face images every install has: the samples inside the installed scikit-image and insightface
packages (never LFW, never a download), for tests that must run without ../shared."""

import io
from functools import cache
from pathlib import Path

import insightface
import skimage
from PIL import Image

SKIMAGE_DATA = Path(skimage.__file__).parent / "data"
INSIGHTFACE_IMAGES = Path(insightface.__file__).parent / "data" / "images"


def astronaut() -> bytes:
    return (SKIMAGE_DATA / "astronaut.png").read_bytes()


def tom_hanks() -> bytes:
    return (INSIGHTFACE_IMAGES / "Tom_Hanks_54745.png").read_bytes()


def group_photo() -> bytes:
    """Six people in one photo (insightface's t1.jpg): several faces."""
    return (INSIGHTFACE_IMAGES / "t1.jpg").read_bytes()


def not_a_face() -> bytes:
    return (SKIMAGE_DATA / "coffee.png").read_bytes()


@cache
def astronaut_again() -> bytes:
    """The same person in another image (re-encoded, scaled): near-identical face, other bytes."""
    image = Image.open(io.BytesIO(astronaut())).convert("RGB")
    image = image.resize((448, 448))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def tiny(data: bytes, size: int = 60) -> bytes:
    """The image shrunk until its face is too small to pass the quality rules."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image.thumbnail((size, size))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
