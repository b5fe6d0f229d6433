"""Recorded videos for the tests, written with OpenCV from the package sample faces."""

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from tests.watchlists import images

SIZE = 320  # frames of SIZE x SIZE: small enough to search quickly on two cores


def _astronaut(side: int = 256) -> np.ndarray:
    image = Image.open(io.BytesIO(images.astronaut())).convert("RGB").resize((side, side))
    return np.asarray(image)


def astronaut_frames(count: int, *, absent_before: int = 0) -> list[np.ndarray]:
    """RGB frames: grey before ``absent_before``, then the astronaut moving a pixel or two on
    per frame (one person in view, as a camera sees someone standing)."""
    face = _astronaut()
    frames = []
    for n in range(count):
        canvas = np.full((SIZE, SIZE, 3), 128, np.uint8)
        if n >= absent_before:
            dx, dy = 20 + n % 6, 30
            canvas[dy : dy + face.shape[0], dx : dx + face.shape[1]] = face
        frames.append(canvas)
    return frames


def write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    """An MJPEG AVI (its index declares the frame count, so a cut file is caught)."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened()
    for rgb in frames:
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def astronaut_video(path: Path, count: int = 30, **kwargs) -> bytes:
    return write_video(path, astronaut_frames(count, **kwargs)).read_bytes()
