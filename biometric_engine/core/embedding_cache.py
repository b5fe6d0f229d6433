"""Choosing the face in an image, and caching embeddings by image and model version.

Embeddings are cached by image path (relative to the images folder) and model version, in a
dict or an ``.npz`` file the caller passes, so a repeated run does not recompute them.
"""

import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from .backends import FaceBackend
from .detect import DetectedFace
from .errors import EngineInputError
from .images import load_image

# Told (images embedded so far, images to embed, seconds elapsed) after each image that is not
# in the cache, so a long run can show how far it has come and how long it has left.
Progress = Callable[[int, int, float], None]


def choose_face(faces: Sequence[DetectedFace], image_shape: tuple[int, ...]) -> DetectedFace | None:
    """The face whose box is largest and nearest the image centre, as FaceNet's LFW alignment
    chooses it: box area minus twice the squared distance of its centre from the image centre.
    """
    if not faces:
        return None
    height, width = image_shape[:2]

    def weight(face: DetectedFace) -> float:
        cx, cy = face.centre
        return face.area - 2.0 * ((cx - width / 2.0) ** 2 + (cy - height / 2.0) ** 2)

    return max(faces, key=weight)


class EmbeddingCache:
    """Vectors by image key for one model version, in memory or in an ``.npz`` file.

    A dict passed in is used (and filled) in place, with keys ``"<model>|<image key>"`` so two
    models never share entries. A file holding another model's vectors is ignored and replaced
    on ``save``. A ``None`` entry records that no face was found.
    """

    def __init__(
        self,
        model: str,
        store: dict[str, np.ndarray | None] | None = None,
        path: Path | None = None,
    ) -> None:
        self.model = model
        self.path = path
        self._store: dict[str, np.ndarray | None] = {} if store is None else store
        self._dirty = False
        if path is not None and path.exists():
            self._load(path)

    @classmethod
    def open(
        cls, cache: "EmbeddingCache | dict | str | os.PathLike[str] | None", model: str
    ) -> "EmbeddingCache":
        if isinstance(cache, EmbeddingCache):
            if cache.model != model:
                raise ValueError(f"cache holds {cache.model!r} vectors, not {model!r}")
            return cache
        if isinstance(cache, dict):
            return cls(model, store=cache)
        if cache is None:
            return cls(model)
        return cls(model, path=Path(cache))

    def _key(self, key: str) -> str:
        return f"{self.model}|{key}"

    def lookup(self, key: str) -> tuple[bool, np.ndarray | None]:
        full = self._key(key)
        if full in self._store:
            return True, self._store[full]
        return False, None

    def store(self, key: str, vector: np.ndarray | None) -> None:
        self._store[self._key(key)] = None if vector is None else np.asarray(vector, np.float32)
        self._dirty = True

    def _load(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as data:
            if str(data["model"]) != self.model:
                return
            for key, vector, found in zip(
                data["keys"], data["vectors"], data["found"], strict=True
            ):
                self._store[self._key(str(key))] = vector.astype(np.float32) if found else None

    def save(self) -> None:
        """Write the file (when the cache has one and something changed), atomically."""
        if self.path is None or not self._dirty:
            return
        prefix = f"{self.model}|"
        items = sorted(
            ((k[len(prefix) :], v) for k, v in self._store.items() if k.startswith(prefix)),
            key=lambda item: item[0],
        )
        dim = next((v.shape[0] for _, v in items if v is not None), 0)
        vectors = np.zeros((len(items), dim), dtype=np.float32)
        for row, (_, vector) in enumerate(items):
            if vector is not None:
                vectors[row] = vector
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        with partial.open("wb") as handle:
            np.savez(
                handle,
                model=np.array(self.model),
                keys=np.array([key for key, _ in items], dtype=str),
                vectors=vectors,
                found=np.array([vector is not None for _, vector in items], dtype=bool),
            )
        partial.replace(self.path)
        self._dirty = False


def embed_image_files(
    keys: Iterable[str],
    images_dir: str | os.PathLike[str],
    *,
    backend: FaceBackend,
    cache: EmbeddingCache,
    progress: Progress | None = None,
) -> dict[str, np.ndarray | None]:
    """Embed the chosen face of each image (``key`` is its path under ``images_dir``).

    Returns a vector, or ``None`` where no face was found or the file was refused.
    ``progress`` is told after each image embedded (cached ones cost nothing and are not
    counted).
    """
    root = Path(images_dir)
    out: dict[str, np.ndarray | None] = {}
    unique = list(dict.fromkeys(keys))
    to_embed = [key for key in unique if not cache.lookup(key)[0]]
    started, done = time.monotonic(), 0
    for key in unique:
        hit, vector = cache.lookup(key)
        if not hit:
            vector = _embed_file(root / key, backend)
            cache.store(key, vector)
            done += 1
            if progress is not None:
                progress(done, len(to_embed), time.monotonic() - started)
        out[key] = vector
    return out


def _embed_file(path: Path, backend: FaceBackend) -> np.ndarray | None:
    try:
        rgb = load_image(path)
    except (EngineInputError, FileNotFoundError):
        return None
    face = choose_face(backend.detect(rgb), rgb.shape)
    return None if face is None else backend.embed(rgb, face)
