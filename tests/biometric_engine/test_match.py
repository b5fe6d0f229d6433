"""Rules for matching: only candidates at or above the threshold come back; a face that
matches nothing leaves only the count of faces processed; nothing is written to disk."""

import os
import tempfile
from dataclasses import fields

import numpy as np
import pytest

from biometric_engine.core.index import build_from
from biometric_engine.core.match import Candidate, MatchResult, match_probes


def watchlist():
    # Entry 10 points along x; entry 20 along y; entry 30 at 60 degrees from x (cos = 0.5).
    vectors = np.array([[1, 0, 0], [0, 1, 0], [0.5, np.sqrt(0.75), 0]], dtype=np.float32)
    return build_from(vectors, [10, 20, 30])


def test_only_candidates_at_or_above_the_threshold_are_returned():
    probes = np.array([[1, 0, 0]], dtype=np.float32)  # scores: 10 -> 1.0, 30 -> 0.5, 20 -> 0
    result = match_probes(probes, watchlist(), threshold=0.5, max_candidates=3)
    assert [(c.id, c.score) for c in result.candidates] == [(10, 1.0), (30, 0.5)]
    result = match_probes(probes, watchlist(), threshold=0.5000001, max_candidates=3)
    assert [c.id for c in result.candidates] == [10]


def test_below_threshold_returns_nothing_but_the_count_of_faces():
    probes = np.array([[0, 0, 1], [0, 0, -1]], dtype=np.float32)  # orthogonal to everything
    result = match_probes(probes, watchlist(), threshold=0.3)
    assert result == MatchResult(faces_processed=2, candidates=())


def test_each_candidate_names_its_probe_face_and_the_list_is_capped():
    probes = np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0]], dtype=np.float32)
    result = match_probes(probes, watchlist(), threshold=0.4, max_candidates=1)
    assert result.faces_processed == 3
    assert {(c.probe, c.id) for c in result.candidates} == {(1, 20), (2, 10)}


def test_result_carries_ids_scores_and_counts_never_vectors():
    result = match_probes(np.array([[1, 0, 0]], np.float32), watchlist(), threshold=0.0)
    assert [f.name for f in fields(MatchResult)] == [
        "faces_processed",
        "candidates",
        "boxes",
        "searched",
    ]
    assert [f.name for f in fields(Candidate)] == ["id", "score", "probe"]
    for candidate in result.candidates:
        assert type(candidate.id) is int and type(candidate.score) is float
    assert result.boxes == () and result.searched == ()  # only a frame search fills them


def test_no_probes_and_empty_index():
    assert (
        match_probes(np.empty((0, 3), np.float32), watchlist(), threshold=0.5).faces_processed == 0
    )
    empty = build_from(np.empty((0, 3), np.float32), [], dim=3)
    result = match_probes(np.array([[1, 0, 0]], np.float32), empty, threshold=0.5)
    assert result == MatchResult(faces_processed=1, candidates=())


def test_threshold_and_cap_are_checked():
    with pytest.raises(ValueError):
        match_probes(np.array([[1, 0, 0]], np.float32), watchlist(), threshold=1.5)
    with pytest.raises(ValueError):
        match_probes(
            np.array([[1, 0, 0]], np.float32), watchlist(), threshold=0.5, max_candidates=0
        )


def snapshot(directory: str) -> dict[str, tuple[int, float]]:
    found = {}
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            try:
                stat = os.stat(path)
            except OSError:  # a file another process removed meanwhile
                continue
            found[path] = (stat.st_size, stat.st_mtime)
    return found


def test_matching_writes_nothing_to_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    tempfile.tempdir = None  # make tempfile read TMPDIR again
    try:
        index = watchlist()
        before = snapshot(str(tmp_path))
        probes = np.random.default_rng(0).standard_normal((50, 3)).astype(np.float32)
        match_probes(probes, index, threshold=0.9, max_candidates=3)
        assert snapshot(str(tmp_path)) == before == {}
    finally:
        tempfile.tempdir = None
