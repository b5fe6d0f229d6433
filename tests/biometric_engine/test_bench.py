"""Rules for the benchmark's building blocks, on sizes small enough for a test run."""

import json

import numpy as np
import pytest

from biometric_engine.core import bench
from biometric_engine.core.bench import (
    NO_IMAGES_LINE,
    bench_faces,
    bench_gallery,
    face_like_source,
    fit_face_like,
    recall_at_k,
    run_benchmark,
    sample_image_keys,
    street_frame,
    synthetic_vectors,
)
from biometric_engine.core.embedding_cache import EmbeddingCache


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


def test_the_fitting_sample_takes_one_image_per_identity_first(tmp_path):
    for name, count in (("Ann", 3), ("Bob", 1), ("Cy", 2)):
        (tmp_path / name).mkdir()
        for number in range(1, count + 1):
            (tmp_path / name / f"{name}_{number:04d}.jpg").write_bytes(b"")
    assert sample_image_keys(tmp_path, 4) == [
        "Ann/Ann_0001.jpg",
        "Bob/Bob_0001.jpg",
        "Cy/Cy_0001.jpg",
        "Ann/Ann_0002.jpg",
    ]
    assert len(sample_image_keys(tmp_path, 100)) == 6  # every image, when there are fewer


def test_face_like_vectors_come_from_the_face_stats_cache_when_given(tmp_path):
    cache = EmbeddingCache("m", path=tmp_path / "faces.npz")
    vectors = synthetic_vectors(bench.MIN_FIT_VECTORS, np.random.default_rng(0))
    for n, vector in enumerate(vectors):
        cache.store(f"P{n}/P{n}_0001.jpg", vector)
    cache.store("Q/Q_0001.jpg", None)  # no face found: left out of the fit
    cache.save()

    fitted, info = face_like_source(None, face_stats=tmp_path / "faces.npz", images_dir=tmp_path)
    assert fitted is not None and fitted[0].shape == (512,)
    assert info["source"] == "face_stats" and info["vectors"] == bench.MIN_FIT_VECTORS
    assert (
        info["description"] == f"{bench.MIN_FIT_VECTORS} face vectors in faces.npz (--face-stats)"
    )

    fitted, info = face_like_source(None)
    assert fitted is None and info["source"] is None
    assert "needs --face-stats NPZ or --images DIR" in info["description"]


@pytest.mark.images
def test_face_like_vectors_are_fitted_from_images_without_a_cache(backend, lfw_dir, monkeypatch):
    # Four real faces: too few for the real minimum, enough once it is lowered for the test.
    fitted, info = face_like_source(backend, images_dir=lfw_dir, face_sample=4)
    assert fitted is None and info["vectors"] == 4
    assert f"fitting needs at least {bench.MIN_FIT_VECTORS}" in info["description"]

    monkeypatch.setattr(bench, "MIN_FIT_VECTORS", 3)
    result = run_benchmark(
        images_dir=lfw_dir,
        backend=backend,
        watchlist_size=20,
        gallery_size=600,
        queries=5,
        nlist=6,
        nprobes=(1, 6),
        distributions=("face_like",),
        face_sample=4,
    )
    json.dumps(result, allow_nan=False)
    fit = result["face_like_fit"]
    assert (fit["source"], fit["images"], fit["vectors"]) == ("images", 4, 4)
    assert fit["path"] == str(lfw_dir) and fit["embed_s"] > 0
    gallery = result["gallery"]["face_like"]
    assert gallery["distribution"] == "face_like" and gallery["entries"] == 600
    assert gallery["fitted_from"].startswith("4 faces embedded from 4 images of lfw-fold1")
    assert result["faces"]["detect_ms_250x250"] > 0 and result["faces"]["embed_ms_per_face"] > 0
    text = bench._summary(result)
    assert "face-like vectors: 4 faces embedded from 4 images" in text
    assert NO_IMAGES_LINE not in text


class FakeBackend:
    """Stands in for a backend where no image is read: only its model version is asked for."""

    model_version = "fake-model"


def test_without_images_the_summary_says_face_timings_need_them():
    result = run_benchmark(
        backend=FakeBackend(),
        watchlist_size=20,
        gallery_size=600,
        queries=3,
        nlist=6,
        nprobes=(6,),
        distributions=("uniform", "face_like"),
    )
    assert "faces" not in result and set(result["gallery"]) == {"uniform"}
    assert result["face_like_fit"]["source"] is None
    lines = bench._summary(result).splitlines()
    assert lines.count(f"  {NO_IMAGES_LINE}") == 1
    assert any("needs --face-stats NPZ or --images DIR" in line for line in lines)
