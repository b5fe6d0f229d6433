"""1:N identification and equitability: FPIR and FNIR across thresholds, overall and per
group of each grouping, and the floor and FNIR finding that follow (``core.equity``). Reports
are plain JSON-serialisable dicts tied to the backend's model version.
"""

import csv
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .backends import FaceBackend, select_backend
from .embedding_cache import EmbeddingCache, Progress, embed_image_files
from .equity import EquityRule, assess_grouping, derive_floor
from .errors import NotEnoughSearches
from .index import build_from
from .proportions import rate_with_interval

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
# 3: the report's floor is the highest over the groupings that can decide, an undecided
# (thin) grouping listed in ``floor_derivation`` beside it (core.equity). 2: the same groupings,
# but any grouping without a floor removed the report's. Reports without a version (1) tested
# significance. Older versions are shown, never enforced, and no longer accepted for storing.
REPORT_VERSION = 3


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
    progress: "Progress | None" = None,
) -> IdentificationSearches:
    """Build a watchlist from the folder and run every search against it (exact index).

    Of the people with two or more images, a stable ``watchlist_fraction`` is enrolled with
    their first image (in name order) where a face is found; their other images are mated
    searches. Everyone else's images are non-mated searches.
    """
    people = list_identity_images(images_dir)
    vectors = embed_image_files(
        [key for keys in people.values() for key in keys],
        images_dir,
        backend=backend,
        cache=cache,
        progress=progress,
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


def _group_blocks(
    searches: IdentificationSearches, labels: dict[str, str], thresholds: list[float], rank: int
) -> tuple[dict, int]:
    """Each group's identities, searches, identification rates and rows; and how many of the
    searched identities this labelling leaves unlabelled."""
    ranks = searches.mated_ranks
    mated_ids = np.array(searches.mated_identities, dtype=object)
    non_mated_ids = np.array(searches.non_mated_identities, dtype=object)
    identities = set(searches.mated_identities) | set(searches.non_mated_identities)
    blocks = {}
    for group in sorted({labels[i] for i in identities if i in labels}):
        members = {i for i in identities if labels.get(i) == group}
        mated = np.array([i in members for i in mated_ids], dtype=bool)
        non_mated = np.array([i in members for i in non_mated_ids], dtype=bool)
        group_ranks = ranks[mated] if mated.size else np.empty(0, dtype=int)
        blocks[group] = {
            "identities": len(members),
            "searches": {"mated": int(mated.sum()), "non_mated": int(non_mated.sum())},
            "rank_1": identification_rate(group_ranks, 1),
            "rank_10": identification_rate(group_ranks, 10),
            "by_threshold": rates_by_threshold(
                searches.mated_scores[mated] if mated.size else np.empty(0),
                group_ranks,
                searches.non_mated_top_scores[non_mated] if non_mated.size else np.empty(0),
                thresholds,
                rank=rank,
            ),
        }
    return blocks, len(identities - set(labels))


def equitability_report(
    searches: IdentificationSearches,
    thresholds: Sequence[float],
    *,
    model: str,
    groupings: dict[str, dict[str, str]] | None = None,
    groups: dict[str, str] | None = None,
    rule: EquityRule | None = None,
    rank: int = 1,
) -> dict:
    """The equitability report: FPIR and FNIR with 95 % intervals across thresholds, overall
    and per group of each grouping (a labelling such as gender), each grouping's floor and FNIR
    finding under ``rule`` (``core.equity``), and the report's floor (``minimum_threshold``):
    the highest over the groupings that can decide; None when none can, when one that can is
    equitable at no threshold, or when there are no groupings. ``floor_derivation`` says which
    groupings decided and lists each undecided one with its thin groups.

    Rank-1 and rank-10 identification rates (threshold-free, with 95 % intervals) are given
    overall and per group. They are descriptive, as the FNIR finding is: only FPIR sets the
    floor. The rule's name, tolerance, confidence and minimum searches are written into
    ``protocol["equity_rule"]`` so the floor can be re-derived from the counts alone.
    ``groups`` is shorthand for one grouping, named ``groups``.
    """
    rule = rule or EquityRule()
    if groups:
        groupings = {**(groupings or {}), "groups": groups}
    thresholds = sorted(float(t) for t in thresholds)
    ranks = searches.mated_ranks
    report: dict = {
        "model": model,
        "protocol": {
            "version": REPORT_VERSION,
            "rank": rank,
            "interval": "Wilson score interval, 95 % (per rate)",
            "equity_rule": rule.as_dict(),
            "fnir_test": "Newcombe hybrid score interval of each pair's FNIR difference, "
            f"two-sided, confidence {rule.confidence:g} Bonferroni-corrected over the pairs, "
            "excluding zero; groups with fewer than "
            f"{rule.min_searches} mated searches left out; never sets the floor",
            "minimum_threshold_rule": rule.as_dict()["text"],
        },
        "watchlist_size": searches.watchlist_size,
        "searches": {
            "mated": len(searches.mated_identities),
            "non_mated": len(searches.non_mated_identities),
        },
        "faces_not_found": searches.faces_not_found,
        "enrolment_failures": searches.enrolment_failures,
        "rank_1": identification_rate(ranks, 1),
        "rank_10": identification_rate(ranks, 10),
        "thresholds": thresholds,
        "overall": rates_by_threshold(
            searches.mated_scores, ranks, searches.non_mated_top_scores, thresholds, rank=rank
        ),
        "groupings": {},
        "fnir_finding": {"first_threshold": None, "by_grouping": {}},
        "minimum_threshold": None,
        "floor_derivation": None,
    }
    for name, labels in sorted((groupings or {}).items()):
        blocks, unlabelled = _group_blocks(searches, labels, thresholds, rank)
        assessment = assess_grouping(
            {group: block["by_threshold"] for group, block in blocks.items()}, rule
        )
        report["groupings"][name] = {
            "groups": blocks,
            "unlabelled_identities": unlabelled,
            "assessment": assessment,
        }
        report["fnir_finding"]["by_grouping"][name] = assessment["fnir_finding"]["first_threshold"]
    found = [t for t in report["fnir_finding"]["by_grouping"].values() if t is not None]
    report["fnir_finding"]["first_threshold"] = min(found) if found else None
    derivation = derive_floor({name: g["assessment"] for name, g in report["groupings"].items()})
    report["minimum_threshold"] = derivation.pop("minimum_threshold")
    report["floor_derivation"] = derivation
    return report


def grouping_name(path: str | os.PathLike[str]) -> str:
    """A grouping is named after its label file: ``gender.csv`` is ``gender``."""
    return Path(path).stem


def evaluate_identification(
    images_dir: str | os.PathLike[str],
    thresholds: Sequence[float],
    *,
    backend: FaceBackend | None = None,
    cache: EmbeddingCache | dict | str | os.PathLike[str] | None = None,
    groups_csv: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    watchlist_fraction: float = 0.5,
    rank: int = 1,
    rule: EquityRule | None = None,
    progress: Progress | None = None,
) -> dict:
    """Run 1:N identification on an identity-labelled folder; return the equitability report.

    ``groups_csv`` is one label file or several, each a grouping named after its file.
    Raises ``NotEnoughSearches`` when no face was found to enrol or to search with."""
    backend = backend or select_backend()
    store = EmbeddingCache.open(cache, backend.model_version)
    searches = collect_identification_searches(
        images_dir,
        backend=backend,
        cache=store,
        watchlist_fraction=watchlist_fraction,
        progress=progress,
    )
    store.save()
    require_enough_searches(searches)
    if groups_csv is None:
        files = []
    elif isinstance(groups_csv, str | os.PathLike):
        files = [groups_csv]
    else:
        files = list(groups_csv)
    groupings = {grouping_name(f): read_group_labels(f) for f in files}
    return equitability_report(
        searches,
        thresholds,
        model=backend.model_version,
        groupings=groupings,
        rule=rule,
        rank=rank,
    )
