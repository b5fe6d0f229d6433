"""Rules for backend selection: the OpenCV backend by default, named by a model version;
the insightface backend only from a local model-pack directory, never downloaded, and a
clear error when the directory or the optional package is missing."""

import importlib.util
from importlib import metadata

import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from biometric_engine.core import backends
from biometric_engine.core.backends import (
    FaceBackend,
    InsightFaceBackend,
    OpenCVFaceBackend,
    select_backend,
    validate_model_pack,
)
from biometric_engine.core.errors import (
    EngineConfigurationError,
    ModelPackEmpty,
    ModelPackNotFound,
    OptionalBackendNotInstalled,
)

INSIGHTFACE_INSTALLED = importlib.util.find_spec("insightface") is not None


def write_onnx(path, *, input_shape, outputs: int) -> None:
    """A tiny valid ONNX model: one input passed through Identity to ``outputs`` outputs."""
    source = helper.make_tensor_value_info("input.1", TensorProto.FLOAT, input_shape)
    nodes, results = [], []
    for i in range(outputs):
        nodes.append(helper.make_node("Identity", ["input.1"], [f"out{i}"]))
        results.append(helper.make_tensor_value_info(f"out{i}", TensorProto.FLOAT, input_shape))
    model = helper.make_model(
        helper.make_graph(nodes, "tiny", [source], results),
        opset_imports=[helper.make_opsetid("", 13)],
    )
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


@pytest.fixture
def model_pack(tmp_path):
    """A pack shaped like insightface's: a detector with many outputs, a 112x112 recogniser."""
    pack = tmp_path / "packs" / "tiny_pack"
    pack.mkdir(parents=True)
    write_onnx(pack / "det_tiny.onnx", input_shape=[1, 3, "h", "w"], outputs=9)
    write_onnx(pack / "w600k_tiny.onnx", input_shape=[1, 3, 112, 112], outputs=1)
    return pack


def test_default_backend_is_opencv_named_by_model_and_opencv_build():
    backend = select_backend(None)
    assert isinstance(backend, OpenCVFaceBackend)
    assert isinstance(backend, FaceBackend)
    version = metadata.version("opencv-python-headless")
    assert backend.model_version == f"facenet-20180408-102900/opencv-{version}"
    assert select_backend("") is backend  # one per process


def test_missing_model_pack_directory_is_a_configuration_error(tmp_path):
    with pytest.raises(ModelPackNotFound) as caught:
        select_backend(tmp_path / "no-such-pack")
    assert isinstance(caught.value, EngineConfigurationError)
    assert "no-such-pack" in caught.value.detail


def test_model_pack_without_onnx_files_is_refused(tmp_path):
    (tmp_path / "README.txt").write_text("put the models here")
    (tmp_path / "nested").mkdir()
    write_onnx(tmp_path / "nested" / "det.onnx", input_shape=[1, 3, 8, 8], outputs=1)
    with pytest.raises(ModelPackEmpty):
        select_backend(tmp_path)  # models must sit in the directory itself


def test_model_pack_is_validated_to_an_absolute_path(model_pack, monkeypatch):
    monkeypatch.chdir(model_pack.parent)
    assert validate_model_pack("tiny_pack") == model_pack.resolve()


@pytest.mark.skipif(INSIGHTFACE_INSTALLED, reason="insightface is installed here")
def test_model_pack_routes_to_insightface_which_must_be_installed(model_pack):
    with pytest.raises(OptionalBackendNotInstalled) as caught:
        select_backend(model_pack)
    assert "written-authority[insightface]" in caught.value.detail
    assert caught.value.code == "backend_not_installed"


def test_opencv_is_the_pinned_headless_build_alone():
    # insightface declares opencv-python; installed, it would overwrite this build's cv2.
    with pytest.raises(metadata.PackageNotFoundError):
        metadata.version("opencv-python")
    assert metadata.version("opencv-python-headless") == "5.0.0.93"
    assert cv2.__version__ == "5.0.0"


@pytest.mark.skipif(not INSIGHTFACE_INSTALLED, reason="insightface is not installed")
def test_model_pack_routes_to_the_insightface_backend(model_pack):
    backend = select_backend(model_pack)
    assert isinstance(backend, InsightFaceBackend)
    assert backend.model_dir == model_pack.resolve()
    assert backend.model_version.startswith("insightface-tiny_pack-")


def test_insightface_version_digest_changes_with_the_model_files(model_pack, monkeypatch):
    # The version string is computed without insightface: stub only the optional import.
    monkeypatch.setattr(backends, "_import_insightface", lambda: None)
    before = InsightFaceBackend(model_pack).model_version
    write_onnx(model_pack / "w600k_tiny.onnx", input_shape=[1, 3, 112, 112], outputs=2)
    after = InsightFaceBackend(model_pack).model_version
    assert before.startswith("insightface-tiny_pack-") and before != after


def test_opencv_backend_answers_through_the_protocol():
    backend = select_backend()
    blank = np.full((120, 120, 3), 200, dtype=np.uint8)
    assert backend.detect(blank) == []
