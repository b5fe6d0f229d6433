"""Errors the engine core raises for input it refuses or configuration it cannot use.

They mirror the platform's base error (a stable ``code`` and a sentence a person can act on)
without importing it, so the core stays free of Django and of the rest of the platform; the
gate wraps them when it turns them into API responses.
"""

from typing import ClassVar


class EngineError(Exception):
    """Base of every error the engine core raises on purpose."""

    code: ClassVar[str] = "engine_error"
    default_detail: ClassVar[str] = "The face-matching engine could not do this."

    def __init__(self, detail: str | None = None, *, facts: dict[str, int] | None = None) -> None:
        self.detail = detail or self.default_detail
        # Counts the gate may ledger with the refusal (frames read of those declared), never
        # pixels or vectors.
        self.facts = dict(facts or {})
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail}


class EngineInputError(EngineError):
    """An image, video or face the engine refuses to process."""

    code = "engine_input_invalid"
    default_detail = "The engine cannot process this input."


class EmptyFile(EngineInputError):
    code = "empty_file"
    default_detail = "The file is empty (zero bytes). Upload the image or video again."


class FileTooLarge(EngineInputError):
    code = "file_too_large"
    default_detail = "The file is larger than the engine accepts."


class NotAnImage(EngineInputError):
    code = "not_an_image"
    default_detail = "The file is not an image the engine can read. Upload a JPEG, PNG or WebP."


class CorruptImage(EngineInputError):
    code = "corrupt_image"
    default_detail = "The image is damaged or incomplete and cannot be decoded. Upload it again."


class UnsupportedImageFormat(EngineInputError):
    code = "unsupported_image_format"
    default_detail = "This image format is not accepted. Convert it to JPEG, PNG or WebP."


class ImageTooLarge(EngineInputError):
    code = "image_too_large"
    default_detail = "The image has more pixels than the engine accepts. Reduce its size."


class DecodedImageTooLarge(ImageTooLarge):
    code = "image_decoded_too_large"
    default_detail = (
        "The image's pixels would take more memory once decoded than the engine accepts. "
        "Reduce its size."
    )


class AnimatedImage(UnsupportedImageFormat):
    code = "animated_image"
    default_detail = (
        "The image holds several frames; the engine searches one still image. "
        "Save the frame to search as a JPEG, PNG or WebP."
    )


class CorruptVideo(EngineInputError):
    code = "corrupt_video"
    default_detail = "The video is damaged or in a format the engine cannot read."


class VideoTruncated(CorruptVideo):
    code = "video_truncated"
    default_detail = (
        "Fewer frames could be read than the video declares: the file is cut short or "
        "damaged. Upload the complete recording."
    )


class VideoTooLong(EngineInputError):
    code = "video_too_long"
    default_detail = "The video is longer than the engine accepts. Trim it and upload it again."


class NoFaceFound(EngineInputError):
    code = "no_face_found"
    default_detail = "No face was found in the image."


class SeveralFaces(EngineInputError):
    code = "several_faces"
    default_detail = "The image holds more than one face. Crop it to the one person sought."


class FaceTooSmall(EngineInputError):
    code = "face_too_small"
    default_detail = "The face is too small: there are not enough pixels between the eyes."


class FaceQualityTooLow(EngineInputError):
    code = "face_quality_too_low"
    default_detail = "The face is too blurred or turned away to be searched reliably."


class NotEnoughPairs(EngineError):
    """An evaluation whose pairs cannot measure anything (none usable, or only one kind)."""

    code = "not_enough_pairs"
    default_detail = "Too few pairs have a face found in both images to measure accuracy."


class NotEnoughSearches(EngineError):
    """An identification run with no enrolled face, or no face to search with, of a kind."""

    code = "not_enough_searches"
    default_detail = "Too few faces were found to measure identification rates."


class EngineConfigurationError(EngineError):
    """The operator's engine settings cannot be used (a model pack, an optional package)."""

    code = "engine_misconfigured"
    default_detail = "The face-matching engine is not configured correctly."


class ModelPackNotFound(EngineConfigurationError):
    code = "model_pack_not_found"
    default_detail = "The configured model pack directory does not exist."


class ModelPackEmpty(EngineConfigurationError):
    code = "model_pack_empty"
    default_detail = "The configured model pack directory holds no .onnx model files."


class OptionalBackendNotInstalled(EngineConfigurationError):
    code = "backend_not_installed"
    default_detail = "The package this engine backend needs is not installed."


class UnsupportedVideoFormat(EngineInputError):
    code = "unsupported_video_format"
    default_detail = (
        "This video container is not accepted. Use MP4, MOV, AVI, MKV, WebM or MPEG-TS."
    )
