"""LFW 1:1 verification: the pairs protocol, thresholds, TAR at a FAR, cross-validation."""

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .backends import FaceBackend, select_backend
from .embedding_cache import EmbeddingCache, Progress, embed_image_files
from .errors import NotEnoughPairs

DEFAULT_FOLDS = 10
DEFAULT_FAR = 0.001
# Score given to a pair when a face was not found in one of its images: below any cosine
# similarity, so the pair counts as "not the same person" (a miss for a genuine pair).
NO_FACE_SCORE = -1.0


@dataclass(frozen=True, slots=True)
class Pair:
    left: str
    right: str
    genuine: bool
    fold: int


def lfw_image_key(name: str, number: int | str) -> str:
    return f"{name}/{name}_{int(number):04d}.jpg"


def parse_pairs(path: str | os.PathLike[str]) -> tuple[list[Pair], int]:
    """Read an LFW ``pairs.txt``: first line ``folds pairs``; then, per fold, that many
    genuine lines ``name n1 n2`` followed by as many impostor lines ``name1 n1 name2 n2``.

    Returns the pairs and the number of folds.
    """
    lines = [line.split() for line in Path(path).read_text().splitlines() if line.strip()]
    if not lines or len(lines[0]) != 2:
        raise ValueError("the first line of pairs.txt must give the folds and pairs per half")
    folds, per_half = int(lines[0][0]), int(lines[0][1])
    body = lines[1:]
    if len(body) != folds * 2 * per_half:
        raise ValueError(f"expected {folds * 2 * per_half} pairs, found {len(body)}")
    pairs = []
    for row, fields in enumerate(body):
        fold = row // (2 * per_half)
        if len(fields) == 3:
            name, first, second = fields
            pairs.append(Pair(lfw_image_key(name, first), lfw_image_key(name, second), True, fold))
        elif len(fields) == 4:
            name1, first, name2, second = fields
            pairs.append(
                Pair(lfw_image_key(name1, first), lfw_image_key(name2, second), False, fold)
            )
        else:
            raise ValueError(
                f"line {row + 2} of pairs.txt is neither a genuine nor an impostor pair"
            )
    return pairs, folds


def accuracy_at(scores: np.ndarray, genuine: np.ndarray, threshold: float) -> float:
    """Share of pairs classified right when ``score >= threshold`` means "same person"."""
    scores, genuine = np.asarray(scores), np.asarray(genuine, dtype=bool)
    return float(np.mean((scores >= threshold) == genuine))


def best_threshold(scores: np.ndarray, genuine: np.ndarray) -> tuple[float, float]:
    """The threshold with the highest accuracy on these pairs, and that accuracy.

    Candidates are the midpoints between consecutive distinct scores (plus accept-all and
    reject-all); on a tie the lowest threshold wins.
    """
    scores = np.asarray(scores, dtype=np.float64)
    genuine = np.asarray(genuine, dtype=bool)
    distinct = np.unique(scores)
    candidates = np.concatenate(
        [[distinct[0]], (distinct[:-1] + distinct[1:]) / 2.0, [np.nextafter(distinct[-1], np.inf)]]
    )
    genuine_sorted = np.sort(scores[genuine])
    impostor_sorted = np.sort(scores[~genuine])
    accepted_genuine = genuine_sorted.size - np.searchsorted(genuine_sorted, candidates, "left")
    rejected_impostor = np.searchsorted(impostor_sorted, candidates, "left")
    accuracies = (accepted_genuine + rejected_impostor) / scores.size
    best = int(np.argmax(accuracies))
    return float(candidates[best]), float(accuracies[best])


def threshold_at_far(impostor_scores: np.ndarray, far: float) -> float:
    """The lowest threshold at which at most ``far`` of these impostor scores are accepted."""
    ordered = np.sort(np.asarray(impostor_scores, dtype=np.float64))[::-1]
    allowed = math.floor(far * ordered.size + 1e-9)
    if allowed >= ordered.size:
        return float(ordered[-1])
    # Strictly above the (allowed + 1)-th highest impostor score.
    return float(np.nextafter(ordered[allowed], np.inf))


def tar_at_far(scores: np.ndarray, genuine: np.ndarray, far: float) -> tuple[float, float]:
    """True accept rate at the threshold giving false accept rate ``far``: (TAR, threshold)."""
    scores, genuine = np.asarray(scores), np.asarray(genuine, dtype=bool)
    threshold = threshold_at_far(scores[~genuine], far)
    return float(np.mean(scores[genuine] >= threshold)), threshold


def stratified_folds(genuine: np.ndarray, k: int = DEFAULT_FOLDS) -> np.ndarray:
    """A fold number per pair: genuine and impostor pairs each cut into ``k`` contiguous runs,
    so every fold holds both kinds in the same proportion. Deterministic (no shuffling).
    """
    genuine = np.asarray(genuine, dtype=bool)
    folds = np.empty(genuine.size, dtype=int)
    for kind in (True, False):
        positions = np.flatnonzero(genuine == kind)
        for fold, chunk in enumerate(np.array_split(positions, k)):
            folds[chunk] = fold
    return folds


def cross_validated_verification(
    scores: np.ndarray, genuine: np.ndarray, folds: np.ndarray, *, far: float = DEFAULT_FAR
) -> dict[str, float]:
    """For each fold: choose the thresholds on the other folds, measure on this one.

    Returns accuracy and its standard deviation across folds (population SD, as LFW results
    are usually reported), both in percent; TAR at ``far`` in percent (threshold set on the
    training folds' impostors); and the mean of the folds' accuracy thresholds.
    """
    scores = np.asarray(scores, dtype=np.float64)
    genuine = np.asarray(genuine, dtype=bool)
    folds = np.asarray(folds)
    require_enough_pairs(genuine, np.ones(genuine.size, dtype=bool), folds)
    accuracies, tars, thresholds = [], [], []
    for fold in np.unique(folds):
        test = folds == fold
        train = ~test
        threshold, _ = best_threshold(scores[train], genuine[train])
        accuracies.append(accuracy_at(scores[test], genuine[test], threshold))
        far_threshold = threshold_at_far(scores[train & ~genuine], far)
        tars.append(float(np.mean(scores[test & genuine] >= far_threshold)))
        thresholds.append(threshold)
    return {
        "accuracy": 100.0 * float(np.mean(accuracies)),
        "accuracy_sd": 100.0 * float(np.std(accuracies)),
        "tar_at_far": 100.0 * float(np.mean(tars)),
        "threshold": float(np.mean(thresholds)),
    }


def require_enough_pairs(genuine: np.ndarray, usable: np.ndarray, folds: np.ndarray) -> None:
    """Raise ``NotEnoughPairs`` unless the pairs can measure anything: both kinds, with a face
    found in both images (``usable``), and both kinds outside every fold to choose its
    threshold on. Without them cross-validation still "works" and reports chance (50 % at
    threshold -1.0, every pair scored as a missed face) or fails on an empty fold.
    """
    genuine, usable = np.asarray(genuine, dtype=bool), np.asarray(usable, dtype=bool)
    folds = np.asarray(folds)
    if genuine.size == 0:
        raise NotEnoughPairs("The pairs file holds no pairs, so there is nothing to measure.")
    if genuine.all() or not genuine.any():
        raise NotEnoughPairs(
            f"The pairs file holds {np.count_nonzero(genuine)} genuine and "
            f"{np.count_nonzero(~genuine)} impostor pairs; verification needs both kinds."
        )
    kept_genuine = int(np.count_nonzero(usable & genuine))
    kept_impostor = int(np.count_nonzero(usable & ~genuine))
    if kept_genuine + kept_impostor == 0:
        raise NotEnoughPairs(
            f"No face was found in both images of any of the {genuine.size} pairs, so there is "
            "nothing to measure. Check that the images folder holds the pairs' images."
        )
    if not (kept_genuine and kept_impostor):
        raise NotEnoughPairs(
            f"A face was found in both images of {kept_genuine} genuine and {kept_impostor} "
            "impostor pairs; verification needs pairs of both kinds."
        )
    for fold in np.unique(folds):
        others = usable & (folds != fold)
        if not ((others & genuine).any() and (others & ~genuine).any()):
            raise NotEnoughPairs(
                f"Too few pairs with a face in both images ({kept_genuine} genuine, "
                f"{kept_impostor} impostor) to cross-validate: each fold's threshold is chosen "
                "on the other folds, which must hold both kinds. Use more pairs."
            )


def evaluate_lfw(
    pairs_file: str | os.PathLike[str],
    images_dir: str | os.PathLike[str],
    *,
    backend: FaceBackend | None = None,
    cache: EmbeddingCache | dict | str | os.PathLike[str] | None = None,
    folds: int = DEFAULT_FOLDS,
    progress: Progress | None = None,
) -> dict[str, float | int | str]:
    """LFW verification accuracy of ``backend`` (default: the OpenCV backend).

    With the standard ten folds, each fold is tested with thresholds chosen on the other
    nine. With a single fold (a sample such as fold 1 alone), the pairs are cut into ``folds``
    stratified splits and cross-validated the same way. A pair whose image has no detected face
    scores ``NO_FACE_SCORE``; ``NotEnoughPairs`` is raised when too few pairs have a face found
    in both images to measure anything (``require_enough_pairs``). Keys: ``accuracy`` (%),
    ``accuracy_sd`` (%), ``tar_at_far_0.001`` (%), ``threshold``, ``pairs``,
    ``faces_not_found``, ``model``.
    """
    backend = backend or select_backend()
    store = EmbeddingCache.open(cache, backend.model_version)
    pairs, file_folds = parse_pairs(pairs_file)
    genuine = np.array([p.genuine for p in pairs], dtype=bool)
    if file_folds > 1:
        fold_of = np.array([p.fold for p in pairs], dtype=int)
    else:
        fold_of = stratified_folds(genuine, folds)
    # The pairs file alone may already say nothing can be measured: say so before embedding.
    require_enough_pairs(genuine, np.ones(genuine.size, dtype=bool), fold_of)
    keys = [key for pair in pairs for key in (pair.left, pair.right)]
    vectors = embed_image_files(keys, images_dir, backend=backend, cache=store, progress=progress)
    store.save()

    usable = np.array(
        [vectors[p.left] is not None and vectors[p.right] is not None for p in pairs], dtype=bool
    )
    scores = np.array(
        [
            float(np.dot(vectors[p.left], vectors[p.right])) if found else NO_FACE_SCORE
            for p, found in zip(pairs, usable, strict=True)
        ],
        dtype=np.float64,
    )
    require_enough_pairs(genuine, usable, fold_of)
    result = cross_validated_verification(scores, genuine, fold_of, far=DEFAULT_FAR)
    return {
        "accuracy": result["accuracy"],
        "accuracy_sd": result["accuracy_sd"],
        "tar_at_far_0.001": result["tar_at_far"],
        "threshold": result["threshold"],
        "pairs": len(pairs),
        "faces_not_found": sum(vector is None for vector in vectors.values()),
        "model": backend.model_version,
    }
