"""Enrolment into a watchlist goes through the gate: an enrolment scope, for a watchlist
officer, for the authority's own unsigned watchlist, from 24 hours before its window."""

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from biometric_engine.core.errors import NoFaceFound, NotAnImage
from biometric_engine.engine import default_model_version
from biometric_engine.models import EnrolledFace, Gallery, GalleryKind
from biometric_engine.services import enrol_face
from common.errors import NotPermitted, WrongState
from common.roles import Role
from gate.checks import EngineRefused
from gate.enrolment import enrol_watchlist_face
from gate.minting import mint_enrolment_scope
from gate.scope import sign_scope
from oversight.models import LedgerEntry
from tests.factories import UserFactory, seal, unseal, watchlist_gallery
from tests.gate.test_gate import CountingBackend, png_bytes


@pytest.fixture
def enroller(db):
    return UserFactory(username="wo", roles=[Role.WATCHLIST_OFFICER])


@pytest.fixture
def unsigned(watchlist):
    return unseal(watchlist)


@pytest.fixture
def counting():
    return CountingBackend()


def enrol(scope, gallery, by, backend, **overrides):
    params = {
        "scope": scope,
        "gallery_id": gallery.pk,
        "by": by,
        "subject_ref": "PNC-1",
        "image": png_bytes(),
        "backend": backend,
        **overrides,
    }
    return enrol_watchlist_face(**params)


def assert_enrolment_refused(code, call, backend) -> None:
    with pytest.raises(EngineRefused) as info:
        call()
    assert info.value.code == code
    assert backend.calls == 0, "no face may be detected or embedded"
    assert not EnrolledFace.objects.exists()
    last = LedgerEntry.objects.filter(action="engine.enrolment_refused").last()
    assert json.loads(last.payload)["reason"] == code


def test_no_scope_enrols_nothing(unsigned, enroller, counting):
    assert_enrolment_refused(
        "no_scope", lambda: enrol(None, unsigned, enroller, counting), counting
    )


def test_a_search_scope_does_not_enrol(scope, unsigned, counting, operator):
    assert_enrolment_refused(
        "wrong_purpose", lambda: enrol(scope, unsigned, operator, counting), counting
    )


def test_another_officer_cannot_use_the_scope(live, unsigned, enroller, counting):
    scope = mint_enrolment_scope(application=live, by=enroller, gallery=unsigned)
    other = UserFactory(username="wo2", roles=[Role.WATCHLIST_OFFICER])
    assert_enrolment_refused(
        "scope_not_issued_to_caller", lambda: enrol(scope, unsigned, other, counting), counting
    )


def test_a_signed_off_watchlist_cannot_grow(live, unsigned, enroller, counting):
    scope = mint_enrolment_scope(application=live, by=enroller, gallery=unsigned)
    seal(unsigned)
    assert_enrolment_refused(
        "watchlist_frozen", lambda: enrol(scope, unsigned, enroller, counting), counting
    )


def test_a_widened_scope_is_refused(live, unsigned, enroller, counting):
    scope = mint_enrolment_scope(application=live, by=enroller, gallery=unsigned)
    forged = replace(scope, window_start=(live.valid_from - timedelta(days=30)).isoformat())
    assert_enrolment_refused(
        "bad_signature", lambda: enrol(forged, unsigned, enroller, counting), counting
    )


def test_another_authoritys_gallery_is_refused(live, unsigned, enroller, counting):
    scope = mint_enrolment_scope(application=live, by=enroller, gallery=unsigned)
    custody = Gallery.objects.create(
        name="Custody", kind=GalleryKind.CUSTODY, model_version=default_model_version()
    )
    moved = sign_scope(replace(scope, gallery_id=custody.pk))
    assert_enrolment_refused(
        "wrong_gallery", lambda: enrol(moved, custody, enroller, counting), counting
    )


def test_a_face_from_an_unreadable_file_is_rejected_and_recorded(
    live, unsigned, enroller, counting
):
    from biometric_engine.core.errors import NotAnImage

    scope = mint_enrolment_scope(application=live, by=enroller, gallery=unsigned)
    with pytest.raises(NotAnImage):
        enrol(scope, unsigned, enroller, counting, image=b"%PDF-1.7 not a photo")
    rejected = LedgerEntry.objects.filter(action="engine.enrolment_rejected").get()
    assert json.loads(rejected.payload)["reason"] == "not_an_image"
    assert not EnrolledFace.objects.exists()


def test_only_a_watchlist_officer_gets_an_enrolment_scope(live, unsigned, operator):
    with pytest.raises(NotPermitted):
        mint_enrolment_scope(application=live, by=operator, gallery=unsigned)


def test_no_enrolment_scope_once_the_authorised_window_has_ended(
    live, unsigned, enroller, monkeypatch
):
    # When in the window a list may be composed (24 hours before its deployment) is the
    # watchlist's rule (tests/watchlists/test_composition.py), not the gate's.
    monkeypatch.setattr(timezone, "now", lambda: live.valid_until)
    with pytest.raises(WrongState, match="window ends"):
        mint_enrolment_scope(application=live, by=enroller, gallery=unsigned)


def test_no_enrolment_scope_for_another_authoritys_watchlist(
    live, enroller, applicant, superintendent, commanders
):
    from authority.builders import build_draft

    other = build_draft(
        applicant=applicant, decider=superintendent, commanders=commanders, operation_name="Other"
    )
    with pytest.raises(WrongState, match="own watchlist"):
        mint_enrolment_scope(
            application=live, by=enroller, gallery=watchlist_gallery(other, sealed=False)
        )


def test_the_standing_gallery_service_refuses_a_watchlist(unsigned, enroller, counting):
    with pytest.raises(WrongState, match="enrolment scope"):
        enrol_face(
            gallery=unsigned, by=enroller, subject_ref="PNC-1", image=png_bytes(), backend=counting
        )
    assert counting.calls == 0
    assert standing_failure("engine.enrolment_refused", unsigned)["reason"] == "wrong_gallery"


# --- standing galleries: a failed enrolment is on the ledger, as a watchlist's is -------------


@pytest.fixture
def custody(db):
    return Gallery.objects.create(
        name="Custody images", kind=GalleryKind.CUSTODY, model_version=default_model_version()
    )


def standing_failure(action: str, gallery: Gallery) -> dict:
    entry = LedgerEntry.objects.filter(action=action).get()
    assert (entry.object_type, entry.object_id) == ("biometric_engine.gallery", str(gallery.pk))
    return json.loads(entry.payload)


def test_a_standing_enrolment_by_someone_not_permitted_is_refused_and_registered(
    custody, operator, counting
):
    from oversight.selectors import refused_engine_calls

    with pytest.raises(NotPermitted):
        enrol_face(
            gallery=custody, by=operator, subject_ref="CUST-1", image=png_bytes(), backend=counting
        )
    assert counting.calls == 0 and not EnrolledFace.objects.exists()
    payload = standing_failure("engine.enrolment_refused", custody)
    assert payload == {
        "reason": "not_permitted",
        "gallery_id": custody.pk,
        "gallery_kind": "custody",
    }
    refused = LedgerEntry.objects.get(action="engine.enrolment_refused")
    assert refused.actor_id == operator.pk and refused.role == "lfr_operator"
    # The oversight register of refused engine calls lists it beside the watchlists' refusals.
    assert list(refused_engine_calls()) == [refused]


def test_a_standing_enrolment_under_another_model_is_refused_and_recorded(
    custody, enroller, counting
):
    Gallery.objects.filter(pk=custody.pk).update(model_version="insightface-buffalo_l/1")
    with pytest.raises(WrongState, match="insightface-buffalo_l/1 templates"):
        enrol_face(
            gallery=custody, by=enroller, subject_ref="CUST-1", image=png_bytes(), backend=counting
        )
    assert standing_failure("engine.enrolment_refused", custody)["reason"] == "wrong_model"


def test_a_standing_enrolment_whose_face_is_refused_is_recorded_though_it_rolls_back(
    custody, enroller, counting
):
    revision = custody.revision
    # A real image without a face: the detector runs, finds none, the enrolment rolls back.
    with pytest.raises(NoFaceFound):
        enrol_face(
            gallery=custody, by=enroller, subject_ref="CUST-1", image=png_bytes(), backend=counting
        )
    assert counting.calls > 0
    assert not EnrolledFace.objects.exists()
    assert Gallery.objects.get(pk=custody.pk).revision == revision
    assert not LedgerEntry.objects.filter(action="engine.face_enrolled").exists()
    payload = standing_failure("engine.enrolment_rejected", custody)
    assert payload["reason"] == "no_face_found" and payload["gallery_id"] == custody.pk


def test_a_standing_enrolment_from_an_unreadable_file_is_recorded(custody, enroller, counting):
    with pytest.raises(NotAnImage):
        enrol_face(
            gallery=custody,
            by=enroller,
            subject_ref="CUST-1",
            image=b"%PDF-1.7 not a photo",
            backend=counting,
        )
    assert standing_failure("engine.enrolment_rejected", custody)["reason"] == "not_an_image"


def test_a_record_id_too_long_to_store_is_refused_before_any_face_work(
    live, unsigned, enroller, counting
):
    from common.errors import InvalidInput

    scope = mint_enrolment_scope(application=live, by=enroller, gallery=unsigned)
    with pytest.raises(InvalidInput, match="at most"):
        enrol(scope, unsigned, enroller, counting, subject_ref="P" * 500)
    assert counting.calls == 0 and not EnrolledFace.objects.exists()
