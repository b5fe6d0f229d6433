"""Frames through the gate: faces, not frames; no frame outside a running deployment's window."""

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageFilter

from common.errors import DomainError
from deployments.errors import CameraBusy
from deployments.models import Alert, Camera
from deployments.services.cameras import register_camera
from deployments.services.frames import process_frame
from deployments.services.lifecycle import (
    complete_deployment,
    halt_deployment,
    pause_deployment,
    resume_deployment,
)
from deployments.tracking import camera_lock
from gate.checks import EngineRefused
from gate.search import search_frame
from oversight.models import LedgerEntry
from tests.deployments.conftest import shifted
from tests.watchlists import images


def crops(deployment) -> list[str]:
    folder = f"deployments/alerts/{deployment.pk}"
    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


def frame(deployment, camera, operator, sequence, image=images.astronaut_again):
    return process_frame(
        deployment=deployment,
        camera=camera,
        sequence=sequence,
        image=image() if callable(image) else image,
        by=operator,
    )


def refused(code, call):
    with pytest.raises(DomainError) as error:
        call()
    assert error.value.code == code, error.value.detail


def at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_a_listed_face_raises_one_alert_with_its_score_and_crop(running, camera, operator, listed):
    outcome = frame(running, camera, operator, 1)
    (alert,) = Alert.objects.all()
    assert outcome.alert_ids == (alert.pk,)
    assert (outcome.faces_in_frame, outcome.new_faces) == (1, 1)
    assert alert.entry == listed and alert.camera == camera and alert.status == "new"
    assert alert.score >= 0.64 and alert.frame_sequence == 1
    assert crops(running) == [alert.crop.name.rsplit("/", 1)[1]]
    running.refresh_from_db()
    assert (running.frames_processed, running.faces_processed, running.alerts_raised) == (1, 1, 1)
    event = LedgerEntry.objects.get(action="alert.raised")
    assert event.data["score"] == round(alert.score, 4)
    assert event.data["run_id"] == running.run_id
    # The gate's own events carry the deployment's run id.
    search = LedgerEntry.objects.filter(action="engine.search_run").last()
    assert search.data["run_id"] == running.run_id


def test_one_person_in_thirty_frames_is_one_face_and_one_alert(running, camera, operator):
    still = images.astronaut()
    for sequence in range(30):
        frame(running, camera, operator, sequence, shifted(still, dx=sequence % 6, dy=1))
    running.refresh_from_db()
    assert running.frames_processed == 30
    assert running.faces_processed == 1
    assert running.alerts_raised == 1 and Alert.objects.count() == 1
    assert len(crops(running)) == 1
    # The gate still checked and ledgered every frame.
    assert LedgerEntry.objects.filter(action="engine.search_run").count() == 30
    # Searched with its best view, not in every frame: the frames after the first cost
    # detection only (each search_run says how many faces it found and how many it searched).
    runs = LedgerEntry.objects.filter(action="engine.search_run")
    assert [e.data["faces_count"] for e in runs] == [1] * 30
    assert [e.data["probes"] for e in runs] == [1] + [0] * 29


def test_a_better_view_of_a_followed_face_is_searched_again_and_alerts_once(
    running, camera, operator
):
    """The track's best view is searched: a blurred first sight, then the sharp face."""
    still = images.astronaut()
    blurred = Image.open(io.BytesIO(still)).filter(ImageFilter.GaussianBlur(3))
    out = io.BytesIO()
    blurred.save(out, format="PNG")
    frame(running, camera, operator, 0, shifted(out.getvalue(), dx=0))
    frame(running, camera, operator, 1, shifted(still, dx=1))
    frame(running, camera, operator, 2, shifted(still, dx=2))
    runs = LedgerEntry.objects.filter(action="engine.search_run")
    assert [e.data["probes"] for e in runs] == [1, 1, 0]
    running.refresh_from_db()
    assert running.faces_processed == 1 and Alert.objects.count() == 1


def test_an_unlisted_face_leaves_only_the_count(running, camera, operator):
    outcome = frame(running, camera, operator, 1, images.tom_hanks)
    assert (outcome.faces_in_frame, outcome.new_faces, outcome.alert_ids) == (1, 1, ())
    assert not Alert.objects.exists()
    assert crops(running) == []
    running.refresh_from_db()
    assert running.faces_processed == 1


def test_several_people_in_a_frame_are_several_faces(running, camera, operator):
    outcome = frame(running, camera, operator, 1, images.group_photo)
    assert outcome.faces_in_frame == outcome.new_faces >= 5
    assert outcome.alert_ids == ()


def test_a_face_seen_again_after_its_track_expired_is_a_new_face_and_alert(
    running, camera, operator, monkeypatch
):
    frame(running, camera, operator, 1)
    at(monkeypatch, timezone.now() + timedelta(seconds=10))
    frame(running, camera, operator, 2)
    running.refresh_from_db()
    assert (running.faces_processed, running.alerts_raised) == (2, 2)


def test_tracks_are_never_linked_across_cameras(running, camera, operator):
    other, _ = register_camera(deployment=running, by=operator, name="South entrance")
    frame(running, camera, operator, 1)
    frame(running, other, operator, 1)
    running.refresh_from_db()
    assert (running.faces_processed, running.alerts_raised) == (2, 2)


def test_no_frame_before_the_deployment_starts(deployment, operator):
    camera, _ = register_camera(deployment=deployment, by=operator, name="North entrance")
    refused("deployment_not_running", lambda: frame(deployment, camera, operator, 1))
    assert not LedgerEntry.objects.filter(action="engine.search_run").exists()
    event = LedgerEntry.objects.get(action="deployment.frame_refused")
    assert event.data["code"] == "deployment_not_running"


def test_no_frame_while_paused_and_frames_again_once_resumed(running, camera, operator, silver):
    pause_deployment(deployment=running, by=silver)
    refused("deployment_not_running", lambda: frame(running, camera, operator, 1))
    resume_deployment(deployment=running, by=silver)
    assert frame(running, camera, operator, 2).alert_ids


def test_no_frame_after_a_halt_and_the_gate_refuses_the_deployments_scope(
    running, camera, operator, silver
):
    frame(running, camera, operator, 1, images.tom_hanks)
    halt_deployment(deployment=running, by=silver, reason="Disorder near the van.")
    refused("deployment_not_running", lambda: frame(running, camera, operator, 2))
    running.authority.refresh_from_db()
    assert running.authority.halted_at is not None
    # A frame already past the deployment's checks meets the halted authority at the gate.
    with pytest.raises(EngineRefused) as at_gate:
        search_frame(
            scope=_cached_scope(running, operator),
            image=images.astronaut_again(),
            gallery_id=running.watchlist.gallery_id,
            location_id=running.location_id,
            by=operator,
            run_id=running.run_id,
        )
    assert at_gate.value.code == "authority_not_valid"


def _cached_scope(deployment, operator):
    from deployments.services.frames import _scope

    return _scope(deployment, operator)


def test_no_frame_after_completion(running, camera, operator, silver):
    complete_deployment(deployment=running, by=silver)
    refused("deployment_not_running", lambda: frame(running, camera, operator, 1))


def test_no_frame_after_the_window_ends(running, camera, operator, monkeypatch):
    at(monkeypatch, running.planned_end)
    refused("outside_deployment_window", lambda: frame(running, camera, operator, 1))
    assert not LedgerEntry.objects.filter(action="engine.search_run").exists()


def test_a_frame_out_of_order_is_refused(running, camera, operator):
    frame(running, camera, operator, 5, images.tom_hanks)
    refused("frame_out_of_order", lambda: frame(running, camera, operator, 5))
    refused("frame_out_of_order", lambda: frame(running, camera, operator, 4))
    camera.refresh_from_db()
    assert camera.last_sequence == 5
    assert LedgerEntry.objects.filter(action="engine.search_run").count() == 1


def test_an_unknown_camera_is_refused(running, operator):
    stranger = Camera(pk=987654, deployment_id=running.pk, name="Not registered")
    refused("unknown_camera", lambda: frame(running, stranger, operator, 1))


def test_only_an_operator_on_the_deployment_sends_frames(running, camera, silver):
    refused("not_on_the_deployment", lambda: frame(running, camera, silver, 1))


def test_a_camera_whose_frame_is_in_flight_is_busy(running, camera, operator):
    with camera_lock(camera.pk), pytest.raises(CameraBusy):
        frame(running, camera, operator, 1)
    camera.refresh_from_db()
    assert camera.last_sequence is None  # the busy frame's number was not used up
    assert LedgerEntry.objects.get(action="deployment.frame_refused").data["code"] == "camera_busy"
    assert frame(running, camera, operator, 1).alert_ids


def test_a_failing_alert_leaves_no_alert_no_crop_and_no_track(
    running, camera, operator, monkeypatch
):
    from deployments.services import frames

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    working = frames._crop_jpeg
    monkeypatch.setattr(frames, "_crop_jpeg", broken)
    with pytest.raises(RuntimeError):
        frame(running, camera, operator, 1)
    assert not Alert.objects.exists() and crops(running) == []
    assert LedgerEntry.objects.filter(action="engine.caller_failed").exists()
    monkeypatch.setattr(frames, "_crop_jpeg", working)
    assert frame(running, camera, operator, 2).alert_ids  # the face was not marked alerted


def test_scope_is_minted_once_for_many_frames(running, camera, operator):
    for sequence in range(3):
        frame(running, camera, operator, sequence, images.tom_hanks)
    issued = LedgerEntry.objects.filter(action="scope.issued")
    assert [e.data["purpose"] for e in issued].count("search") == 1


def test_a_pause_that_lands_while_a_frame_is_searched_stops_its_alert(
    running, camera, operator, monkeypatch
):
    """The hook re-reads the status under the row's lock: a pause committed between the
    frame's acceptance and its match leaves no alert (simulated inside the gate's transaction,
    which the refusal then rolls back with it)."""
    from deployments.models import Deployment
    from deployments.services import frames

    real = frames.search_frame

    def paused_meanwhile(**kwargs):
        hook = kwargs["on_candidates"]

        def pause_then_hook(result):
            Deployment.objects.filter(pk=running.pk).update(status="paused")
            hook(result)

        return real(**{**kwargs, "on_candidates": pause_then_hook})

    monkeypatch.setattr(frames, "search_frame", paused_meanwhile)
    refused("deployment_not_running", lambda: frame(running, camera, operator, 1))
    assert not Alert.objects.exists() and crops(running) == []
    event = LedgerEntry.objects.get(action="engine.caller_failed")
    assert event.data["error"] == "DeploymentNotRunning"


def test_the_gate_embeds_only_the_faces_its_caller_chooses_and_names_them_by_index(
    running, operator
):
    """``choose_faces``: every face is found and counted, only the chosen are embedded and
    searched, candidates name their face among all found; a face not in the frame is refused."""
    seen = []

    def choose(faces):
        seen.extend(faces)
        return [len(faces) - 1]  # only the last face found

    scope = _cached_scope(running, operator)
    kwargs = {
        "scope": scope,
        "gallery_id": running.watchlist.gallery_id,
        "location_id": running.location_id,
        "by": operator,
        "run_id": running.run_id,
    }
    result = search_frame(image=images.group_photo(), choose_faces=choose, **kwargs)
    assert result.faces_processed == len(seen) == len(result.boxes) >= 5
    assert result.searched == (len(seen) - 1,)
    assert all(0.0 <= face.quality <= 1.0 for face in seen)
    run = LedgerEntry.objects.filter(action="engine.search_run").last()
    assert (run.data["faces_count"], run.data["probes"]) == (len(seen), 1)
    # The astronaut alone, chosen: her candidate is named by her index among the faces found.
    listed = search_frame(image=images.astronaut_again(), choose_faces=lambda f: [0], **kwargs)
    assert [c.probe for c in listed.candidates] == [0] and listed.searched == (0,)
    with pytest.raises(ValueError):
        search_frame(image=images.astronaut_again(), choose_faces=lambda f: [3], **kwargs)
