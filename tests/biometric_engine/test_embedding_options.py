"""The bundled FaceNet's embedding options measured in the accuracy experiment
(docs/figures.md): each names itself in the model version, flipping makes a face and its mirror
image one vector, and alignment turns the eyes level."""

import cv2
import numpy as np
import pytest

from biometric_engine.core.backends import OpenCVFaceBackend
from biometric_engine.core.embed import FacenetEmbedder, crop_face, level_eyes

pytestmark = pytest.mark.images

KEY = "Zico/Zico_0001.jpg"


def test_each_option_changes_the_model_version(backend):
    plain = OpenCVFaceBackend(embedder=FacenetEmbedder())
    assert plain.model_version == backend.model_version  # the plain crop is the bundled model
    versions = {
        OpenCVFaceBackend(embedder=FacenetEmbedder(**options)).model_version
        for options in ({}, {"flip": True}, {"align": True}, {"align": True, "flip": True})
    }
    assert len(versions) == 4
    assert "+flip/" in OpenCVFaceBackend(embedder=FacenetEmbedder(flip=True)).model_version


def test_a_flipped_embedding_is_the_same_for_a_face_and_its_mirror_image(backend, lfw_image):
    rgb = lfw_image(KEY)
    face = max(backend.detect(rgb), key=lambda f: f.area)
    crop = crop_face(rgb, face.box)
    flipping, plain = FacenetEmbedder(flip=True), FacenetEmbedder()
    mirrored = np.ascontiguousarray(crop[:, ::-1])
    assert float(np.dot(flipping.embed_crop(crop), flipping.embed_crop(mirrored))) > 0.9999
    assert float(np.dot(plain.embed_crop(crop), plain.embed_crop(mirrored))) < 0.9999
    vector = flipping.embed(rgb, face)
    assert vector.shape == (512,) and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_alignment_turns_the_eyes_level(backend, lfw_image):
    rgb = lfw_image(KEY)
    height, width = rgb.shape[:2]
    tilted = cv2.warpAffine(
        rgb, cv2.getRotationMatrix2D((width / 2, height / 2), 15, 1.0), (width, height)
    )
    face = max(backend.detect(tilted), key=lambda f: f.area)
    (lx, ly), (rx, ry) = face.landmarks[:2]
    assert abs(np.degrees(np.arctan2(ry - ly, rx - lx))) > 10
    upright = max(backend.detect(level_eyes(tilted, face)), key=lambda f: f.area)
    (lx, ly), (rx, ry) = upright.landmarks[:2]
    assert abs(np.degrees(np.arctan2(ry - ly, rx - lx))) < 4
