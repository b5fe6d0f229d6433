"""The gate's tests use the engine's shared images and backend fixtures."""

from tests.biometric_engine.conftest import backend, lfw_dir, lfw_image  # noqa: F401
