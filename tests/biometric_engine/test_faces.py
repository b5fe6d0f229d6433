"""Rules for detection, embedding and quality on real LFW faces (a handful of images)."""

import io
import tempfile

import numpy as np
import pytest
from PIL import Image

from biometric_engine.core import errors
from biometric_engine.core.detect import DetectedFace
from biometric_engine.core.embed import EMBEDDING_DIM, crop_face, embed_faces, standardise
from biometric_engine.core.embedding_cache import choose_face
from biometric_engine.core.images import load_image
from biometric_engine.core.index import build_from
from biometric_engine.core.match import match_image
from biometric_engine.core.quality import assess_face_quality, require_one_searchable_face
from biometric_engine.core.verification import evaluate_lfw

pytestmark = pytest.mark.images

GENUINE = [
    ("Abel_Pacheco/Abel_Pacheco_0001.jpg", "Abel_Pacheco/Abel_Pacheco_0004.jpg"),
    ("Zico/Zico_0001.jpg", "Zico/Zico_0002.jpg"),
    ("Amber_Tamblyn/Amber_Tamblyn_0001.jpg", "Amber_Tamblyn/Amber_Tamblyn_0002.jpg"),
]
IMPOSTOR = [
    ("Abel_Pacheco/Abel_Pacheco_0001.jpg", "Zico/Zico_0001.jpg"),
    ("Amber_Tamblyn/Amber_Tamblyn_0001.jpg", "Zico/Zico_0002.jpg"),
    ("Akhmed_Zakayev/Akhmed_Zakayev_0001.jpg", "Abel_Pacheco/Abel_Pacheco_0004.jpg"),
]
TWO_FACES = "Andrew_Shutley/Andrew_Shutley_0001.jpg"


def vector(backend, rgb):
    face = choose_face(backend.detect(rgb), rgb.shape)
    assert face is not None
    return backend.embed(rgb, face)


def test_genuine_pairs_score_higher_than_impostor_pairs_by_a_margin(backend, lfw_image):
    def score(a, b):
        return float(vector(backend, lfw_image(a)) @ vector(backend, lfw_image(b)))

    genuine = [score(a, b) for a, b in GENUINE]
    impostor = [score(a, b) for a, b in IMPOSTOR]
    assert min(genuine) - max(impostor) >= 0.3, (genuine, impostor)


def test_embedding_is_512_d_unit_length_float32_and_repeatable(backend, lfw_image):
    rgb = lfw_image("Zico/Zico_0001.jpg")
    first, second = vector(backend, rgb), vector(backend, rgb)
    assert first.shape == (EMBEDDING_DIM,) and first.dtype == np.float32
    assert np.linalg.norm(first) == pytest.approx(1.0, abs=1e-5)
    assert np.array_equal(first, second)


def test_detected_face_has_an_xywh_box_five_landmarks_and_a_score(backend, lfw_image):
    rgb = lfw_image("Zico/Zico_0001.jpg")
    (face,) = backend.detect(rgb)
    x, y, w, h = face.box
    assert 0 <= x < x + w <= rgb.shape[1] and 0 <= y < y + h <= rgb.shape[0]
    assert len(face.landmarks) == 5
    for px, py in face.landmarks:
        assert x <= px <= x + w and y <= py <= y + h
    left_eye, right_eye = face.landmarks[:2]
    assert left_eye[0] < right_eye[0]  # "left" as seen in the image
    assert 0.9 < face.score <= 1.0


def test_every_face_of_a_several_face_image_is_found(backend, lfw_image):
    faces = backend.detect(lfw_image(TWO_FACES))
    assert len(faces) >= 2
    # Evaluation keeps the pictured person: the face at the centre of an LFW image.
    chosen = choose_face(faces, (250, 250))
    x, y, w, h = chosen.box
    assert x < 125 < x + w and y < 125 < y + h


def test_three_people_side_by_side_are_three_faces(backend, lfw_image):
    keys = ["Zico/Zico_0001.jpg", "Abel_Pacheco/Abel_Pacheco_0001.jpg", GENUINE[2][0]]
    frame = np.full((250, 750, 3), 120, dtype=np.uint8)
    for slot, key in enumerate(keys):
        frame[:, slot * 250 : (slot + 1) * 250] = lfw_image(key)
    faces = backend.detect(frame)
    assert len(faces) == 3
    assert sorted(int(f.centre[0] // 250) for f in faces) == [0, 1, 2]
    vectors = embed_faces(frame, faces)
    assert vectors.shape == (3, EMBEDDING_DIM)


def test_blank_image_has_no_face_and_that_is_not_an_error(backend):
    assert backend.detect(np.full((250, 250, 3), 128, dtype=np.uint8)) == []
    assert backend.detect(np.zeros((8, 8, 3), dtype=np.uint8)) == []


def test_sideways_photo_is_found_once_exif_orientation_is_applied(backend, lfw_dir):
    upright = Image.open(lfw_dir / "Zico/Zico_0001.jpg")
    sideways = upright.transpose(Image.Transpose.ROTATE_90)  # stored turned left
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn me clockwise to show"
    buffer = io.BytesIO()
    sideways.save(buffer, format="JPEG", exif=exif, quality=95)
    assert len(backend.detect(load_image(buffer.getvalue()))) == 1


def test_crop_adds_the_margin_and_clips_to_the_image():
    rgb = np.zeros((100, 100, 3), dtype=np.uint8)
    rgb[40:60, 40:60] = 255
    crop = crop_face(rgb, (40, 40, 20, 20), margin=20)  # 10 pixels each side: 30..70
    assert crop.shape == (160, 160, 3)
    assert crop[0, 0].max() == 0 and crop[80, 80].min() == 255
    edge = crop_face(rgb, (90, 90, 20, 20), margin=32)  # runs off the image: clipped
    assert edge.shape == (160, 160, 3)
    blob = standardise(crop)
    assert blob.shape == (1, 3, 160, 160)
    assert blob.min() == pytest.approx(-127.5 / 128) and blob.max() == pytest.approx(127.5 / 128)


def test_quality_is_in_unit_range_and_falls_with_blur(backend, lfw_image):
    import cv2

    rgb = lfw_image("Zico/Zico_0001.jpg")
    face = backend.detect(rgb)[0]
    sharp = assess_face_quality(rgb, face)
    blurred = assess_face_quality(cv2.GaussianBlur(rgb, (0, 0), 3), face)
    for quality in (sharp, blurred):
        for value in (
            quality.score,
            quality.size_score,
            quality.sharpness_score,
            quality.pose_score,
        ):
            assert 0.0 <= value <= 1.0
    assert blurred.sharpness_score < sharp.sharpness_score / 2
    assert blurred.score < sharp.score
    assert 30 < sharp.inter_eye_px < 60  # LFW faces are about 40 pixels between the eyes


def test_pose_component_falls_when_the_nose_sits_beside_one_eye():
    frontal = DetectedFace(
        (0, 0, 100, 100), ((30, 40), (70, 40), (50, 60), (35, 80), (65, 80)), 1.0
    )
    turned = DetectedFace((0, 0, 100, 100), ((30, 40), (70, 40), (66, 60), (55, 80), (75, 80)), 1.0)
    rgb = np.random.default_rng(0).integers(0, 255, (100, 100, 3), np.uint8)
    assert assess_face_quality(rgb, frontal).pose_score == pytest.approx(1.0)
    assert assess_face_quality(rgb, turned).pose_score < 0.5


def test_probe_rule_one_face_with_enough_pixels_between_the_eyes(backend, lfw_image):
    rgb = lfw_image("Zico/Zico_0001.jpg")
    faces = backend.detect(rgb)
    face, quality = require_one_searchable_face(rgb, faces, min_inter_eye_px=30)
    assert face is faces[0] and quality.inter_eye_px >= 30
    with pytest.raises(errors.FaceTooSmall):
        require_one_searchable_face(rgb, faces, min_inter_eye_px=90)
    with pytest.raises(errors.FaceQualityTooLow):
        require_one_searchable_face(rgb, faces, min_inter_eye_px=30, min_quality=0.99)
    several = lfw_image(TWO_FACES)
    with pytest.raises(errors.SeveralFaces):
        require_one_searchable_face(several, backend.detect(several), min_inter_eye_px=30)
    with pytest.raises(errors.NoFaceFound):
        require_one_searchable_face(rgb, [], min_inter_eye_px=30)


def test_match_image_alerts_on_the_listed_person_only_and_writes_nothing(
    backend, lfw_image, tmp_path, monkeypatch
):
    enrolled = vector(backend, lfw_image("Abel_Pacheco/Abel_Pacheco_0001.jpg"))
    index = build_from(enrolled[np.newaxis], [42])
    work, temp = tmp_path / "cwd", tmp_path / "tmp"
    work.mkdir()
    temp.mkdir()
    monkeypatch.chdir(work)
    # A private temporary folder: the shared /tmp changes under other processes' feet.
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    hit = match_image(
        lfw_image("Abel_Pacheco/Abel_Pacheco_0004.jpg"), index, backend=backend, threshold=0.5
    )
    miss = match_image(lfw_image("Zico/Zico_0001.jpg"), index, backend=backend, threshold=0.5)
    assert [c.id for c in hit.candidates] == [42] and hit.faces_processed == 1
    assert miss.candidates == () and miss.faces_processed == 1
    assert list(work.iterdir()) == [] and list(temp.iterdir()) == []


class CountingBackend:
    """The real backend, counting the faces it embeds (to see the cache at work)."""

    def __init__(self, inner):
        self.inner, self.embedded = inner, 0
        self.model_version = inner.model_version

    def detect(self, rgb):
        return self.inner.detect(rgb)

    def embed(self, rgb, face):
        self.embedded += 1
        return self.inner.embed(rgb, face)


def test_lfw_evaluation_on_a_few_pairs_and_its_cache(backend, lfw_dir, tmp_path):
    lines = ["1\t3"]
    lines += [f"{a.split('/')[0]}\t{int(a[-8:-4])}\t{int(b[-8:-4])}" for a, b in GENUINE]
    lines += [
        f"{a.split('/')[0]}\t{int(a[-8:-4])}\t{b.split('/')[0]}\t{int(b[-8:-4])}"
        for a, b in IMPOSTOR
    ]
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("\n".join(lines) + "\n")
    counting = CountingBackend(backend)
    cache: dict = {}
    result = evaluate_lfw(pairs, lfw_dir, backend=counting, cache=cache, folds=3)
    assert set(result) == {
        "accuracy",
        "accuracy_sd",
        "tar_at_far_0.001",
        "threshold",
        "pairs",
        "faces_not_found",
        "model",
    }
    assert result["pairs"] == 6 and result["faces_not_found"] == 0
    assert result["accuracy"] == 100.0
    assert result["model"] == backend.model_version
    assert counting.embedded == 7  # seven distinct images in the six pairs
    again = evaluate_lfw(pairs, lfw_dir, backend=counting, cache=cache, folds=3)
    assert counting.embedded == 7 and again == result
