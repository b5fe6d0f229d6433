"""FAISS indexes built from the database, cached per process and rebuilt when a gallery's
revision changes (every enrolment or removal bumps it)."""

import threading

import numpy as np

from biometric_engine.core.index import FaceIndex, build_from
from biometric_engine.models import EnrolledFace, Gallery

_cache: dict[int, tuple[int, FaceIndex]] = {}
_lock = threading.Lock()


def build_gallery_index(gallery_id: int) -> FaceIndex:
    """Rebuild a gallery's index from its rows: the database is the source of truth."""
    rows = EnrolledFace.objects.filter(gallery_id=gallery_id).values_list("pk", "template")
    ids, templates = [], []
    for pk, template in rows.iterator(chunk_size=10_000):
        ids.append(pk)
        templates.append(np.frombuffer(bytes(template), dtype=np.float32))
    vectors = np.stack(templates) if templates else np.empty((0, 512), np.float32)
    return build_from(vectors, ids)


def index_for(gallery_id: int, *, revision: int | None = None) -> FaceIndex:
    """The gallery's index at ``revision`` (read from its row when not given), cached."""
    if revision is None:
        revision = Gallery.objects.values_list("revision", flat=True).get(pk=gallery_id)
    with _lock:
        cached = _cache.get(gallery_id)
        if cached and cached[0] == revision:
            return cached[1]
    index = build_gallery_index(gallery_id)
    with _lock:
        _cache[gallery_id] = (revision, index)
    return index


def forget(gallery_id: int) -> None:
    with _lock:
        _cache.pop(gallery_id, None)
