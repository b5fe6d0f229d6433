"""Limits on what the engine accepts, passed in by the caller (settings), never global."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EngineLimits:
    """Upper bounds on input size, checked before any expensive decoding.

    ``max_image_pixels`` guards against decompression bombs: a few kilobytes of PNG or JPEG can
    declare a size that would need gigabytes once decoded, so the header is read first.
    ``max_image_decoded_bytes`` bounds the memory, not only the pixels: width x height x
    channels x bytes per sample, as the header declares them (at least the 3 bytes per pixel
    of the RGB array). Decoding holds about 2.3 times that at peak (4 for WebP, whose decoder
    keeps two RGBA canvases).
    """

    max_image_bytes: int = 20 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    max_image_decoded_bytes: int = 100 * 1024 * 1024
    max_video_bytes: int = 500 * 1024 * 1024
    max_video_seconds: float = 600.0
    max_video_frame_pixels: int = 3840 * 2160

    def __post_init__(self) -> None:
        for name in (
            "max_image_bytes",
            "max_image_pixels",
            "max_image_decoded_bytes",
            "max_video_bytes",
            "max_video_seconds",
            "max_video_frame_pixels",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"EngineLimits.{name} must be positive")


DEFAULT_LIMITS = EngineLimits()
