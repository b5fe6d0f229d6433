"""Rules for the benchmark's building blocks, on sizes small enough for a test run."""

import json

import numpy as np
import pytest

from biometric_engine.core.bench import (
    bench_faces,
    bench_gallery,
    fit_face_like,
    recall_at_k,
    street_frame,
    synthetic_vectors,
)


def test_synthetic_vectors_are_unit_length():
    vectors = synthetic_vectors(1000, np.random.default_rng(0), dim=64, chunk=300)
    assert vectors.shape == (1000, 64) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_face_like_vectors_follow_the_fitted_distribution():
    rng = np.random.default_rng(1)
    # "Real" vectors: a common direction plus noise confined to 4 of 32 dimensions.
    real = np.zeros((500, 32))
    real[:, 0] = 0.5
    real[:, 1:5] += rng.standard_normal((500, 4)) * 0.3
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    synthetic = synthetic_vectors(2000, rng, dim=32, face_like=fit_face_like(real))
    assert synthetic.mean(axis=0)[0] == pytest.approx(real.mean(axis=0)[0], abs=0.05)
    assert np.abs(synthetic[:, 5:]).max() < 1e-3  # no spread where the real ones have none
    uniform = synthetic_vectors(2000, rng, dim=32)
    assert abs(uniform.mean(axis=0)[0]) < 0.1


def test_recall_at_k():
    exact = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    approximate = np.array([[4, 3, 2, 1], [5, 6, 9, 10]])
    assert recall_at_k(approximate, exact) == pytest.approx((1.0 + 0.5) / 2)


def test_gallery_bench_reports_recall_timings_and_memory():
    result = bench_gallery(
        3000, 20, np.random.default_rng(0), nlist=30, nprobes=(1, 30), exact_singles=5
    )
    json.dumps(result)
    sweep = {row["nprobe"]: row for row in result["ivf"]["sweep"]}
    assert sweep[30]["recall_at_10"] == 1.0  # every list probed: exact
    assert sweep[1]["recall_at_10"] < 1.0
    assert result["ivf"]["memory_bytes"] >= 3000 * 512 * 4
    assert result["exact"]["single_ms_per_query"] > 0
    chosen = result["ivf"]["chosen"]  # timing-dependent: None on a busy machine
    assert result["ivf"]["target_met"] == (chosen is not None)
    if chosen is not None:
        assert chosen["recall_at_10"] >= 0.95 and chosen["single_ms_per_query"] < 20


@pytest.mark.images
def test_face_timings_on_real_images(backend, lfw_image):
    images = [lfw_image("Zico/Zico_0001.jpg"), lfw_image("Abel_Pacheco/Abel_Pacheco_0001.jpg")]
    assert street_frame(images).shape == (720, 1280, 3)
    result = bench_faces(backend, images, repeats=2)
    assert result["faces_in_1280x720_frame"] == 2
    assert result["detect_ms_250x250"] > 0 and result["embed_ms_per_face"] > 0
