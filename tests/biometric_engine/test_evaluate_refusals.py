"""An evaluation that cannot measure anything is refused, never reported as chance: no pair
with a face found in both images, pairs of one kind only, too few to cross-validate, and an
identification run with no face to enrol or search with (which would set the lowest
threshold as the equitable minimum)."""

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from biometric_engine.core.errors import NotEnoughPairs, NotEnoughSearches
from biometric_engine.core.evaluate import main
from biometric_engine.core.identification import evaluate_identification
from biometric_engine.core.verification import (
    cross_validated_verification,
    evaluate_lfw,
    require_enough_pairs,
)

PEOPLE = ("Ann_Arbor", "Bob_Bristol", "Cy_Cardiff", "Di_Derby")


@pytest.fixture
def faceless(tmp_path):
    """An LFW-shaped folder of real JPEGs with no face in them, and its pairs.txt."""
    images = tmp_path / "images"
    for shade, name in enumerate(PEOPLE):
        (images / name).mkdir(parents=True)
        for number in (1, 2):
            pixels = np.full((250, 250, 3), 60 + 40 * shade + number, np.uint8)
            Image.fromarray(pixels).save(images / name / f"{name}_{number:04d}.jpg")
    genuine = [f"{name}\t1\t2" for name in PEOPLE[:2]]
    impostor = [f"{PEOPLE[0]}\t1\t{PEOPLE[2]}\t1", f"{PEOPLE[1]}\t1\t{PEOPLE[3]}\t2"]
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("1\t2\n" + "\n".join(genuine + impostor) + "\n")
    return pairs, images


def test_no_readable_face_is_refused_not_reported_as_50_percent(faceless, backend):
    pairs, images = faceless
    with pytest.raises(NotEnoughPairs) as caught:
        evaluate_lfw(pairs, images, backend=backend)
    assert caught.value.code == "not_enough_pairs"
    assert "No face was found in both images of any of the 4 pairs" in caught.value.detail


def test_pairs_of_one_kind_are_refused_before_any_face_work(tmp_path, backend):
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("1\t1\n" + "\n".join(f"{name}\t1\t2" for name in PEOPLE[:2]) + "\n")
    cache: dict = {}
    with pytest.raises(NotEnoughPairs, match="2 genuine and 0 impostor pairs"):
        evaluate_lfw(pairs, tmp_path, backend=backend, cache=cache)
    assert cache == {}, "refused from the pairs file, before any image is read"


def test_cross_validation_refuses_one_kind_and_folds_with_nothing_to_learn_from():
    with pytest.raises(NotEnoughPairs, match="needs both kinds"):
        cross_validated_verification(np.array([0.9, 0.8]), np.array([True, True]), [0, 1])
    # One pair of each kind in one fold: its threshold would be chosen on no pairs at all.
    with pytest.raises(NotEnoughPairs, match="cross-validate"):
        cross_validated_verification(np.array([0.9, 0.1]), np.array([True, False]), [0, 0])


def test_faces_found_in_pairs_of_one_kind_only_are_refused():
    genuine = np.array([True, True, False, False])
    faces_in_both = np.array([True, True, False, False])
    with pytest.raises(NotEnoughPairs, match="2 genuine and 0 impostor pairs; verification"):
        require_enough_pairs(genuine, faces_in_both, np.array([0, 1, 0, 1]))
    require_enough_pairs(genuine, np.ones(4, dtype=bool), np.array([0, 1, 0, 1]))


def test_the_core_command_line_exits_non_zero_with_one_line(faceless, capsys):
    pairs, images = faceless
    assert main(["--pairs", str(pairs), "--images", str(images)]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.count("\n") == 1 and "No face was found" in printed.err


def test_evaluate_engine_ends_with_one_line_and_no_figures(faceless):
    pairs, images = faceless
    with pytest.raises(CommandError) as caught:
        call_command("evaluate_engine", pairs=pairs, images=images)
    assert "No face was found in both images" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_identification_with_no_face_to_search_with_is_refused(faceless, backend):
    _, images = faceless
    with pytest.raises(NotEnoughSearches) as caught:
        evaluate_identification(images, [0.3, 0.5], backend=backend)
    assert caught.value.code == "not_enough_searches"
    assert "8 images without a face" in caught.value.detail


def test_equitability_report_ends_with_one_line_and_no_report(faceless, tmp_path):
    _, images = faceless
    out = tmp_path / "report.json"
    with pytest.raises(CommandError) as caught:
        call_command("equitability_report", images=images, json_out=out)
    assert "identification rates need" in str(caught.value)
    assert "\n" not in str(caught.value) and not out.exists()
