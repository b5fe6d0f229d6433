"""Compare probe faces with an index and keep only candidates at or above the threshold.

A face that matches nothing is discarded at once: the result then holds only the count of
faces processed. Nothing here writes to disk or keeps a probe vector: the caller's arrays are
read, and the result carries ids and scores only.
"""

from dataclasses import dataclass

import numpy as np

from .backends import FaceBackend
from .index import FaceIndex


@dataclass(frozen=True, slots=True)
class Candidate:
    """One index entry at or above the threshold for one probe face."""

    id: int
    score: float
    probe: int  # position of the probe face in the input, so alerts can name the face


@dataclass(frozen=True, slots=True)
class MatchResult:
    faces_processed: int
    candidates: tuple[Candidate, ...]  # best score first; empty when nothing reached it
    # Each face's box (x, y, width, height) in the frame, by face index, where the caller
    # searched a frame (the gate's LFR calls fill it in so a deployment can follow a face
    # from frame to frame); positions only, never a vector or pixels. Empty otherwise.
    boxes: tuple[tuple[int, int, int, int], ...] = ()
    # Of those faces, the ones searched (indices into ``boxes``), where the caller chose: a
    # deployment searches a face it follows once, then again only for a better view of it.
    # ``faces_processed`` then counts every face found, ``candidates`` name faces by index.
    searched: tuple[int, ...] = ()


def match_probes(
    probe_vectors: np.ndarray,
    index: FaceIndex,
    *,
    threshold: float,
    max_candidates: int = 1,
) -> MatchResult:
    """Search each probe vector; return candidates scoring ``>= threshold`` and the face count.

    ``max_candidates`` caps the candidates per probe face (an LFR alert names the best entry;
    an RFR list is capped, e.g. at 200).
    """
    if not -1.0 <= threshold <= 1.0:
        raise ValueError("a cosine-similarity threshold lies between -1 and 1")
    if max_candidates < 1:
        raise ValueError("max_candidates must be at least 1")
    probes = np.asarray(probe_vectors, dtype=np.float32)
    if probes.size == 0:
        return MatchResult(faces_processed=0, candidates=())
    probes = probes.reshape(-1, index.dim)
    if len(index) == 0:
        return MatchResult(faces_processed=probes.shape[0], candidates=())
    k = min(max_candidates, len(index))
    scores, ids = index.search_arrays(probes, k)
    candidates = [
        Candidate(id=int(id_), score=float(score), probe=probe)
        for probe, (row_ids, row_scores) in enumerate(zip(ids, scores, strict=True))
        for id_, score in zip(row_ids, row_scores, strict=True)
        if id_ >= 0 and score >= threshold
    ]
    candidates.sort(key=lambda c: (-c.score, c.probe, c.id))
    return MatchResult(faces_processed=probes.shape[0], candidates=tuple(candidates))


def match_image(
    rgb: np.ndarray,
    index: FaceIndex,
    *,
    backend: FaceBackend,
    threshold: float,
    max_candidates: int = 1,
) -> MatchResult:
    """Detect every face in ``rgb``, embed each and match them against ``index``."""
    faces = backend.detect(rgb)
    if not faces:
        return MatchResult(faces_processed=0, candidates=())
    vectors = np.stack([backend.embed(rgb, face) for face in faces])
    return match_probes(vectors, index, threshold=threshold, max_candidates=max_candidates)
