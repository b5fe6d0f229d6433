"""Rules for the FAISS index: ids are the caller's database ids; add, remove, search and
rebuild from the database; round-trip through bytes; exact for watchlists, IVF above."""

import numpy as np
import pytest

from biometric_engine.core.embed import l2_normalise
from biometric_engine.core.index import (
    APPROXIMATE_ABOVE,
    FaceIndex,
    build_from,
    suggest_nlist,
    suggest_nprobe,
)


def unit_vectors(n: int, dim: int = 512, seed: int = 0) -> np.ndarray:
    return l2_normalise(np.random.default_rng(seed).standard_normal((n, dim)))


def test_search_returns_database_ids_with_cosine_scores_best_first():
    vectors = unit_vectors(50)
    ids = np.arange(1000, 1050)
    index = build_from(vectors, ids)
    assert index.kind == "exact" and len(index) == 50
    hits = index.search(vectors[7], 5)[0]
    assert hits[0][0] == 1007
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    expected = sorted(vectors @ vectors[7], reverse=True)[:5]
    assert scores == pytest.approx(expected, abs=1e-5)


def test_removed_ids_are_never_returned_again():
    vectors = unit_vectors(20)
    index = build_from(vectors, np.arange(20))
    assert index.remove_ids([3, 4, 999]) == 2  # 999 was never there
    assert len(index) == 18
    returned = {id_ for id_, _ in index.search(vectors[3], 20)[0]}
    assert 3 not in returned and 4 not in returned
    assert len(returned) == 18


def test_add_appends_and_refuses_duplicate_ids():
    vectors = unit_vectors(10)
    index = FaceIndex.exact(512)
    index.add(vectors[:5], [10, 11, 12, 13, 14])
    index.add(vectors[5:], [15, 16, 17, 18, 19])
    assert len(index) == 10
    assert index.search(vectors[8], 1)[0][0][0] == 18
    with pytest.raises(ValueError, match="already in the index"):
        index.add(vectors[:1], [12])
    with pytest.raises(ValueError, match="unique"):
        index.add(vectors[:2], [30, 30])
    with pytest.raises(ValueError, match="512-d"):
        index.add(np.ones((1, 128), np.float32), [40])


def test_rebuild_from_the_database_matches_the_updated_index():
    vectors = unit_vectors(40)
    updated = build_from(vectors[:30], np.arange(30))
    updated.add(vectors[30:], np.arange(30, 40))
    updated.remove_ids(np.arange(0, 40, 3))
    keep = np.array([i for i in range(40) if i % 3])
    rebuilt = build_from(vectors[keep], keep)
    probes = unit_vectors(5, seed=9)
    for a, b in zip(rebuilt.search(probes, 10), updated.search(probes, 10), strict=True):
        assert [i for i, _ in a] == [i for i, _ in b]
        assert [s for _, s in a] == pytest.approx([s for _, s in b], abs=1e-6)
        assert not {i for i, _ in a} & set(range(0, 40, 3))


def test_exact_index_round_trips_through_bytes():
    vectors = unit_vectors(30)
    index = build_from(vectors, np.arange(500, 530))
    copy = FaceIndex.from_bytes(index.to_bytes())
    assert copy.kind == "exact" and len(copy) == 30
    probes = unit_vectors(4, seed=3)
    assert copy.search(probes, 5) == index.search(probes, 5)


def test_ivf_with_every_list_probed_finds_what_exact_search_finds():
    vectors = unit_vectors(3000, dim=64)
    ids = np.arange(3000) * 7
    ivf = build_from(vectors, ids, kind="ivf", nlist=30)
    exact = build_from(vectors, ids, kind="exact")
    probes = unit_vectors(10, dim=64, seed=5)
    ivf.nprobe = 30
    for a, b in zip(ivf.search(probes, 10), exact.search(probes, 10), strict=True):
        assert [i for i, _ in a] == [i for i, _ in b]
    ivf.nprobe = 1
    assert ivf.nprobe == 1
    with pytest.raises(ValueError):
        ivf.nprobe = 31


def test_ivf_supports_remove_and_round_trips_through_bytes_with_its_nprobe():
    vectors = unit_vectors(2000, dim=32)
    ivf = build_from(vectors, np.arange(2000), kind="ivf", nlist=20, nprobe=20)
    assert ivf.remove_ids([5]) == 1
    assert 5 not in {i for i, _ in ivf.search(vectors[5], 10)[0]}
    copy = FaceIndex.from_bytes(ivf.to_bytes())
    assert copy.kind == "ivf" and copy.nprobe == 20 and copy.nlist == 20
    assert copy.search(vectors[:3], 5) == ivf.search(vectors[:3], 5)


def test_watchlists_are_exact_and_galleries_over_the_limit_approximate():
    small = build_from(unit_vectors(100, dim=8), np.arange(100))
    assert small.kind == "exact"
    n = APPROXIMATE_ABOVE + 1
    large = build_from(unit_vectors(n, dim=8), np.arange(n))
    assert large.kind == "ivf"
    assert large.nlist == suggest_nlist(n)
    assert large.nprobe == suggest_nprobe(large.nlist)


def test_nlist_grows_with_the_square_root_of_the_gallery():
    assert suggest_nlist(1_000_000) == 4000
    assert suggest_nlist(10_000) == 256  # capped so every list keeps >= 39 vectors
    assert suggest_nlist(10) == 1


def test_empty_index_and_short_lists():
    index = build_from(np.empty((0, 512), np.float32), [])
    assert len(index) == 0
    assert index.search(unit_vectors(2), 5) == [[], []]
    index.add(unit_vectors(2), [1, 2])
    assert len(index.search(unit_vectors(1, seed=4), 10)[0]) == 2  # FAISS pads; we drop -1s


def test_ids_must_be_non_negative_and_vectors_finite():
    with pytest.raises(ValueError):
        build_from(unit_vectors(2), [-1, 0])
    bad = unit_vectors(2)
    bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        build_from(bad, [0, 1])


def test_memory_estimate_counts_the_vectors():
    index = build_from(unit_vectors(100), np.arange(100))
    assert index.memory_bytes() >= 100 * 512 * 4
