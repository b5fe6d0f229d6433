"""Read frames from a video file with OpenCV, within limits on byte size and duration.

The container is recognised from its first bytes before FFmpeg sees the file: FFmpeg would
otherwise also open playlists and other text formats that can point at other files or URLs.
The duration is checked from the header and again while reading, since a header can lie.
Before any frame is handed out the file is read through once and its readable frames counted
against the count its container declares: a truncated or damaged file is refused, never
searched in part as if it were the whole video.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .errors import (
    CorruptVideo,
    EmptyFile,
    FileTooLarge,
    UnsupportedVideoFormat,
    VideoTooLong,
    VideoTruncated,
)
from .limits import DEFAULT_LIMITS, EngineLimits


@dataclass(frozen=True, slots=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    frame_count: int
    duration_s: float
    container: str = ""


@dataclass(frozen=True, slots=True)
class VideoFrame:
    index: int
    timestamp_s: float
    rgb: np.ndarray


def sniff_video_container(head: bytes) -> str | None:
    """Name the container from the file's first bytes, or None when it is not one we accept."""
    if len(head) >= 12 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide"):
        return "mp4/mov"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska/webm"
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return "mpeg-ts"
    if head[:4] == b"\x00\x00\x01\xba":
        return "mpeg-ps"
    return None


def probe_video(
    path: str | os.PathLike[str], *, limits: EngineLimits = DEFAULT_LIMITS
) -> VideoInfo:
    """Check a video file against the limits and return its size, frame rate and duration.

    Raises ``EmptyFile``, ``FileTooLarge``, ``UnsupportedVideoFormat``, ``CorruptVideo`` or
    ``VideoTooLong`` (all ``EngineInputError``).
    """
    path = Path(path)
    if not path.is_file():
        # A device node such as /dev/video0 would open a camera, not a file.
        raise CorruptVideo("The video is not a regular file.")
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile()
    if size > limits.max_video_bytes:
        raise FileTooLarge(
            f"The video is {size:,} bytes, more than the {limits.max_video_bytes:,} "
            "the engine accepts."
        )
    with path.open("rb") as handle:
        head = handle.read(512)
    container = sniff_video_container(head)
    if container is None:
        raise UnsupportedVideoFormat()

    capture = _open(path)
    try:
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        frame_count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        if width <= 0 or height <= 0 or not fps > 0:
            raise CorruptVideo("The video has no readable frame size or frame rate.")
        if width * height > limits.max_video_frame_pixels:
            raise CorruptVideo(
                f"The video's frames are {width}x{height}, larger than the engine accepts."
            )
        duration_s = max(frame_count, 0) / fps
        if duration_s > limits.max_video_seconds:
            raise VideoTooLong(_too_long(duration_s, limits))
        ok, _ = capture.read()
        if not ok:
            raise CorruptVideo()
    finally:
        capture.release()
    return VideoInfo(width, height, fps, max(frame_count, 0), duration_s, container)


# AVI and MP4/MOV state their frame count in the index; Matroska, WebM and MPEG streams do
# not, and OpenCV estimates it from duration x frame rate, which can be one frame out.
EXACT_FRAME_COUNT = frozenset({"avi", "mp4/mov"})


def count_readable_frames(
    path: str | os.PathLike[str], info: VideoInfo, *, limits: EngineLimits = DEFAULT_LIMITS
) -> int:
    """Decode every frame once (no colour conversion) and return how many could be read.

    Raises ``VideoTooLong`` when the frames run past the limit, and ``VideoTruncated`` when
    fewer can be read than the container declares: a file cut short or damaged part-way.
    A container that declares no count (0) cannot be checked this way.
    """
    capture = _open(Path(path))
    try:
        readable = 0
        while capture.grab():
            if readable / info.fps > limits.max_video_seconds:
                raise VideoTooLong(_too_long(readable / info.fps, limits))
            readable += 1
    finally:
        capture.release()
    allowed = 0 if info.container in EXACT_FRAME_COUNT else 1
    if info.frame_count and readable < info.frame_count - allowed:
        raise _truncated(readable, info.frame_count)
    return readable


def read_video_frames(
    path: str | os.PathLike[str],
    *,
    limits: EngineLimits = DEFAULT_LIMITS,
    every_nth_frame: int = 1,
) -> Iterator[VideoFrame]:
    """Yield every ``every_nth_frame``-th frame as RGB, after checking the file eagerly.

    The checks of ``probe_video`` and ``count_readable_frames`` run when this is called, not
    at the first ``next()``, so a refused video (``VideoTruncated`` among them) fails where the
    caller asked for it, before any frame is searched. ``VideoTooLong`` and ``VideoTruncated``
    can still be raised while iterating, when the file changed after it was counted.
    """
    if every_nth_frame < 1:
        raise ValueError("every_nth_frame must be at least 1")
    info = probe_video(path, limits=limits)
    readable = count_readable_frames(path, info, limits=limits)
    return _frames(Path(path), info, limits, every_nth_frame, readable)


def _frames(
    path: Path, info: VideoInfo, limits: EngineLimits, step: int, readable: int
) -> Iterator[VideoFrame]:
    capture = _open(path)
    try:
        index = 0
        while True:
            ok, bgr = capture.read()
            if not ok:
                if index < readable:
                    raise _truncated(index, readable)
                return
            timestamp_s = index / info.fps
            if timestamp_s > limits.max_video_seconds:
                raise VideoTooLong(_too_long(timestamp_s, limits))
            if index % step == 0:
                yield VideoFrame(index, timestamp_s, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            index += 1
    finally:
        capture.release()


def _open(path: Path) -> cv2.VideoCapture:
    # Only the FFmpeg backend: other backends (V4L, GStreamer) take device names or pipelines.
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not capture.isOpened():
        capture.release()
        raise CorruptVideo()
    return capture


def _truncated(read: int, declared: int) -> VideoTruncated:
    return VideoTruncated(
        f"Only {read} of the {declared} frames the video declares could be read: the file is "
        "cut short or damaged. Upload the complete recording.",
        facts={"frames_read": read, "frames_declared": declared},
    )


def _too_long(seconds: float, limits: EngineLimits) -> str:
    return (
        f"The video runs for at least {seconds:.1f} s, longer than the "
        f"{limits.max_video_seconds:g} s the engine accepts. Trim it and upload it again."
    )
