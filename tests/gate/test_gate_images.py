"""The gate on real faces (LFW sample): enrolment, live and retrospective search, and that a
face matching nothing leaves nothing behind."""

import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.apps import apps
from django.conf import settings
from PIL import Image

from biometric_engine.core.errors import SeveralFaces
from biometric_engine.engine import default_model_version
from biometric_engine.models import EnrolledFace, Gallery, GalleryKind
from biometric_engine.services import enrol_face, remove_face
from common.roles import Role
from gate.checks import EngineRefused
from gate.minting import mint_scope
from gate.search import search_frame, search_probe, search_video
from oversight.models import LedgerEntry
from tests.factories import UserFactory, seal
from tests.gate.fixtures import ENROLLED, enrol, read

pytestmark = pytest.mark.images


def row_counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.managed and not m._meta.auto_created
    }


def media_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p) for p in root.rglob("*")) if root.exists() else []


def test_a_listed_person_alerts_with_the_score_kept(
    lfw_dir, scope, live, watchlist, enrolled_watchlist, operator
):
    result = search_frame(
        scope=scope,
        image=read(lfw_dir, "Jacques_Rogge/Jacques_Rogge_0003.jpg"),
        gallery_id=watchlist.pk,
        location_id=live.locations.first().pk,
        by=operator,
    )
    assert result.faces_processed == 1
    [candidate] = result.candidates
    assert candidate.id == enrolled_watchlist["rogge"].pk
    assert candidate.score >= float(live.decisions.get().threshold)
    found = json.loads(LedgerEntry.objects.filter(action="engine.candidates_found").last().payload)
    assert found == {
        "gallery_id": watchlist.pk,
        "candidates": 1,
        "scores": [round(candidate.score, 4)],
    }
    run = LedgerEntry.objects.filter(action="engine.search_run").last()
    assert json.loads(run.payload)["probes"] == 1 and run.role == "lfr_operator"


def test_a_face_matching_nothing_leaves_nothing_behind(
    lfw_dir, scope, live, watchlist, enrolled_watchlist, operator
):
    before_rows, before_media = row_counts(), media_files()
    before_cwd = sorted(os.listdir("."))
    result = search_frame(
        scope=scope,
        image=read(lfw_dir, "Hugo_Chavez/Hugo_Chavez_0027.jpg"),
        gallery_id=watchlist.pk,
        location_id=live.locations.first().pk,
        by=operator,
    )
    assert result.faces_processed == 1 and result.candidates == ()
    assert row_counts() == before_rows, "no row for a non-matched face"
    assert media_files() == before_media and sorted(os.listdir(".")) == before_cwd
    run = LedgerEntry.objects.filter(action="engine.search_run").last()
    assert '"probes":1' in run.payload
    assert not LedgerEntry.objects.filter(action="engine.candidates_found", seq__gt=run.seq)


def test_enrolment_keeps_a_template_not_the_image(lfw_dir, enrolled_watchlist):
    face = enrolled_watchlist["garner"]
    assert len(bytes(face.template)) == 512 * 4
    assert media_files() == []
    assert LedgerEntry.objects.filter(action="engine.face_enrolled").count() == 3


def test_a_signed_off_watchlist_is_frozen(lfw_dir, watchlist, enroller, enrolment_scope):
    seal(watchlist)
    with pytest.raises(EngineRefused) as refused:
        enrol(lfw_dir, enrolment_scope, watchlist, enroller, "PNC-x", ENROLLED["rogge"])
    assert refused.value.code == "watchlist_frozen"
    assert not EnrolledFace.objects.exists()
    refusal = LedgerEntry.objects.filter(action="engine.enrolment_refused").get()
    assert json.loads(refusal.payload)["reason"] == "watchlist_frozen"


def test_enrolment_refuses_a_face_below_the_quality_floor(
    lfw_dir, watchlist, enroller, enrolment_scope, settings
):
    from biometric_engine.core.errors import FaceQualityTooLow

    settings.WA_MIN_FACE_QUALITY = 0.99
    revision = Gallery.objects.get(pk=watchlist.pk).revision
    with pytest.raises(FaceQualityTooLow):
        enrol(lfw_dir, enrolment_scope, watchlist, enroller, "PNC-blurred", ENROLLED["garner"])
    assert not EnrolledFace.objects.exists()
    assert Gallery.objects.get(pk=watchlist.pk).revision == revision
    rejected = LedgerEntry.objects.filter(action="engine.enrolment_rejected").get()
    assert json.loads(rejected.payload)["reason"] == "face_quality_too_low"


@pytest.fixture
def custody(lfw_dir, enroller, db):
    gallery = Gallery.objects.create(
        name="Custody images", kind=GalleryKind.CUSTODY, model_version=default_model_version()
    )
    faces = {
        who: enrol_face(
            gallery=gallery, by=enroller, subject_ref=f"CUST-{who}", image=read(lfw_dir, key)
        )
        for who, key in ENROLLED.items()
    }
    return gallery, faces


@pytest.fixture
def rfr_scope(applicant, superintendent, commanders, custody, equitability_recorded, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from authority import services
    from tests.authority.fixtures import draft_application

    application = draft_application(
        applicant,
        superintendent,
        commanders,
        mode="rfr",
        operation_name="Operation Curlew",
        requested_categories=[],
        max_watchlist_size=None,
    )
    services.set_locations(application=application, by=applicant, locations=[])
    services.submit_application(application=application, by=applicant)
    services.authorise_application(
        application=application,
        by=superintendent,
        reasons="Serious assault; custody search justified.",
    )
    application.refresh_from_db()
    inside = application.valid_from + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: inside)
    investigator = UserFactory(username="dc", roles=[Role.INVESTIGATOR])
    return mint_scope(application=application, by=investigator, gallery=custody[0]), investigator


def test_retrospective_search_returns_the_right_lead(lfw_dir, custody, rfr_scope):
    gallery, faces = custody
    scope, investigator = rfr_scope
    result = search_probe(
        scope=scope,
        image=read(lfw_dir, "Lance_Armstrong/Lance_Armstrong_0007.jpg"),
        gallery_id=gallery.pk,
        by=investigator,
    )
    assert result.candidates[0].id == faces["armstrong"].pk


def test_a_probe_with_several_faces_is_refused_before_searching(lfw_dir, custody, rfr_scope):
    gallery, _ = custody
    scope, investigator = rfr_scope
    with pytest.raises(SeveralFaces):
        search_probe(
            scope=scope,
            image=read(lfw_dir, "Jacques_Rogge/Jacques_Rogge_0004.jpg"),
            gallery_id=gallery.pk,
            by=investigator,
        )
    assert not LedgerEntry.objects.filter(action="engine.search_run").exists()


def test_removal_deletes_from_database_and_index(lfw_dir, custody, rfr_scope, enroller):
    gallery, faces = custody
    scope, investigator = rfr_scope
    remove_face(face=faces["armstrong"], by=enroller)
    result = search_probe(
        scope=scope,
        image=read(lfw_dir, "Lance_Armstrong/Lance_Armstrong_0007.jpg"),
        gallery_id=gallery.pk,
        by=investigator,
    )
    assert faces["armstrong"].pk not in [c.id for c in result.candidates]


def write_clip(path: Path, frames: list[np.ndarray], fps: float = 5.0) -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened()
    for rgb in frames:
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def lfw_rgb(lfw_dir: Path, key: str) -> np.ndarray:
    return np.asarray(Image.open(lfw_dir / key).convert("RGB"))


@pytest.fixture
def clip(lfw_dir, tmp_path):
    blank = np.full((250, 250, 3), 90, np.uint8)
    frames = [
        lfw_rgb(lfw_dir, "Jacques_Rogge/Jacques_Rogge_0003.jpg"),
        blank,
        lfw_rgb(lfw_dir, "Hugo_Chavez/Hugo_Chavez_0027.jpg"),
    ]
    return write_clip(tmp_path / "camera.avi", frames)


def test_a_video_is_searched_frame_by_frame_each_on_the_ledger(
    clip, scope, live, watchlist, enrolled_watchlist, operator
):
    matches = list(
        search_video(
            scope=scope,
            video=clip,
            gallery_id=watchlist.pk,
            location_id=live.locations.first().pk,
            by=operator,
        )
    )
    assert [m.index for m in matches] == [0, 1, 2]
    assert [m.result.faces_processed for m in matches] == [1, 0, 1]
    assert [c.id for c in matches[0].result.candidates] == [enrolled_watchlist["rogge"].pk]
    assert matches[2].result.candidates == ()
    assert LedgerEntry.objects.filter(action="engine.search_run").count() == 3
    assert LedgerEntry.objects.filter(action="engine.candidates_found").count() == 1


def test_a_halt_stops_a_video_at_its_next_frame(
    clip, scope, live, watchlist, enrolled_watchlist, operator, commanders
):
    from authority import services

    frames = search_video(
        scope=scope,
        video=clip,
        gallery_id=watchlist.pk,
        location_id=live.locations.first().pk,
        by=operator,
    )
    assert next(frames).result.candidates
    services.halt_authority(
        application=live, by=commanders["silver_commander"], reasons="Crowd surge."
    )
    with pytest.raises(EngineRefused, match="halted"):
        next(frames)
    assert LedgerEntry.objects.filter(action="engine.search_run").count() == 1


def test_a_video_over_the_limit_is_refused_and_recorded(
    clip, scope, live, watchlist, operator, settings
):
    from biometric_engine.core.errors import VideoTooLong
    from biometric_engine.engine import engine_limits

    settings.WA_MAX_VIDEO_SECONDS = 0.2
    engine_limits.cache_clear()
    try:
        with pytest.raises(VideoTooLong):
            next(
                search_video(
                    scope=scope,
                    video=clip,
                    gallery_id=watchlist.pk,
                    location_id=live.locations.first().pk,
                    by=operator,
                )
            )
    finally:
        engine_limits.cache_clear()
    rejected = LedgerEntry.objects.filter(action="engine.probe_rejected").get()
    assert json.loads(rejected.payload)["reason"] == "video_too_long"
    assert not LedgerEntry.objects.filter(action="engine.search_run").exists()


def test_a_face_removed_while_the_index_was_read_is_not_returned(
    lfw_dir, scope, live, watchlist, enrolled_watchlist, operator
):
    from biometric_engine import indexes

    indexes.index_for(watchlist.pk)  # cached with the face in it
    # A removal racing the search: the row is gone, the cached index not yet updated.
    EnrolledFace.objects.filter(pk=enrolled_watchlist["rogge"].pk).delete()
    result = search_frame(
        scope=scope,
        image=read(lfw_dir, "Jacques_Rogge/Jacques_Rogge_0003.jpg"),
        gallery_id=watchlist.pk,
        location_id=live.locations.first().pk,
        by=operator,
    )
    assert result.faces_processed == 1 and result.candidates == ()
