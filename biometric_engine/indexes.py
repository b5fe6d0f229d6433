"""FAISS indexes built from the database, cached per process and rebuilt when a gallery's
revision changes (every enrolment or removal bumps it)."""

import threading

import numpy as np

from biometric_engine.core.index import FaceIndex, build_from
from biometric_engine.models import EnrolledFace, Gallery

_cache: dict[int, tuple[int, FaceIndex]] = {}
_lock = threading.Lock()


def build_gallery_index(gallery: Gallery) -> FaceIndex:
    """Rebuild a gallery's index from its rows: the database is the source of truth."""
    rows = EnrolledFace.objects.filter(gallery=gallery).values_list("pk", "template")
    ids, templates = [], []
    for pk, template in rows.iterator(chunk_size=10_000):
        ids.append(pk)
        templates.append(np.frombuffer(bytes(template), dtype=np.float32))
    vectors = np.stack(templates) if templates else np.empty((0, 512), np.float32)
    return build_from(vectors, ids)


def index_for(gallery: Gallery) -> FaceIndex:
    revision = Gallery.objects.values_list("revision", flat=True).get(pk=gallery.pk)
    with _lock:
        cached = _cache.get(gallery.pk)
        if cached and cached[0] == revision:
            return cached[1]
    index = build_gallery_index(gallery)
    with _lock:
        _cache[gallery.pk] = (revision, index)
    return index


def forget(gallery_id: int) -> None:
    with _lock:
        _cache.pop(gallery_id, None)
