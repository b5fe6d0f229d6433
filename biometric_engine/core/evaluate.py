"""Accuracy of a face backend: LFW 1:1 verification and 1:N identification with equality.

Verification follows the LFW protocol (``pairs.txt``); identification builds a watchlist
from an identity-labelled folder (``Name/*.jpg``) and measures FPIR and FNIR across
thresholds, overall and per demographic group, from which it derives the model's minimum
threshold. Reports are plain JSON-serialisable dicts tied to the backend's model version.

Embeddings are cached by image path (relative to the images folder) and model version, in a
dict or an ``.npz`` file the caller passes, so a repeated run does not recompute them.
"""

import argparse
import csv
import hashlib
import json
import math
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np

from .backends import FaceBackend, select_backend
from .detect import DetectedFace
from .errors import EngineInputError, NotEnoughPairs, NotEnoughSearches
from .images import load_image
from .index import build_from

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
DEFAULT_FOLDS = 10
DEFAULT_FAR = 0.001
# Score given to a pair when a face was not found in one of its images: below any cosine
# similarity, so the pair counts as "not the same person" (a miss for a genuine pair).
NO_FACE_SCORE = -1.0
SIGNIFICANCE_LEVEL = 0.05
Z_95 = 1.959963984540054


# ---------------------------------------------------------------------------------------------
# Choosing the face and caching embeddings


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
) -> dict[str, np.ndarray | None]:
    """Embed the chosen face of each image (``key`` is its path under ``images_dir``).

    Returns a vector, or ``None`` where no face was found or the file was refused.
    """
    root = Path(images_dir)
    out: dict[str, np.ndarray | None] = {}
    for key in keys:
        if key in out:
            continue
        hit, vector = cache.lookup(key)
        if not hit:
            vector = _embed_file(root / key, backend)
            cache.store(key, vector)
        out[key] = vector
    return out


def _embed_file(path: Path, backend: FaceBackend) -> np.ndarray | None:
    try:
        rgb = load_image(path)
    except (EngineInputError, FileNotFoundError):
        return None
    face = choose_face(backend.detect(rgb), rgb.shape)
    return None if face is None else backend.embed(rgb, face)


# ---------------------------------------------------------------------------------------------
# 1:1 verification (LFW)


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
    vectors = embed_image_files(keys, images_dir, backend=backend, cache=store)
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


# ---------------------------------------------------------------------------------------------
# Proportions: confidence intervals and significance


def wilson_interval(successes: int, trials: int, *, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % by default); (0, 1) when there are no
    trials. Unlike the normal approximation it stays inside [0, 1] and is sound for rates near
    0, such as FPIR.
    """
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_p_value(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test; 1.0 when it cannot differ
    (no trials on a side, or no errors / only errors in both groups).
    """
    if n1 <= 0 or n2 <= 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x1 / n1 - x2 / n2) / se
    return math.erfc(abs(z) / math.sqrt(2))


def rate_with_interval(
    count: int, searches: int, *, counted: str = "errors"
) -> dict[str, float | int | None]:
    """A proportion with its 95 % Wilson interval and the counts behind it; ``counted`` names
    what ``count`` counts ("errors" for FPIR / FNIR, "hits" for identification rates)."""
    low, high = wilson_interval(count, searches)
    return {
        "rate": count / searches if searches else None,
        "ci_low": low,
        "ci_high": high,
        counted: int(count),
        "searches": int(searches),
    }


# ---------------------------------------------------------------------------------------------
# 1:N identification


@dataclass
class IdentificationSearches:
    """Outcome of every search, before any threshold is applied.

    Mated searches (the person is on the watchlist) keep the score and rank of the person's
    own entry; non-mated searches keep the best score of any entry. A probe with no face gets
    score -inf and rank 0 (never found), as a search that returned nothing.
    """

    watchlist_size: int
    mated_identities: list[str] = field(default_factory=list)
    mated_scores: np.ndarray = field(default_factory=lambda: np.empty(0))
    mated_ranks: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    non_mated_identities: list[str] = field(default_factory=list)
    non_mated_top_scores: np.ndarray = field(default_factory=lambda: np.empty(0))
    faces_not_found: int = 0
    enrolment_failures: int = 0


def fnir_errors(scores: np.ndarray, ranks: np.ndarray, threshold: float, rank: int = 1) -> int:
    """Mated searches that miss: the person's entry is not within ``rank`` at or above the
    threshold (rank 0 means never returned)."""
    found = (ranks >= 1) & (ranks <= rank) & (scores >= threshold)
    return int(np.count_nonzero(~found))


def fpir_errors(top_scores: np.ndarray, threshold: float) -> int:
    """Non-mated searches that return any candidate at or above the threshold."""
    return int(np.count_nonzero(np.asarray(top_scores) >= threshold))


def identification_rate(ranks: np.ndarray, rank: int) -> dict[str, float | int | None]:
    """Rank-``rank`` identification rate of these mated searches, whatever the threshold: the
    share whose own entry comes back within the first ``rank`` candidates (rank 0, no face
    found, is a miss), with its 95 % Wilson interval, hits and searches."""
    ranks = np.asarray(ranks)
    hits = int(np.count_nonzero((ranks >= 1) & (ranks <= rank)))
    return rate_with_interval(hits, int(ranks.size), counted="hits")


def rates_by_threshold(
    mated_scores: np.ndarray,
    mated_ranks: np.ndarray,
    non_mated_top_scores: np.ndarray,
    thresholds: Sequence[float],
    *,
    rank: int = 1,
) -> list[dict]:
    """FPIR and FNIR (with 95 % Wilson intervals and counts) at each threshold."""
    mated_scores = np.asarray(mated_scores, dtype=np.float64)
    mated_ranks = np.asarray(mated_ranks)
    non_mated_top_scores = np.asarray(non_mated_top_scores, dtype=np.float64)
    return [
        {
            "threshold": float(t),
            "fpir": rate_with_interval(
                fpir_errors(non_mated_top_scores, t), non_mated_top_scores.size
            ),
            "fnir": rate_with_interval(
                fnir_errors(mated_scores, mated_ranks, t, rank), mated_scores.size
            ),
        }
        for t in thresholds
    ]


def significant_differences(
    by_group: dict[str, list[dict]], *, alpha: float = SIGNIFICANCE_LEVEL
) -> list[dict]:
    """Per threshold, the pairs of groups whose FPIR or FNIR differ significantly.

    The test is the pooled two-proportion z-test, two-sided, at ``alpha`` (5 %), on each pair
    of groups and each metric, with no correction for the number of comparisons: more
    comparisons flag more differences, which errs towards a higher minimum threshold. A group
    with no searches of a kind is left out of that metric's comparisons.
    """
    groups = sorted(by_group)
    if not groups:
        return []
    out = []
    for position, row in enumerate(by_group[groups[0]]):
        flagged = []
        for metric in ("fpir", "fnir"):
            for a, b in combinations(groups, 2):
                ra, rb = by_group[a][position][metric], by_group[b][position][metric]
                if not ra["searches"] or not rb["searches"]:
                    continue
                p = two_proportion_p_value(
                    ra["errors"], ra["searches"], rb["errors"], rb["searches"]
                )
                if p < alpha:
                    flagged.append({"metric": metric, "groups": [a, b], "p_value": p})
        out.append({"threshold": row["threshold"], "significant": flagged})
    return out


def minimum_equitable_threshold(differences: list[dict]) -> float | None:
    """The lowest threshold from which upwards no pair of groups differs significantly.

    Every listed threshold at or above it must be free of significant differences (as NPL's
    finding reads "no significant difference at 0.6 and above"); None when even the highest
    differs. Not finding a difference is not proof of equality: small groups have little
    power, so the report carries the counts behind every rate.
    """
    ordered = sorted(differences, key=lambda row: row["threshold"])
    minimum = None
    for row in reversed(ordered):
        if row["significant"]:
            break
        minimum = row["threshold"]
    return minimum


def read_group_labels(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read ``identity,group`` rows (a header row ``identity,group`` is allowed)."""
    labels: dict[str, str] = {}
    with Path(path).open(newline="") as handle:
        for row in csv.reader(handle):
            if len(row) < 2 or not row[0].strip():
                continue
            identity, group = row[0].strip(), row[1].strip()
            if (identity.lower(), group.lower()) == ("identity", "group"):
                continue
            labels[identity] = group
    return labels


def _on_watchlist(identity: str, fraction: float) -> bool:
    # A stable split (not Python's salted hash), so every run enrols the same people.
    digest = hashlib.sha256(identity.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def list_identity_images(images_dir: str | os.PathLike[str]) -> dict[str, list[str]]:
    """``{identity: [image keys]}`` for a folder laid out as ``Name/*.jpg``, sorted."""
    root = Path(images_dir)
    out = {}
    for person in sorted(p for p in root.iterdir() if p.is_dir()):
        keys = sorted(
            f"{person.name}/{f.name}"
            for f in person.iterdir()
            if f.suffix.lower() in IMAGE_SUFFIXES
        )
        if keys:
            out[person.name] = keys
    return out


def collect_identification_searches(
    images_dir: str | os.PathLike[str],
    *,
    backend: FaceBackend,
    cache: EmbeddingCache,
    watchlist_fraction: float = 0.5,
) -> IdentificationSearches:
    """Build a watchlist from the folder and run every search against it (exact index).

    Of the people with two or more images, a stable ``watchlist_fraction`` is enrolled with
    their first image (in name order) where a face is found; their other images are mated
    searches. Everyone else's images are non-mated searches.
    """
    people = list_identity_images(images_dir)
    vectors = embed_image_files(
        [key for keys in people.values() for key in keys], images_dir, backend=backend, cache=cache
    )
    enrolled: list[tuple[str, np.ndarray]] = []
    mated_probes: list[tuple[str, np.ndarray | None]] = []
    non_mated_probes: list[tuple[str, np.ndarray | None]] = []
    failures = 0
    for identity, keys in people.items():
        if len(keys) >= 2 and _on_watchlist(identity, watchlist_fraction):
            enrolment = next((k for k in keys if vectors[k] is not None), None)
            if enrolment is None:
                failures += 1
                continue
            enrolled.append((identity, vectors[enrolment]))
            mated_probes += [(identity, vectors[k]) for k in keys if k != enrolment]
        else:
            non_mated_probes += [(identity, vectors[k]) for k in keys]

    searches = IdentificationSearches(watchlist_size=len(enrolled), enrolment_failures=failures)
    searches.faces_not_found = sum(v is None for v in vectors.values())
    if not enrolled:
        return searches
    index = build_from(np.stack([v for _, v in enrolled]), np.arange(len(enrolled)), kind="exact")
    row_of = {identity: row for row, (identity, _) in enumerate(enrolled)}

    scores, ranks = [], []
    for identity, vector in mated_probes:
        if vector is None:
            scores.append(-np.inf)
            ranks.append(0)
            continue
        hits = index.search(vector, len(index))[0]
        position = next(i for i, (id_, _) in enumerate(hits) if id_ == row_of[identity])
        scores.append(hits[position][1])
        ranks.append(position + 1)
    searches.mated_identities = [identity for identity, _ in mated_probes]
    searches.mated_scores = np.array(scores, dtype=np.float64)
    searches.mated_ranks = np.array(ranks, dtype=int)

    tops = [
        -np.inf if vector is None else index.search(vector, 1)[0][0][1]
        for _, vector in non_mated_probes
    ]
    searches.non_mated_identities = [identity for identity, _ in non_mated_probes]
    searches.non_mated_top_scores = np.array(tops, dtype=np.float64)
    return searches


def require_enough_searches(searches: IdentificationSearches) -> None:
    """Raise ``NotEnoughSearches`` unless someone was enrolled and both kinds of search had a
    face to search with. Otherwise every rate is 0 % or 100 % at every threshold, no group
    differs from another, and the lowest threshold would pass as the equitable minimum."""
    mated = int(np.count_nonzero(np.isfinite(searches.mated_scores)))
    non_mated = int(np.count_nonzero(np.isfinite(searches.non_mated_top_scores)))
    if searches.watchlist_size and mated and non_mated:
        return
    raise NotEnoughSearches(
        f"Faces were found for a watchlist of {searches.watchlist_size}, {mated} mated and "
        f"{non_mated} non-mated searches ({searches.faces_not_found} images without a face); "
        "identification rates need at least one of each. Check the images folder."
    )


def equitability_report(
    searches: IdentificationSearches,
    thresholds: Sequence[float],
    *,
    model: str,
    groups: dict[str, str] | None = None,
    rank: int = 1,
) -> dict:
    """The equitability report: FPIR and FNIR with 95 % intervals across thresholds, overall
    and per group, significant group differences, and the minimum threshold derived from them.

    Rank-1 and rank-10 identification rates (threshold-free, with 95 % intervals) are given
    overall (``rank_1``, ``rank_10``) and per group (``groups[name]["rank_1"]`` and
    ``["rank_10"]``, on that group's mated searches). They are descriptive: the significance
    tests and the minimum threshold use FPIR and FNIR only.
    """
    thresholds = sorted(float(t) for t in thresholds)
    ranks = searches.mated_ranks
    mated_total = len(searches.mated_identities)
    report: dict = {
        "model": model,
        "protocol": {
            "rank": rank,
            "interval": "Wilson score interval, 95 %",
            "significance_test": "pooled two-proportion z-test, two-sided, 5 %, per pair of groups",
            "minimum_threshold_rule": "lowest threshold from which upwards no pair of groups "
            "differs significantly in FPIR or FNIR",
        },
        "watchlist_size": searches.watchlist_size,
        "searches": {"mated": mated_total, "non_mated": len(searches.non_mated_identities)},
        "faces_not_found": searches.faces_not_found,
        "enrolment_failures": searches.enrolment_failures,
        "rank_1": identification_rate(ranks, 1),
        "rank_10": identification_rate(ranks, 10),
        "thresholds": thresholds,
        "overall": rates_by_threshold(
            searches.mated_scores, ranks, searches.non_mated_top_scores, thresholds, rank=rank
        ),
        "groups": {},
        "unlabelled_identities": 0,
        "differences": [],
        "minimum_threshold": None,
    }
    if not groups:
        return report

    mated_ids = np.array(searches.mated_identities, dtype=object)
    non_mated_ids = np.array(searches.non_mated_identities, dtype=object)
    identities = set(searches.mated_identities) | set(searches.non_mated_identities)
    report["unlabelled_identities"] = len(identities - set(groups))
    by_group = {}
    for group in sorted({groups[i] for i in identities if i in groups}):
        members = {i for i in identities if groups.get(i) == group}
        mated = np.array([i in members for i in mated_ids], dtype=bool)
        non_mated = np.array([i in members for i in non_mated_ids], dtype=bool)
        rows = rates_by_threshold(
            searches.mated_scores[mated] if mated.size else np.empty(0),
            ranks[mated] if mated.size else np.empty(0, dtype=int),
            searches.non_mated_top_scores[non_mated] if non_mated.size else np.empty(0),
            thresholds,
            rank=rank,
        )
        by_group[group] = rows
        group_ranks = ranks[mated] if mated.size else np.empty(0, dtype=int)
        report["groups"][group] = {
            "identities": len(members),
            "searches": {"mated": int(mated.sum()), "non_mated": int(non_mated.sum())},
            "rank_1": identification_rate(group_ranks, 1),
            "rank_10": identification_rate(group_ranks, 10),
            "by_threshold": rows,
        }
    report["differences"] = significant_differences(by_group)
    report["minimum_threshold"] = minimum_equitable_threshold(report["differences"])
    return report


def evaluate_identification(
    images_dir: str | os.PathLike[str],
    thresholds: Sequence[float],
    *,
    backend: FaceBackend | None = None,
    cache: EmbeddingCache | dict | str | os.PathLike[str] | None = None,
    groups_csv: str | os.PathLike[str] | None = None,
    watchlist_fraction: float = 0.5,
    rank: int = 1,
) -> dict:
    """Run 1:N identification on an identity-labelled folder; return the equitability report.

    Raises ``NotEnoughSearches`` when no face was found to enrol or to search with."""
    backend = backend or select_backend()
    store = EmbeddingCache.open(cache, backend.model_version)
    searches = collect_identification_searches(
        images_dir, backend=backend, cache=store, watchlist_fraction=watchlist_fraction
    )
    store.save()
    require_enough_searches(searches)
    groups = read_group_labels(groups_csv) if groups_csv else None
    return equitability_report(
        searches, thresholds, model=backend.model_version, groups=groups, rank=rank
    )


# ---------------------------------------------------------------------------------------------
# Command line


def _summary(result: dict) -> str:
    return (
        f"LFW verification, {result['pairs']} pairs, model {result['model']}\n"
        f"  accuracy          {result['accuracy']:.2f} % "
        f"(SD {result['accuracy_sd']:.2f} across folds)\n"
        f"  TAR at FAR 0.1 %  {result['tar_at_far_0.001']:.2f} %\n"
        f"  threshold         {result['threshold']:.4f} (cosine similarity)\n"
        f"  faces not found   {result['faces_not_found']}"
    )


def _report_summary(report: dict) -> str:
    lines = [
        f"1:N identification, watchlist {report['watchlist_size']}, "
        f"{report['searches']['mated']} mated / "
        f"{report['searches']['non_mated']} non-mated searches",
        f"  rank-1 {100 * (report['rank_1']['rate'] or 0):.1f} %, "
        f"rank-10 {100 * (report['rank_10']['rate'] or 0):.1f} %",
    ]
    for row in report["overall"]:
        fpir, fnir = row["fpir"], row["fnir"]
        lines.append(
            f"  t={row['threshold']:.2f}  FPIR {100 * (fpir['rate'] or 0):5.1f} % "
            f"[{100 * fpir['ci_low']:.1f}, {100 * fpir['ci_high']:.1f}]  "
            f"FNIR {100 * (fnir['rate'] or 0):5.1f} % "
            f"[{100 * fnir['ci_low']:.1f}, {100 * fnir['ci_high']:.1f}]"
        )
    if report["groups"]:
        lines.append(f"  minimum threshold: {report['minimum_threshold']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m biometric_engine.core.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--pairs", required=True, help="LFW pairs.txt")
    parser.add_argument("--images", required=True, help="folder of Name/Name_NNNN.jpg images")
    parser.add_argument("--json", help="write the verification result here as JSON")
    parser.add_argument("--cache", help="embedding cache (.npz), reused between runs")
    parser.add_argument("--model-pack", help="insightface model pack directory (default: OpenCV)")
    parser.add_argument("--identification", help="also run 1:N; write the equitability report here")
    parser.add_argument("--groups", help="CSV of identity,group for the per-group breakdown")
    parser.add_argument(
        "--thresholds",
        default="0.30,0.35,0.40,0.45,0.50,0.55,0.60,0.65,0.70",
        help="comma-separated thresholds for the 1:N report",
    )
    args = parser.parse_args(argv)

    backend = select_backend(args.model_pack)
    cache = EmbeddingCache.open(args.cache, backend.model_version)
    try:
        result = evaluate_lfw(args.pairs, args.images, backend=backend, cache=cache)
        print(_summary(result))
        if args.json:
            _write_json(args.json, result)
        if args.identification:
            thresholds = [float(t) for t in args.thresholds.split(",") if t.strip()]
            report = evaluate_identification(
                args.images, thresholds, backend=backend, cache=cache, groups_csv=args.groups
            )
            print(_report_summary(report))
            _write_json(args.identification, report)
    except (NotEnoughPairs, NotEnoughSearches) as error:
        # One line and a failing status, never figures that measure nothing.
        print(error.detail, file=sys.stderr)
        return 1
    return 0


def _write_json(path: str, data: dict) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n")


if __name__ == "__main__":
    sys.exit(main())
