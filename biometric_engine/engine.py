"""The engine's configuration, read from settings: backend, input limits, probe rules."""

from functools import lru_cache

import numpy as np
from django.conf import settings

from biometric_engine.core.backends import FaceBackend, select_backend
from biometric_engine.core.equity import EquityRule
from biometric_engine.core.images import load_image
from biometric_engine.core.limits import EngineLimits
from biometric_engine.core.quality import require_one_searchable_face


def engine_backend() -> FaceBackend:
    """The bundled FaceNet backend, or insightface when WA_MODEL_PACK_DIR names a local pack."""
    return select_backend(settings.WA_MODEL_PACK_DIR or None)


def lfr_backend() -> FaceBackend:
    """``engine_backend`` for live frames: its detector looks for nothing smaller than
    ``WA_LFR_MIN_FACE_PX`` (the same model and model version; only the search is cheaper)."""
    return select_backend(settings.WA_MODEL_PACK_DIR or None, min_face_px=lfr_min_face_px())


def lfr_min_face_px() -> int:
    """The smallest face a live frame is searched for, on its box's shorter side."""
    return int(settings.WA_LFR_MIN_FACE_PX)


def equity_rule() -> EquityRule:
    """The equitable-minimum rule the settings configure (WA_EQUITY_*): written into every
    report, and the least strict a stored report's rule may be."""
    return EquityRule(
        name=settings.WA_EQUITY_RULE,
        tolerance=settings.WA_EQUITY_FPIR_TOLERANCE,
        confidence=settings.WA_EQUITY_CONFIDENCE,
        min_searches=settings.WA_EQUITY_MIN_SEARCHES,
    )


@lru_cache(maxsize=1)
def engine_limits() -> EngineLimits:
    return EngineLimits(
        max_image_bytes=settings.WA_MAX_IMAGE_BYTES,
        max_image_pixels=settings.WA_MAX_IMAGE_PIXELS,
        max_image_decoded_bytes=settings.WA_MAX_IMAGE_DECODED_BYTES,
        max_video_bytes=settings.WA_MAX_VIDEO_BYTES,
        max_video_seconds=settings.WA_MAX_VIDEO_SECONDS,
        max_video_frame_pixels=settings.WA_MAX_VIDEO_FRAME_PIXELS,
    )


def probe_rules() -> dict[str, float]:
    """One face, enough pixels between the eyes, minimum quality (RFR probes, enrolment)."""
    return {
        "min_inter_eye_px": settings.WA_MIN_INTER_EYE_PX,
        "min_quality": settings.WA_MIN_FACE_QUALITY,
    }


def default_model_version() -> str:
    """The bundled backend's model version, without loading its networks."""
    from biometric_engine.core.backends import FACENET_MODEL, opencv_version

    return f"{FACENET_MODEL}/opencv-{opencv_version()}"


def one_face_template(
    image: bytes, backend: FaceBackend, *, min_quality: float | None = None
) -> tuple[np.ndarray, float]:
    """The template and quality score of the one searchable face in an uploaded image.

    RFR/OIFR probes and enrolments share the rules: within the input limits, exactly one face,
    enough pixels between the eyes, the minimum quality. Callers decide whether they may run
    this at all (the gate, or a standing gallery's enrolment), and may ask for a higher
    minimum quality than the probes' (a watchlist's images).
    """
    rules = probe_rules()
    if min_quality is not None:
        rules["min_quality"] = max(rules["min_quality"], min_quality)
    rgb = load_image(image, limits=engine_limits())
    face, quality = require_one_searchable_face(rgb, backend.detect(rgb), **rules)
    return np.asarray(backend.embed(rgb, face), dtype=np.float32).reshape(-1), quality.score
