"""A per-face quality score, so enrolment and RFR probes can be held to a minimum.

Three components, each in [0, 1]:

* size: pixels between the eyes, against a target (ISO/IEC 19794-5 asks 90 for passport
  photos; 60 is the usual floor for reliable matching, and the default target here);
* sharpness: variance of the Laplacian of the face, measured after resizing the face box to a
  fixed size so that it reflects blur, not resolution (size is counted separately);
* pose: how far the nose sits from the midpoint between the eyes; a face turned away puts the
  nose near one eye.

The overall score is their geometric mean, so one very poor component pulls it down even when
the others are good.
"""

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .detect import DetectedFace
from .errors import FaceQualityTooLow, FaceTooSmall, NoFaceFound, SeveralFaces
from .images import check_rgb

TARGET_INTER_EYE_PX = 60.0
SHARPNESS_SIZE = 112
# Variance of the Laplacian that scores 0.5. Measured on LFW news photos: 36-200 (median 83);
# the same faces blurred with a 3-pixel Gaussian: 5-13.
SHARPNESS_HALF_POINT = 50.0
# Asymmetry that scores 0: the nose in line with one eye.
MAX_ASYMMETRY = 1.0


@dataclass(frozen=True, slots=True)
class FaceQuality:
    score: float
    inter_eye_px: float
    size_score: float
    sharpness: float
    sharpness_score: float
    asymmetry: float
    pose_score: float

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.__slots__}


def inter_eye_distance(face: DetectedFace) -> float:
    (lx, ly), (rx, ry) = face.landmarks[0], face.landmarks[1]
    return math.hypot(rx - lx, ry - ly)


def laplacian_variance(rgb: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Variance of the Laplacian of the face box, resized to SHARPNESS_SIZE² in grey."""
    x, y, w, h = box
    crop = rgb[y : y + h, x : x + w]
    if crop.size == 0:
        return 0.0
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    shrinking = w > SHARPNESS_SIZE
    grey = cv2.resize(
        grey,
        (SHARPNESS_SIZE, SHARPNESS_SIZE),
        interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR,
    )
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def landmark_asymmetry(face: DetectedFace) -> float:
    """How far the nose sits from the midpoint between the eyes, along the line through the
    eyes, in half inter-eye distances: 0 for a frontal face, 1 with the nose in line with one
    eye (a face turned about 45 degrees or more). Measured along the eye line, so a tilted
    (rolled) head does not count as turned.
    """
    (lx, ly), (rx, ry), (nx, ny) = face.landmarks[0], face.landmarks[1], face.landmarks[2]
    ex, ey = rx - lx, ry - ly
    half = math.hypot(ex, ey) / 2.0
    if half == 0:
        return 1.0
    mx, my = (lx + rx) / 2.0, (ly + ry) / 2.0
    along = ((nx - mx) * ex + (ny - my) * ey) / (2.0 * half)
    return abs(along) / half


def assess_face_quality(
    rgb: np.ndarray,
    face: DetectedFace,
    *,
    target_inter_eye_px: float = TARGET_INTER_EYE_PX,
    sharpness_half_point: float = SHARPNESS_HALF_POINT,
    max_asymmetry: float = MAX_ASYMMETRY,
) -> FaceQuality:
    """Score one detected face of ``rgb`` in [0, 1], with its components."""
    check_rgb(rgb)
    inter_eye = inter_eye_distance(face)
    size_score = min(1.0, inter_eye / target_inter_eye_px)
    sharpness = laplacian_variance(rgb, face.box)
    sharpness_score = sharpness / (sharpness + sharpness_half_point)
    asymmetry = landmark_asymmetry(face)
    pose_score = max(0.0, 1.0 - asymmetry / max_asymmetry)
    score = (size_score * sharpness_score * pose_score) ** (1.0 / 3.0)
    return FaceQuality(
        score=score,
        inter_eye_px=inter_eye,
        size_score=size_score,
        sharpness=sharpness,
        sharpness_score=sharpness_score,
        asymmetry=asymmetry,
        pose_score=pose_score,
    )


def require_one_searchable_face(
    rgb: np.ndarray,
    faces: list[DetectedFace],
    *,
    min_inter_eye_px: float,
    min_quality: float = 0.0,
) -> tuple[DetectedFace, FaceQuality]:
    """The enrolment / RFR probe rule: exactly one face, enough pixels between the eyes, and
    a quality score at or above ``min_quality``.

    Raises ``NoFaceFound``, ``SeveralFaces``, ``FaceTooSmall`` or ``FaceQualityTooLow``.
    """
    if not faces:
        raise NoFaceFound()
    if len(faces) > 1:
        raise SeveralFaces(f"The image holds {len(faces)} faces. Crop it to the one person sought.")
    face = faces[0]
    quality = assess_face_quality(rgb, face)
    if quality.inter_eye_px < min_inter_eye_px:
        raise FaceTooSmall(
            f"There are {quality.inter_eye_px:.0f} pixels between the eyes; at least "
            f"{min_inter_eye_px:.0f} are needed. Use a larger or closer image."
        )
    if quality.score < min_quality:
        raise FaceQualityTooLow(
            f"The face scores {quality.score:.2f} for quality (size {quality.size_score:.2f}, "
            f"sharpness {quality.sharpness_score:.2f}, pose {quality.pose_score:.2f}); at "
            f"least {min_quality:.2f} is needed."
        )
    return face, quality
