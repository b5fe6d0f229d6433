"""Fixtures for the engine core's tests: the LFW sample beside the repository, and shared
images made in memory. No Django here: the core must run without it."""

from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LFW_DIR = REPO_ROOT.parent / "shared" / "datasets" / "lfw-fold1"


@pytest.fixture(scope="session")
def lfw_dir() -> Path:
    if not (LFW_DIR / "pairs.txt").is_file():
        pytest.skip(
            f"LFW sample not found at {LFW_DIR}: image tests need ../shared/datasets/lfw-fold1 "
            "beside the repository root"
        )
    return LFW_DIR


@pytest.fixture(scope="session")
def lfw_image(lfw_dir):
    """Load one LFW image by its key, e.g. "Zico/Zico_0001.jpg", as RGB."""
    from biometric_engine.core.images import load_image

    cache: dict[str, np.ndarray] = {}

    def load(key: str) -> np.ndarray:
        if key not in cache:
            cache[key] = load_image(lfw_dir / key)
        return cache[key]

    return load


@pytest.fixture(scope="session")
def backend():
    from biometric_engine.core.backends import select_backend

    return select_backend()
