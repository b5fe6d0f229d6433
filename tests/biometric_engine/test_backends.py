"""Rules for backend selection: the OpenCV backend by default, named by a model version;
the insightface backend only from a local model-pack directory, never downloaded, and a
clear error when the directory or the optional package is missing.

The insightface tests load tiny models generated here with ``onnx`` through insightface's own
``FaceAnalysis`` and model router: a 9-output SCRFD-shaped detector whose post-processing finds
one "face" on a bright 32-pixel square, and a 112x112 ArcFace-shaped recogniser with a 512-d
output. ``make install`` installs insightface (without opencv-python), so CI runs them.
"""

import importlib.util
import socket
import sys
from importlib import metadata

import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

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
needs_insightface = pytest.mark.skipif(
    not INSIGHTFACE_INSTALLED, reason="insightface is not installed (make install installs it)"
)

# SCRFD's feature strides, and ArcFace's five reference points as fractions of its crop.
STRIDES = (8, 16, 32)
ARCFACE_POINTS = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
) / np.float32(112)


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


def save_checked(nodes, name, inputs, outputs, initializers, path) -> None:
    model = helper.make_model(
        helper.make_graph(nodes, name, inputs, outputs, initializers),
        opset_imports=[helper.make_opsetid("", 13)],
    )
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))


def write_scrfd(path) -> None:
    """A detector insightface routes to SCRFD (9 outputs: scores, boxes, landmarks per stride).

    Any input size; each output has one row per anchor (two per cell), as SCRFD's decoder
    expects. Only stride 32 scores: the mean of the normalised pixels in the cell, so a fully
    white 32x32 cell scores 0.996 and a black one -0.996. Every anchor's box is its cell
    (distances 0, 0, 1, 1 strides from the anchor, the cell's top-left corner) and its five
    landmarks are ArcFace's reference points within the cell.
    """
    source = helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, "h", "w"])
    initializers = [
        numpy_helper.from_array(np.array([-1, 1], dtype=np.int64), "column"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
        numpy_helper.from_array(np.array([[0, 0, 1, 1]], dtype=np.float32), "cell_box"),
        numpy_helper.from_array(ARCFACE_POINTS.reshape(1, 10), "cell_points"),
    ]
    nodes, outputs = [], {"score": [], "bbox": [], "kps": []}
    for s in STRIDES:
        nodes += [
            helper.make_node(
                "AveragePool", ["input.1"], [f"pool{s}"], kernel_shape=[s, s], strides=[s, s]
            ),
            helper.make_node("ReduceMean", [f"pool{s}"], [f"mean{s}"], axes=[1], keepdims=1),
            helper.make_node("Transpose", [f"mean{s}"], [f"cells{s}"], perm=[0, 2, 3, 1]),
            helper.make_node("Reshape", [f"cells{s}", "column"], [f"cell{s}"]),
            helper.make_node("Concat", [f"cell{s}", f"cell{s}"], [f"anchors{s}"], axis=1),
            helper.make_node("Reshape", [f"anchors{s}", "column"], [f"anchor{s}"]),
            helper.make_node("Mul", [f"anchor{s}", "zero"], [f"nil{s}"]),
            helper.make_node("Identity", [f"anchor{s}" if s == 32 else f"nil{s}"], [f"score{s}"]),
            helper.make_node("Add", [f"nil{s}", "cell_box"], [f"bbox{s}"]),
            helper.make_node("Add", [f"nil{s}", "cell_points"], [f"kps{s}"]),
        ]
        for kind, width in (("score", 1), ("bbox", 4), ("kps", 10)):
            outputs[kind].append(
                helper.make_tensor_value_info(f"{kind}{s}", TensorProto.FLOAT, [f"n{s}", width])
            )
    results = outputs["score"] + outputs["bbox"] + outputs["kps"]
    save_checked(nodes, "tiny_scrfd", [source], results, initializers, path)


def write_arcface(path, *, dim: int = 512) -> None:
    """A recogniser insightface routes to ArcFace (112x112 input): mean colour times a matrix,
    plus a bias, so its raw output is far from unit length."""
    source = helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["n", 3, 112, 112])
    result = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", dim])
    weights = np.random.default_rng(0).standard_normal((3, dim)).astype(np.float32)
    initializers = [
        numpy_helper.from_array(weights, "weights"),
        numpy_helper.from_array(np.full(dim, 3.0, dtype=np.float32), "bias"),
    ]
    nodes = [
        helper.make_node("GlobalAveragePool", ["input.1"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["colour"]),
        helper.make_node("Gemm", ["colour", "weights", "bias"], ["embedding"]),
    ]
    save_checked(nodes, "tiny_arcface", [source], [result], initializers, path)


@pytest.fixture
def model_pack(tmp_path):
    """A pack shaped like insightface's: an SCRFD detector and a 112x112 ArcFace recogniser."""
    pack = tmp_path / "packs" / "tiny_pack"
    pack.mkdir(parents=True)
    write_scrfd(pack / "det_tiny.onnx")
    write_arcface(pack / "w600k_tiny.onnx")
    return pack


@pytest.fixture(autouse=True)
def no_cached_packs(monkeypatch):
    """Each test starts with no insightface backend cached by select_backend."""
    monkeypatch.setattr(backends, "_pack_backends", {})


class NetworkAttempted(Exception):
    pass


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """Refuse sockets and insightface's download functions; HOME is an empty directory."""
    attempts = []

    def refuse(what):
        def refused(*args, **kwargs):
            attempts.append(what)
            raise NetworkAttempted(what)

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    if INSIGHTFACE_INSTALLED:
        import insightface.app.face_analysis
        import insightface.model_zoo.model_zoo
        import insightface.utils.download
        import insightface.utils.storage

        for module, name in [
            (insightface.utils.download, "download_file"),
            (insightface.utils.storage, "download_file"),
            (insightface.utils.storage, "download"),
            (insightface.utils.storage, "download_onnx"),
            (insightface.model_zoo.model_zoo, "download_onnx"),
            (insightface.app.face_analysis, "ensure_available"),
            (insightface.app.face_analysis, "ensure_addon"),
        ]:
            if hasattr(module, name):
                monkeypatch.setattr(module, name, refuse(f"{module.__name__}.{name}"))
    yield attempts
    assert not (home / ".insightface").exists()


def white_square_image() -> np.ndarray:
    """128x128 black RGB with one white 32x32 cell at x 64-96, y 32-64."""
    rgb = np.zeros((128, 128, 3), dtype=np.uint8)
    rgb[32:64, 64:96] = 255
    return rgb


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


def test_model_pack_routes_to_insightface_which_must_be_installed(model_pack, monkeypatch):
    monkeypatch.setitem(sys.modules, "insightface", None)  # as if not installed
    with pytest.raises(OptionalBackendNotInstalled) as caught:
        select_backend(model_pack)
    assert "written-authority[insightface]" in caught.value.detail
    assert "pip install --no-deps 'insightface==" in caught.value.detail
    assert caught.value.code == "backend_not_installed"
    assert backends._pack_backends == {}  # a failed backend is not kept


def test_opencv_is_the_pinned_headless_build_alone():
    # insightface declares opencv-python; installed, it would overwrite this build's cv2.
    with pytest.raises(metadata.PackageNotFoundError):
        metadata.version("opencv-python")
    assert metadata.version("opencv-python-headless") == "5.0.0.93"
    assert cv2.__version__ == "5.0.0"


@needs_insightface
def test_model_pack_routes_to_the_insightface_backend(model_pack, no_network):
    backend = select_backend(model_pack)
    assert isinstance(backend, InsightFaceBackend)
    assert backend.model_dir == model_pack.resolve()
    assert backend.model_version.startswith("insightface-tiny_pack-")
    assert backend.model_version.endswith("/insightface-" + metadata.version("insightface"))
    blank = np.zeros((96, 96, 3), dtype=np.uint8)
    assert backend.detect(blank) == []  # the real models ran (640x640 detection size)
    assert no_network == []


@needs_insightface
def test_pack_models_load_through_insightface_from_the_directory_alone(model_pack, no_network):
    from insightface.model_zoo import SCRFD, ArcFaceONNX

    files_before = sorted(p.name for p in model_pack.parent.rglob("*"))
    app = InsightFaceBackend(model_pack)._analysis()
    assert sorted(app.models) == ["detection", "recognition"]
    detector, recogniser = app.models["detection"], app.models["recognition"]
    assert isinstance(detector, SCRFD) and app.det_model is detector
    assert detector.model_file == str(model_pack / "det_tiny.onnx")
    assert detector.use_kps and detector.fmc == 3  # the 9-output SCRFD layout
    assert isinstance(recogniser, ArcFaceONNX)
    assert recogniser.model_file == str(model_pack / "w600k_tiny.onnx")
    assert recogniser.input_size == (112, 112)
    assert no_network == []
    assert sorted(p.name for p in model_pack.parent.rglob("*")) == files_before


@needs_insightface
@pytest.mark.filterwarnings("ignore:`estimate` is deprecated:FutureWarning")  # in insightface
def test_detect_runs_the_detector_and_embed_the_recogniser(model_pack, no_network, monkeypatch):
    from insightface.model_zoo import SCRFD, ArcFaceONNX

    calls = []
    real_detect, real_get = SCRFD.detect, ArcFaceONNX.get

    def detect(model, *args, **kwargs):
        calls.append(("detect", model.model_file))
        return real_detect(model, *args, **kwargs)

    def get(model, img, face):
        raw = real_get(model, img, face)
        calls.append(("embed", model.model_file, np.array(raw)))
        return raw

    monkeypatch.setattr(SCRFD, "detect", detect)
    monkeypatch.setattr(ArcFaceONNX, "get", get)
    backend = InsightFaceBackend(model_pack, det_size=(128, 128))

    faces = backend.detect(white_square_image())
    assert calls == [("detect", str(model_pack / "det_tiny.onnx"))]
    assert len(faces) == 1  # one cell scores, its two anchors merge in SCRFD's NMS
    face = faces[0]
    assert face.box == (64, 32, 32, 32)
    assert face.score == pytest.approx(127.5 / 128)
    expected_points = ARCFACE_POINTS * 32 + np.array([64, 32], dtype=np.float32)
    np.testing.assert_allclose(np.array(face.landmarks), expected_points, atol=1e-3)

    calls.clear()
    vector = backend.embed(white_square_image(), face)
    assert [call[:2] for call in calls] == [("embed", str(model_pack / "w600k_tiny.onnx"))]
    raw = calls[0][2]
    assert raw.shape == (512,) and np.linalg.norm(raw) > 10
    assert vector.shape == (512,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(vector, raw / np.linalg.norm(raw), rtol=1e-5, atol=1e-6)

    calls.clear()
    assert backend.detect(np.zeros((128, 128, 3), dtype=np.uint8)) == []
    assert [call[0] for call in calls] == ["detect"]
    assert no_network == []


@needs_insightface
@pytest.mark.parametrize(
    ("kept", "missing"),
    [("det_tiny.onnx", "recognition (ArcFace)"), ("w600k_tiny.onnx", "detection (SCRFD)")],
)
def test_pack_without_both_models_is_empty(model_pack, no_network, kept, missing):
    for onnx_file in model_pack.glob("*.onnx"):
        if onnx_file.name != kept:
            onnx_file.unlink()
    backend = select_backend(model_pack)  # the directory holds an .onnx file: accepted
    with pytest.raises(ModelPackEmpty) as caught:
        backend.detect(white_square_image())
    assert f"no {missing} model" in caught.value.detail
    assert isinstance(caught.value, EngineConfigurationError)
    assert no_network == []


@needs_insightface
def test_select_backend_keeps_one_insightface_backend_per_directory(
    model_pack, no_network, monkeypatch
):
    import insightface.app

    loads = []
    real_analysis = insightface.app.FaceAnalysis

    def counting_analysis(*args, **kwargs):
        loads.append(kwargs["name"])
        return real_analysis(*args, **kwargs)

    monkeypatch.setattr(insightface.app, "FaceAnalysis", counting_analysis)
    backend = select_backend(model_pack)
    version = backend.model_version
    backend.detect(white_square_image())
    monkeypatch.chdir(model_pack.parent)
    for same in (str(model_pack), "tiny_pack", model_pack.parent / ".." / "packs" / "tiny_pack"):
        again = select_backend(same)
        assert again is backend
        again.detect(white_square_image())
    assert loads == [str(model_pack.resolve())]  # the models loaded once

    # The version was hashed once: it names the models in memory, not files changed since.
    write_onnx(model_pack / "w600k_tiny.onnx", input_shape=[1, 3, 112, 112], outputs=2)
    assert select_backend(model_pack).model_version == version
    assert InsightFaceBackend(model_pack).model_version != version

    other = model_pack.parent / "other_pack"
    other.mkdir()
    write_scrfd(other / "det.onnx")
    assert select_backend(other) is not backend
    assert select_backend(other) is select_backend(other)
    assert no_network == []


@needs_insightface
def test_engine_backend_is_one_backend_for_the_configured_pack(model_pack, no_network, settings):
    from biometric_engine.engine import engine_backend

    settings.WA_MODEL_PACK_DIR = str(model_pack)
    backend = engine_backend()
    assert isinstance(backend, InsightFaceBackend)
    assert engine_backend() is backend
    assert no_network == []


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


@needs_insightface
def test_an_engine_command_refuses_a_pack_missing_a_model_at_start_up(
    model_pack, no_network, settings
):
    from django.core.management.base import CommandError

    from biometric_engine.management.checks import configured_backend

    (model_pack / "w600k_tiny.onnx").unlink()
    settings.WA_MODEL_PACK_DIR = str(model_pack)
    with pytest.raises(CommandError, match=r"WA_MODEL_PACK_DIR: .*no recognition") as error:
        configured_backend()
    assert "\n" not in str(error.value) and no_network == []
