"""FAISS indexes built from the database, cached per process and keyed by the gallery's
revision (every enrolment or removal bumps it in the same transaction).

The process that commits a change applies it to its cached index at commit (removed vectors
leave the index with their rows); any other process sees the new revision at its next search
and rebuilds from the rows. Either way a deleted face is never matched after its row is gone.
"""

import threading

import numpy as np
from django.db import transaction

from biometric_engine.core.index import FaceIndex, build_from
from biometric_engine.engine import engine_backend
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
    if not templates:  # an empty gallery: as wide as the running model's templates
        return build_from(np.empty((0, engine_backend().embedding_dim), np.float32), [])
    return build_from(np.stack(templates), ids)


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
        cached = _cache.get(gallery_id)
        if cached is None or cached[0] < revision:  # never step the cache back a revision
            _cache[gallery_id] = (revision, index)
    return index


def forget_all() -> None:
    """Drop every cached index (tests: SQLite gives a rolled-back gallery id out again)."""
    with _lock:
        _cache.clear()


def forget(gallery_id: int) -> None:
    with _lock:
        _cache.pop(gallery_id, None)


def apply_on_commit(
    gallery_id: int,
    *,
    from_revision: int,
    add: tuple[list[int], np.ndarray] | None = None,
    remove: list[int] | None = None,
) -> None:
    """After commit, move this process's cached index from ``from_revision`` to the next.

    The change is applied to a copy, swapped in under the lock, so a search holding the old
    index is never disturbed; a cache at another revision is left to rebuild.
    """

    def apply() -> None:
        with _lock:
            cached = _cache.get(gallery_id)
        if cached is None or cached[0] != from_revision:
            return
        # Copied outside the lock: a large gallery's copy must not hold up other galleries.
        index = FaceIndex.from_bytes(cached[1].to_bytes())
        if remove:
            index.remove_ids(remove)
        if add:
            ids, vectors = add
            index.add(vectors, ids)
        with _lock:
            if _cache.get(gallery_id) is cached:
                _cache[gallery_id] = (from_revision + 1, index)

    transaction.on_commit(apply)
