"""The gate: no face is detected, embedded or searched without a valid, recorded authority."""

import io
import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db.models import F
from django.utils import timezone
from PIL import Image

from authority import services
from biometric_engine.core.backends import select_backend
from biometric_engine.engine import default_model_version
from biometric_engine.models import EnrolledFace, Gallery, GalleryKind
from common.roles import Role
from gate.checks import EngineRefused
from gate.minting import mint_scope
from gate.scope import sign_scope
from gate.search import search_frame, search_probe
from oversight.models import LedgerEntry
from tests.authority.fixtures import draft_application
from tests.factories import UserFactory, unseal, watchlist_gallery


class CountingBackend:
    """The real backend, counting calls, to prove a refused call never reaches it."""

    def __init__(self) -> None:
        self.real = select_backend()
        self.calls = 0

    @property
    def model_version(self) -> str:
        return self.real.model_version

    @property
    def embedding_dim(self) -> int:
        return self.real.embedding_dim

    def detect(self, rgb):
        self.calls += 1
        return self.real.detect(rgb)

    def embed(self, rgb, face):
        self.calls += 1
        return self.real.embed(rgb, face)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((64, 64, 3), 200, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def refusals() -> list[str]:
    return [
        json.loads(p)["reason"]
        for p in LedgerEntry.objects.filter(action="engine.search_refused").values_list(
            "payload", flat=True
        )
    ]


def assert_refused(code: str, call, backend: CountingBackend) -> None:
    runs = LedgerEntry.objects.filter(action="engine.search_run").count()
    with pytest.raises(EngineRefused) as info:
        call()
    assert info.value.code == code
    assert backend.calls == 0, "the engine must not run"
    assert LedgerEntry.objects.filter(action="engine.search_run").count() == runs
    assert refusals()[-1] == code


def frame_call(scope, watchlist, live, backend, **overrides):
    from authority.models import User

    holder = User.objects.get(pk=scope.issued_to) if scope else None
    params = {
        "by": holder,
        "scope": scope,
        "image": png_bytes(),
        "gallery_id": watchlist.pk,
        "location_id": live.locations.first().pk,
        "backend": backend,
        **overrides,
    }
    return lambda: search_frame(**params)


@pytest.fixture
def counting():
    return CountingBackend()


def test_no_scope_is_refused(live, watchlist, counting):
    assert_refused("no_scope", frame_call(None, watchlist, live, counting), counting)


def test_a_tampered_scope_is_refused(scope, live, watchlist, counting):
    forged = replace(scope, threshold="0.100")
    assert_refused("bad_signature", frame_call(forged, watchlist, live, counting), counting)


def test_a_cancelled_authority_stops_the_next_call(
    scope, live, watchlist, counting, superintendent
):
    services.cancel_authority(
        application=live, by=superintendent, reasons="Stop.", report="Suspects arrested."
    )
    assert_refused("authority_not_valid", frame_call(scope, watchlist, live, counting), counting)


def test_a_draft_is_not_a_valid_authority(
    watchlist, live, counting, operator, applicant, superintendent, commanders
):
    draft = draft_application(applicant, superintendent, commanders, operation_name="Op Draft")
    scope = sign_scope(
        replace(mint_scope(application=live, by=operator, gallery=watchlist), authority_id=draft.pk)
    )
    assert_refused("authority_not_valid", frame_call(scope, watchlist, live, counting), counting)


def test_a_call_outside_the_window_is_refused(scope, live, watchlist, counting, monkeypatch):
    after = live.valid_until + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: after)
    assert_refused("scope_expired", frame_call(scope, watchlist, live, counting), counting)


def test_an_expired_authority_is_refused(scope, live, watchlist, counting, monkeypatch):
    from authority.services import expire_authority

    after = live.valid_until + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: after)
    expire_authority(application_id=live.pk)
    assert_refused("authority_not_valid", frame_call(scope, watchlist, live, counting), counting)


def test_the_wrong_mode_is_refused(scope, live, watchlist, counting, operator):
    def call():
        return search_probe(
            scope=replace(scope),
            by=operator,
            image=png_bytes(),
            gallery_id=watchlist.pk,
            backend=counting,
        )

    assert_refused("wrong_mode", call, counting)


def test_another_gallery_is_refused(scope, live, watchlist, counting):
    other = Gallery.objects.create(
        name="Custody", kind=GalleryKind.CUSTODY, model_version=default_model_version()
    )
    call = frame_call(scope, watchlist, live, counting, gallery_id=other.pk)
    assert_refused("wrong_gallery", call, counting)


def test_a_location_outside_the_authority_is_refused(scope, live, watchlist, counting):
    call = frame_call(scope, watchlist, live, counting, location_id=999_999)
    assert_refused("location_not_authorised", call, counting)


def test_a_threshold_below_the_authorised_one_is_refused(scope, live, watchlist, counting):
    call = frame_call(scope, watchlist, live, counting, threshold=Decimal("0.5"))
    assert_refused("threshold_below_authorised", call, counting)


def test_a_watchlist_not_signed_off_is_refused(scope, live, watchlist, counting):
    unseal(watchlist)
    assert_refused(
        "watchlist_not_signed_off", frame_call(scope, watchlist, live, counting), counting
    )


def test_a_watchlist_changed_since_its_sign_off_is_refused(scope, live, watchlist, counting):
    Gallery.objects.filter(pk=watchlist.pk).update(revision=F("revision") + 1)
    assert_refused("watchlist_stale", frame_call(scope, watchlist, live, counting), counting)


def test_a_watchlist_sealed_for_a_deployment_that_ended_is_refused(
    scope, live, watchlist, counting
):
    Gallery.objects.filter(pk=watchlist.pk).update(sealed_until=timezone.now())
    assert_refused("watchlist_stale", frame_call(scope, watchlist, live, counting), counting)


def test_another_authoritys_watchlist_gets_no_scope(
    live, operator, applicant, superintendent, commanders
):
    from authority.builders import build_draft
    from common.errors import WrongState

    other_authority = build_draft(
        applicant=applicant, decider=superintendent, commanders=commanders, operation_name="Other"
    )
    other = watchlist_gallery(other_authority, sealed=False)
    with pytest.raises(WrongState, match="its own watchlist"):
        mint_scope(application=live, by=operator, gallery=other)


def test_an_urgent_authority_that_lapsed_is_refused(scope, live, watchlist, counting):
    from authority.models import Application

    Application.objects.filter(pk=live.pk).update(lapses_at=timezone.now())
    assert_refused("authority_not_valid", frame_call(scope, watchlist, live, counting), counting)


def test_no_scope_is_minted_for_an_authority_not_live(submitted, operator):
    from common.errors import WrongState

    gallery = watchlist_gallery(submitted, sealed=False)
    with pytest.raises(WrongState, match="submitted"):
        mint_scope(application=submitted, by=operator, gallery=gallery)


def test_only_engine_roles_get_a_scope(live, watchlist, applicant):
    from common.errors import NotPermitted

    with pytest.raises(NotPermitted):
        mint_scope(application=live, by=applicant, gallery=watchlist)


def test_an_admitted_search_is_ledgered_before_it_runs(scope, live, watchlist, counting):
    result = frame_call(scope, watchlist, live, counting)()
    assert result.faces_processed == 0 and result.candidates == ()
    actions = list(
        LedgerEntry.objects.filter(action__startswith="engine.search")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["engine.search_run"]  # nothing matched: no candidates event
    assert counting.calls == 1  # one detection pass over a blank frame, no face to embed
    assert not EnrolledFace.objects.exists()


def test_a_scope_used_by_someone_it_was_not_issued_to_is_refused(scope, live, watchlist, counting):
    other = UserFactory(username="other-operator", roles=[Role.LFR_OPERATOR])
    call = frame_call(scope, watchlist, live, counting, by=other)
    assert_refused("scope_not_issued_to_caller", call, counting)


def test_a_call_before_the_window_opens_is_refused(scope, live, watchlist, counting, monkeypatch):
    before = live.valid_from - timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: before)
    assert_refused("outside_window", frame_call(scope, watchlist, live, counting), counting)


def test_a_refused_application_is_not_a_valid_authority(
    watchlist, live, counting, operator, applicant, superintendent, commanders
):
    refused = draft_application(applicant, superintendent, commanders, operation_name="Op No")
    services.submit_application(application=refused, by=applicant)
    services.refuse_application(application=refused, by=superintendent, reasons="Not necessary.")
    scope = sign_scope(
        replace(
            mint_scope(application=live, by=operator, gallery=watchlist), authority_id=refused.pk
        )
    )
    call = frame_call(scope, watchlist, live, counting)
    assert_refused("authority_not_valid", call, counting)


def test_a_halt_stops_the_next_call_and_resuming_lets_the_engine_run(
    scope, live, watchlist, counting, commanders
):
    silver = commanders["silver_commander"]
    services.halt_authority(application=live, by=silver, reasons="Crowd surge at the entrance.")
    with pytest.raises(EngineRefused, match="halted"):
        frame_call(scope, watchlist, live, counting)()
    assert refusals()[-1] == "authority_not_valid" and counting.calls == 0

    services.resume_authority(application=live, by=silver, reasons="Crowd has dispersed.")
    assert frame_call(scope, watchlist, live, counting)().faces_processed == 0
    assert counting.calls == 1


def test_an_lfr_scope_naming_no_location_opens_no_camera(scope, live, watchlist, counting):
    nowhere = sign_scope(replace(scope, location_ids=()))
    call = frame_call(nowhere, watchlist, live, counting)
    assert_refused("location_not_authorised", call, counting)


def test_an_engine_running_another_model_is_refused(scope, live, watchlist, counting):
    class OtherModel(CountingBackend):
        @property
        def model_version(self) -> str:
            return "insightface-other-pack/insightface-0.7.3"

    other = OtherModel()
    assert_refused("wrong_model", frame_call(scope, watchlist, live, other), other)


def test_an_unreadable_frame_is_recorded_and_leaves_no_search(scope, live, watchlist, counting):
    from biometric_engine.core.errors import NotAnImage

    with pytest.raises(NotAnImage):
        frame_call(scope, watchlist, live, counting, image=b"GIF89a not really")()
    rejected = LedgerEntry.objects.filter(action="engine.probe_rejected").get()
    assert json.loads(rejected.payload)["reason"] == "not_an_image"
    assert rejected.role == "lfr_operator"
    assert not LedgerEntry.objects.filter(action="engine.search_run").exists()


@pytest.fixture
def urgently_live(applicant, inspector, commanders, chief, equitability_recorded, monkeypatch):
    application = draft_application(
        applicant,
        inspector,
        commanders,
        operation_name="Op Urgent",
        is_urgent=True,
        urgency_reason="A missing child at risk was seen at the station an hour ago.",
    )
    services.submit_application(application=application, by=applicant)
    services.urgently_authorise_application(
        application=application,
        by=inspector,
        reasons="Immediate risk to life.",
        superintendent_unavailable_reason="Duty Superintendent at a firearms incident.",
    )
    services.consult_chief_officer(
        application=application, by=chief, outcome="noted", comments="Agreed after the event."
    )
    application.refresh_from_db()
    inside = application.valid_from + timedelta(minutes=30)
    monkeypatch.setattr(timezone, "now", lambda: inside)
    return application


def test_a_later_decision_supersedes_the_scope_until_a_new_one_is_minted(
    urgently_live, operator, superintendent, counting
):
    watchlist = watchlist_gallery(urgently_live, name="Urgent watchlist")
    urgent_scope = mint_scope(application=urgently_live, by=operator, gallery=watchlist)
    services.ratify_urgent_authority(
        application=urgently_live, by=superintendent, reasons="The urgency was real."
    )
    call = frame_call(urgent_scope, watchlist, urgently_live, counting)
    assert_refused("scope_superseded", call, counting)

    ratified_scope = mint_scope(application=urgently_live, by=operator, gallery=watchlist)
    assert ratified_scope.decision_id != urgent_scope.decision_id
    assert frame_call(ratified_scope, watchlist, urgently_live, counting)().faces_processed == 0


def test_a_threshold_under_the_equitable_minimum_is_refused(scope, live, watchlist, counting):
    from biometric_engine.services import record_equitability_report
    from tests.biometric_engine.equitability_fixtures import synthetic_report

    # A later report raises the model's minimum above the authorised 0.640: the next call stops.
    record_equitability_report(report=synthetic_report((0.3, 0.5, 0.75)), dataset="re-run")
    call = frame_call(scope, watchlist, live, counting)
    assert_refused("threshold_below_equitable_minimum", call, counting)


def test_a_model_whose_groups_differ_at_every_threshold_is_refused(
    scope, live, watchlist, counting
):
    from biometric_engine.services import record_equitability_report
    from tests.biometric_engine.equitability_fixtures import synthetic_report

    record_equitability_report(report=synthetic_report((0.3, 0.5, 0.6)), dataset="re-run")
    call = frame_call(scope, watchlist, live, counting)
    assert_refused("no_equitable_threshold", call, counting)


def test_a_model_without_an_equitability_report_is_refused(scope, live, watchlist, counting):
    from biometric_engine.models import EquitabilityReport

    # Reports are records (never deleted in use): leave the scope's model without one.
    EquitabilityReport.objects.all().delete()
    call = frame_call(scope, watchlist, live, counting)
    assert_refused("no_equitability_report", call, counting)


def test_no_scope_is_minted_below_the_equitable_minimum(live, watchlist, operator):
    from biometric_engine.services import record_equitability_report
    from common.errors import WrongState
    from tests.biometric_engine.equitability_fixtures import synthetic_report

    record_equitability_report(report=synthetic_report((0.3, 0.5, 0.75)), dataset="re-run")
    with pytest.raises(WrongState, match=r"below 0\.750"):
        mint_scope(application=live, by=operator, gallery=watchlist)


def test_a_later_report_without_groups_does_not_lift_the_floor(scope, live, watchlist, counting):
    from biometric_engine.services import record_equitability_report
    from tests.biometric_engine.equitability_fixtures import synthetic_report

    record_equitability_report(report=synthetic_report((0.3, 0.5, 0.75)), dataset="re-run")
    record_equitability_report(report=synthetic_report(groups=False), dataset="accuracy only")
    call = frame_call(scope, watchlist, live, counting)
    assert_refused("threshold_below_equitable_minimum", call, counting)


def test_a_model_with_only_an_accuracy_report_is_refused(scope, live, watchlist, counting):
    from biometric_engine.models import EquitabilityReport
    from biometric_engine.services import record_equitability_report
    from tests.biometric_engine.equitability_fixtures import synthetic_report

    EquitabilityReport.objects.all().delete()
    record_equitability_report(report=synthetic_report(groups=False), dataset="accuracy only")
    assert_refused("no_equitability_report", frame_call(scope, watchlist, live, counting), counting)


def test_an_operator_whose_role_is_withdrawn_is_stopped_at_the_next_call(
    scope, live, watchlist, counting, operator
):
    operator.groups.clear()
    assert_refused("holder_not_permitted", frame_call(scope, watchlist, live, counting), counting)
    # Recorded by the roles the officer holds now (none), not the scope's.
    assert LedgerEntry.objects.filter(action="engine.search_refused").last().role == ""


def test_a_disabled_account_is_stopped_at_the_next_call(scope, live, watchlist, counting, operator):
    operator.is_active = False
    operator.save(update_fields=["is_active"])
    assert_refused("holder_not_permitted", frame_call(scope, watchlist, live, counting), counting)


@pytest.mark.parametrize("threshold", ["NaN", "Infinity", "1.5"])
def test_a_threshold_that_is_no_score_is_refused(scope, live, watchlist, counting, threshold):
    call = frame_call(scope, watchlist, live, counting, threshold=Decimal(threshold))
    assert_refused("bad_threshold", call, counting)


def test_a_forged_scope_is_not_filed_under_the_authority_it_names(scope, live, watchlist, counting):
    forged = replace(scope, authority_id=10**70, mode="x" * 500)
    assert_refused("bad_signature", frame_call(forged, watchlist, live, counting), counting)
    refusal = LedgerEntry.objects.filter(action="engine.search_refused").last()
    assert refusal.object_id == "unverified" and json.loads(refusal.payload)["mode"] is None


def test_asking_for_no_candidates_is_refused_before_the_engine_runs(
    scope, live, watchlist, counting, operator
):
    from common.errors import InvalidInput

    with pytest.raises(InvalidInput):
        search_probe(
            scope=scope,
            by=operator,
            image=png_bytes(),
            gallery_id=watchlist.pk,
            backend=counting,
            max_candidates=0,
        )
    assert counting.calls == 0


def test_a_scope_naming_no_known_authority_is_refused(scope, live, watchlist, counting):
    from authority.models import Application

    missing = Application.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    lost = sign_scope(replace(scope, authority_id=missing))
    assert_refused("authority_not_found", frame_call(lost, watchlist, live, counting), counting)
