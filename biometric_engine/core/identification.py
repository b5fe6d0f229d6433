"""1:N identification and equitability: FPIR and FNIR across thresholds, overall and per
demographic group, the significant differences between groups and the minimum threshold
that follows. Reports are plain JSON-serialisable dicts tied to the backend's model version.
"""

import csv
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np

from .backends import FaceBackend, select_backend
from .embedding_cache import EmbeddingCache, embed_image_files
from .errors import NotEnoughSearches
from .index import build_from
from .proportions import rate_with_interval, two_proportion_p_value

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
SIGNIFICANCE_LEVEL = 0.05


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
